"""The process's entry point: `esf-rapport` (installed) and `python -m pipeline` both run `command()`.

It sets the console up (`pipeline.console`), runs the command line (`pipeline.cli.main`; a report in a
child process it watches, `pipeline.supervise`) and ends the process with its exit status.
"""

import os
import sys

from pipeline.cli import main  # (Pandera is imported without hypothesis however the tool starts: schemas.models)
from pipeline.console import configure_console
from pipeline.supervise import BROKEN_PIPE, internal_error, watched


def command() -> None:
    """Run the command line, then end the process."""
    configure_console()
    try:
        status = watched(sys.argv[1:], main)
        sys.stdout.flush()
    except BrokenPipeError:
        # A reader of the output that went away (`| head`) ends the run as it ends any command line tool,
        # quietly; every file is written whole or not at all. (Not by letting SIGPIPE kill the process: a
        # batch's worker processes are its pipes' readers too, and Windows has no SIGPIPE.)
        status = BROKEN_PIPE
    except Exception:  # noqa: BLE001 - the last line of defence of a command that is no report (those have their own)
        status = internal_error()
    try:
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    if "multiprocessing.resource_tracker" in sys.modules:
        # Spawned workers (a batch as Windows runs it): multiprocessing's exit handlers release the batch's
        # semaphores, or its resource tracker warns of them in English. A batch's frames are long gone.
        sys.exit(status)
    # Every file is written and closed by now. Tearing down the interpreter would free a large
    # register's frames object by object (a third of a second at a million rows); the system
    # reclaims a process's memory at once.
    os._exit(status)


if __name__ == "__main__":  # not when the web page's worker processes are spawned from this module
    command()
