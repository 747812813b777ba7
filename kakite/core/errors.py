"""Errors users see. Each carries a one-line message that names the file or key at fault."""


class KakiteError(Exception):
    """Base class: caught at the CLI/stage boundary and printed as one line, no traceback."""

    exit_code = 1


class ParamsError(KakiteError):
    """params.yaml is invalid: unknown key, wrong type or out-of-range value."""

    exit_code = 2


class ImageError(KakiteError):
    """An image file cannot be decoded (corrupt, truncated, too large, not an image)."""

    exit_code = 3


class NoInkError(KakiteError):
    """The image holds no character: blank, or too little contrast to find ink."""

    exit_code = 4


class DataError(KakiteError):
    """A dataset is malformed: missing class, unknown class folder, bad archive entry."""

    exit_code = 5


class DownloadError(KakiteError):
    """A download failed or its digest did not match."""

    exit_code = 6


class OutputError(KakiteError):
    """An output folder cannot be written: checked before a stage starts its work, not after."""

    exit_code = 7
