"""The boundary between kakite and its user: known errors become one line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable

from kakite.core.atomic import check_writable
from kakite.core.errors import KakiteError

EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE


def run(main: Callable[[], int | None], prog: str, writes: Iterable[str | os.PathLike] = ()) -> None:
    """Check the folders main() `writes` into, then call it; a KakiteError prints `prog: error: <one line>`
    and exits with its code, no traceback.

    A reader that stops early (`kakite predict dir | head -1`) closes the pipe: that ends the run
    quietly, as it would end cat or grep, and stdout is pointed at /dev/null so the final flush
    cannot raise again.

    Ctrl-C ends the process at once, once its `finally` blocks have run: TensorFlow's thread pools are
    still at work mid-step, and the interpreter's teardown freeing memory under them can abort
    (`free(): invalid size`, SIGABRT) instead of exiting 130."""
    try:
        check_writable(*writes)
        code = main() or 0
    except KakiteError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    sys.exit(code)
