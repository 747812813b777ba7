"""kakite (書き手): learn what was written, and who wrote it."""

from kakite.core import quiet

__version__ = "0.1.0"

quiet.install()  # before any module of the package can import TensorFlow
