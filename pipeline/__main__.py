import os
import sys

from pipeline.cli import main  # (Pandera is imported without hypothesis however the tool starts: schemas.models)

BROKEN_PIPE = 141  # the shell's status of a command whose reader went away (128 + SIGPIPE)

if __name__ == "__main__":  # not when the web page's worker processes are spawned from this module
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # A reader of the output that went away (`| head`) ends the run as it ends any command line tool,
        # quietly; every file is written whole or not at all. (Not by letting SIGPIPE kill the process: a
        # batch's worker processes are its pipes' readers too.)
        status = BROKEN_PIPE
    sys.stderr.flush()
    # Every file is written and closed by now. Tearing down the interpreter would free a large
    # register's frames object by object (a third of a second at a million rows); the system
    # reclaims a process's memory at once.
    os._exit(status)
