"""The one error policy of the tools: a bad input is one ``error:`` line and exit status 1."""
import os
import sys
from typing import Any, Callable

from ..engine.work_dir_lock import WorkDirInUseError
from ..utils.environment import setup_env

# errors that are about the user's input: a tool prints them in one line instead of a traceback
USER_ERRORS = (ValueError, KeyError, TypeError, OSError, FloatingPointError)


def run_cli(main: Callable[[], Any]) -> int:
    """Set up the process (:func:`~tokenpose_mm.setup_env`), then run a tool's ``main``; a bad
    input (:data:`USER_ERRORS`, ``WorkDirInUseError``) is printed
    as ``error: <Type>: <message>`` with exit status 1 instead of a traceback.
    ``TOKENPOSE_MM_TRACEBACK=1`` shows the traceback."""
    setup_env()
    try:
        result = main()
    except (*USER_ERRORS, WorkDirInUseError) as e:
        if os.environ.get('TOKENPOSE_MM_TRACEBACK'):
            raise
        message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        print(f'error: {type(e).__name__}: {message}', file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0
