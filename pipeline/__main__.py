import os
import signal
import sys

# Pandera imports hypothesis (0.25 s) for its data-synthesis strategies whenever it is installed;
# a report never synthesises data, so the command line goes without it. (Tests, which run the
# CLI in-process with hypothesis already imported, are unaffected.)
sys.modules.setdefault("hypothesis", None)

from pipeline.cli import main  # noqa: E402

if __name__ == "__main__":  # not when the web page's worker processes are spawned from this module
    # A reader of the output that goes away (`| head`) ends the run as it ends any command line tool,
    # quietly, instead of with a traceback; every file is written whole or not at all.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    status = main()
    # Every file is written and closed by now. Tearing down the interpreter would free a large
    # register's frames object by object (a third of a second at a million rows); the system
    # reclaims a process's memory at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
