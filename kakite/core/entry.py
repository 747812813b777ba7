"""The boundary between kakite and its user: known errors become one line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable

from kakite.core.atomic import check_writable
from kakite.core.errors import KakiteError


def run(main: Callable[[], int | None], prog: str, writes: Iterable[str | os.PathLike] = ()) -> None:
    """Check the folders main() `writes` into, then call it; a KakiteError prints `prog: error: <one line>`
    and exits with its code, no traceback."""
    try:
        check_writable(*writes)
        code = main() or 0
    except KakiteError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
