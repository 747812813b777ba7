"""The boundary between kakite and its user: known errors become one line on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable

from kakite.core.errors import KakiteError


def run(main: Callable[[], int | None], prog: str) -> None:
    """Call main(); a KakiteError prints `prog: error: <one line>` and exits with its code, no traceback."""
    try:
        code = main() or 0
    except KakiteError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
