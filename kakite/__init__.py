"""kakite (書き手): learn what was written, and who wrote it."""

__version__ = "0.1.0"
