"""Every size cap on untrusted input, in one place, so each bound is stated once and reviewed together.

WHY: images, archives, arrays and downloads come from users or the network. Each reader checks what the
input *declares* (header sizes, array shapes, Content-Length) against these caps before it allocates,
and fails with one line naming the file. The caps sit well above every real dataset kakite reads.
"""

from __future__ import annotations

# Images (kakite/core/images.py), checked from the header before any pixel is decoded.
# MAX_PIXELS bounds `kakite predict`'s memory: PIL holds up to 4 bytes a pixel (RGBA), the grey array
# one more, so a 24 MP RGBA PNG costs 134 MB through decode + preprocess and a 40 MP one 210 MB
# (measured). 24 MP is a 6000 x 4000 camera; phones save 12 MP by default. Truncated files cost no
# more: PIL notices the missing data before it touches the declared frame's pages.
MAX_PIXELS = 24_000_000  # width x height
MAX_SIDE = 65_535  # either side: the largest JPEG; a longer line is not a photo of a character

# Zip archives (kakite/acquire/archive.py): declared sizes, before anything is inflated.
ZIP_MAX_TOTAL_BYTES = 4 << 30  # sum of declared member sizes
ZIP_MAX_RATIO = 200.0  # declared / compressed size of one member
ZIP_RATIO_CHECK_MIN_BYTES = 1 << 20  # smaller members cannot exhaust anything, and blank PNGs compress well
ZIP_MAX_MEMBERS = 2_000_000
MAX_IMAGE_BYTES = 1 << 20  # one image member of a dataset zip (a 48x48 PNG is a few kB)

# Arrays (kakite/acquire/arrays.py): one array's declared bytes, and a .mat file's inflated bytes.
# The largest real ones: Kuzushiji-49 train images 182 MB, EMNIST digits 220 MB.
MAX_ARRAY_BYTES = 1 << 30

# Downloads (kakite/acquire/download.py): the largest real file is EMNIST's matlab.zip, 0.7 GB.
MAX_DOWNLOAD_BYTES = 4 << 30
