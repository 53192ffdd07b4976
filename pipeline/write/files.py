"""Output files: their names, and writing them atomically without ever overwriting one.

Every file is built in memory first. It is then written to an unnamed temporary file
in the output folder (`O_TMPFILE`), which no one can see or follow a link into, and
linked to its final name, which fails instead of replacing anything there, a symbolic
link included; the next version (`_v2`, `_v3`, ...) is taken then. A killed run, a full
disk or a failed write leaves nothing behind. Where the file system has no `O_TMPFILE`,
a named temporary file of the tool's own pattern is used and removed, and stale ones
of that pattern are swept. Files written together (a report and its worklist) share one
version and stand or fall together: the first of them is linked last.
"""

from __future__ import annotations

import errno
import io
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import BinaryIO, Callable

from schemas.form import TOOL_AUTHOR  # noqa: F401 - the name the writers and the batch use

REPORT_KIND = "lagesrapport"
WORKLIST_KIND = "INTERNT_uppfoljning_90_dagar"
PLUS_REPORT_KIND = "indikatorer"  # ESF+ 2021-2027
PLUS_WORKLIST_KIND = "INTERNT_att_fylla_i"
ERRORS_KIND = "INTERNT_fel"


NAME_PART_MAX = 60  # a file name holds two parts, a kind, a period and a version, within 255 bytes


def safe_name(text: str) -> str:
    """A file-name part from a project or register name: ASCII letters, digits, - and _, at most
    NAME_PART_MAX characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text).strip("_")
    return cleaned[:NAME_PART_MAX].rstrip("_") or "projekt"


def versioned(folder: Path, stem: str, suffix: str, version: int) -> Path:
    """`stem.suffix`, or `stem_vN.suffix` from the second version on."""
    return folder / (f"{stem}{suffix}" if version == 1 else f"{stem}_v{version}{suffix}")


def next_version(folder: Path, stems: list[str], suffixes: list[str]) -> int:
    """The first version for which none of the files exist (files written together share one version).
    A name held by anything, a dangling symbolic link too, is taken."""
    version = 1
    while any(os.path.lexists(versioned(folder, stem, suffix, version)) for stem, suffix in zip(stems, suffixes)):
        version += 1
    return version


TEMPORARY_PREFIX = ".tmp-esf-"
STALE_SECONDS = 3600


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]


def write_new(path: Path, content: bytes) -> Path:
    """A new file at `path` holding `content`, whole or not at all; FileExistsError if the name is taken."""
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)
    except (AttributeError, OSError) as exc:  # no O_TMPFILE on this system or file system
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        return _write_named(path, content)
    try:
        _write_all(fd, content)
        os.fsync(fd)
        # the unnamed file gets its name (linkat with AT_SYMLINK_FOLLOW on /proc/self/fd/N); never replaces one
        fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.link(str(fd), path, src_dir_fd=fds, follow_symlinks=True)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise
            return _write_named(path, content)  # a system that cannot name an unnamed file
        finally:
            os.close(fds)
    finally:
        os.close(fd)
    return path


def _write_named(path: Path, content: bytes) -> Path:
    fd, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        _write_all(fd, content)
        os.fsync(fd)
        os.link(temporary, path)
    finally:
        os.close(fd)
        os.unlink(temporary)
    return path


def sweep_stale_temporaries(folder: Path) -> None:
    """Remove named temporaries of this tool left by a run that was killed (older than an hour)."""
    cutoff = time.time() - STALE_SECONDS
    for leftover in folder.glob(f"{TEMPORARY_PREFIX}*"):
        try:
            if not leftover.is_symlink() and leftover.is_file() and leftover.lstat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass


def write_set(folder: Path, stems: list[str], suffixes: str | list[str],
              writers: list[Callable[[BinaryIO], None]]) -> list[Path]:
    """Write files that belong together under one shared free version; retry on a race. Each writer
    writes its file into a binary stream in memory; nothing reaches the folder until all are built."""
    if isinstance(suffixes, str):
        suffixes = [suffixes] * len(stems)
    contents = []
    for write in writers:
        buffer = io.BytesIO()
        write(buffer)
        contents.append(buffer.getvalue())
    sweep_stale_temporaries(folder)
    while True:
        version = next_version(folder, stems, suffixes)
        paths = [versioned(folder, stem, suffix, version) for stem, suffix in zip(stems, suffixes)]
        written: list[Path] = []
        try:
            # the first file (the report) is linked last: it never stands without the files that go with it,
            # even if the run is killed between two links
            for path, content in reversed(list(zip(paths, contents))):
                written.append(write_new(path, content))
            return paths
        except BaseException as exc:
            for path in written:  # a set is written whole or not at all
                path.unlink(missing_ok=True)
            if isinstance(exc, FileExistsError):
                continue
            raise
