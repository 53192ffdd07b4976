"""One register's run watched from a process of its own, so that a native library that aborts or crashes
while it reads the register (or the system killing the run for its memory) is told in Swedish, with
exit status 3 and an `internt_fel_*.log`, never as a dead process.

`esf-rapport report` forks at once, before anything heavy is imported: the child does the run and
the parent only waits for it. Where there is no fork (Windows), the parent starts the same command
as a child process instead (`ESF_SUPERVISED` tells the child it is watched); ESF_START_METHOD=spawn
makes Linux take that path too, as the tests do. A batch and the web page watch their registers
with their worker processes (`pipeline.run.batch`, `pipeline.web.app`). Any other command's
unexpected error is the same Swedish line and a log (`internal_error`), never a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from pipeline import run

WATCHED = "ESF_SUPERVISED"
BROKEN_PIPE = 141  # the shell's status of a command whose reader went away (128 + SIGPIPE)
EXIT_STATUSES = (0, 1, 2, 3, 130, BROKEN_PIPE)  # the tool's own (pipeline.run, pipeline.cli)


def watched(argv: list[str], work: Callable[[], int]) -> int:
    """`work()` (a `report` run) in a child process; its exit status, or 3 and a Swedish message when the child
    ended abruptly."""
    if os.environ.get(WATCHED) or not argv or argv[0] != "report":
        return work()
    try:
        from pipeline.cli import build_parser

        args = build_parser().parse_args(argv)
    except BaseException:  # noqa: BLE001 - a usage error: the run itself says so
        return work()
    if hasattr(os, "fork") and os.environ.get("ESF_START_METHOD") != "spawn":
        ended = _forked(work)
    else:
        ended = _started(argv)
    if ended is None or isinstance(ended, int) and ended in EXIT_STATUSES:
        return ended if ended is not None else run.INTERRUPTED
    outcome = run.crashed(args.register, args.out, f"({ended})", times=1)
    for line in outcome.lines:
        print(line)
    return outcome.status


def _forked(work: Callable[[], int]) -> int | str | None:
    """The child's exit status, the name of the signal that ended it, or None for Ctrl+C."""
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    child = os.fork()
    if child == 0:
        _end_with(parent)
        status = run.INTERNAL
        try:
            status = work()
            sys.stdout.flush()
        except BrokenPipeError:  # a reader that went away (`| head`): quietly, as the command itself ends then
            status = BROKEN_PIPE
        except Exception:  # noqa: BLE001 - said in Swedish, as the command itself says it
            status = internal_error()
        finally:
            try:
                sys.stderr.flush()
            except (BrokenPipeError, OSError):
                pass
            os._exit(status)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the child's to tell
    try:
        _, waited = os.waitpid(child, 0)
    finally:
        signal.signal(signal.SIGINT, previous)
    if os.WIFEXITED(waited):
        return os.WEXITSTATUS(waited)
    ended_by = os.WTERMSIG(waited)
    return None if ended_by == signal.SIGINT else signal.Signals(ended_by).name


def internal_error() -> int:
    """An unexpected error outside a report: its details in a log in the system's temporary folder, and a
    Swedish line on screen, never a traceback."""
    import tempfile
    import traceback
    from datetime import datetime

    details = f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {sys.argv[1:]}\n{traceback.format_exc()}\n"
    where = run.write_log(Path(tempfile.gettempdir()), details)
    print(f"Ett internt fel uppstod. {where}; kontakta den som underhåller verktyget.", file=sys.stderr)
    return run.INTERNAL


def _end_with(parent: int) -> None:
    """The child ends when the parent does (Linux: PR_SET_PDEATHSIG), as a killed run must end whole."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent was gone before the line above
        os._exit(run.INTERRUPTED)


def _started(argv: list[str]) -> int | str | None:
    """The same command in a child process (no fork): its exit status, or what ended it."""
    child = subprocess.Popen([sys.executable, "-m", "pipeline", *argv], env=os.environ | {WATCHED: "1"})
    while True:
        try:
            code = child.wait()
            break
        except KeyboardInterrupt:  # the child has it too, and says so
            continue
    if code < 0:  # POSIX: ended by a signal
        return None if -code == signal.SIGINT else signal.Signals(-code).name
    if code in EXIT_STATUSES:
        return code
    return f"avslutskod {code:#x}"  # Windows: 0xC0000005 (access violation), 0xC0000409 (abort) and the like
