"""Output files: their names, and writing them atomically without ever overwriting one.

Every file is built in memory first. It is then written to an unnamed temporary file
in the output folder (`O_TMPFILE`), which no one can see or follow a link into, and
linked to its final name, which fails instead of replacing anything there, a symbolic
link included; the next version (`_v2`, `_v3`, ...) is taken then. A killed run, a full
disk or a failed write leaves nothing behind. Where the system has no `O_TMPFILE`
(Windows, macOS, some file systems), a named temporary file of the tool's own pattern is
written and given its name by a hard link or a rename that never replaces (`STEPS`); a
killed run's temporary is swept by the next run into the folder. Files written together (a report and its worklist) share one
version and stand or fall together: the first of them is linked last.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import BinaryIO, Callable

from pipeline.problems import UsageError
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
WINDOWS = os.name == "nt"

# How a file is made whole and given its name, most private first. `unnamed`: O_TMPFILE and linkat (Linux);
# `link`: a named temporary file and a hard link (POSIX, and Windows on NTFS); `rename`: a named temporary
# file renamed by a rename that never replaces (Windows' own, renameat2 on Linux, renamex_np on macOS), for a
# file system without hard links (FAT, some network shares). The environment variable ESF_PORTABLE=link or
# =rename starts from that step: the tests run every step on Linux, where the first one always works.
STEPS = ("unnamed", "link", "rename")


def _first_step() -> str:
    forced = os.environ.get("ESF_PORTABLE", "")
    return forced if forced in STEPS else STEPS[0]


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]


def _not_supported(exc: BaseException) -> bool:
    """An error that says this system or file system cannot take the step (try the next), not that the
    name is taken, the disk is full or the file is held by another program."""
    if isinstance(exc, AttributeError):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, (FileExistsError, PermissionError)) \
        and exc.errno not in (errno.ENOSPC, errno.EDQUOT)


def write_new(path: Path, content: bytes) -> Path:
    """A new file at `path` holding `content`, whole or not at all; FileExistsError if the name is taken."""
    step = _first_step()
    if step == "unnamed":
        try:
            return _write_unnamed(path, content)
        except (AttributeError, OSError) as exc:
            if not _not_supported(exc):
                raise
    return _write_named(path, content, rename=step == "rename")


def _write_unnamed(path: Path, content: bytes) -> Path:
    fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)
    try:
        _write_all(fd, content)
        os.fsync(fd)
        # the unnamed file gets its name (linkat with AT_SYMLINK_FOLLOW on /proc/self/fd/N); never replaces one
        fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.link(str(fd), path, src_dir_fd=fds, follow_symlinks=True)
        finally:
            os.close(fds)
    finally:
        os.close(fd)
    return path


def _write_named(path: Path, content: bytes, rename: bool = False) -> Path:
    """A temporary file of this tool's pattern (its writer's process number in the name), written whole, then
    given the final name by a hard link, or by a rename that never replaces where links are not to be had.
    mkstemp creates it exclusively: never through a planted link."""
    fd, temporary = tempfile.mkstemp(prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=path.suffix,
                                     dir=path.parent)
    try:
        try:
            if hasattr(os, "fchmod") and not WINDOWS:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)  # Windows renames no file that is open
        if not rename:
            try:
                os.link(temporary, path)
                return path
            except (AttributeError, OSError) as exc:
                if not _not_supported(exc):
                    raise
        rename_new(temporary, path)
        return path
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:  # renamed
            pass
        except OSError:  # held a moment by another program (a virus scanner, OneDrive): swept by a later run
            pass


def rename_new(source: str | Path, target: str | Path) -> None:
    """Rename `source` to `target`, which must not exist: FileExistsError if it does, never a replacement."""
    if WINDOWS:
        os.rename(source, target)  # Windows' rename refuses an existing target
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    source_b, target_b = os.fsencode(source), os.fsencode(target)
    if hasattr(libc, "renameat2"):  # Linux (glibc 2.28 and later)
        at_fdcwd, rename_noreplace = -100, 1
        result = libc.renameat2(at_fdcwd, source_b, at_fdcwd, target_b, rename_noreplace)
    elif hasattr(libc, "renamex_np"):  # macOS
        rename_excl = 0x4
        result = libc.renamex_np(source_b, target_b, rename_excl)
    else:
        raise OSError(errno.ENOTSUP, "Ingen namnbyte utan ersättning på det här systemet", str(target))
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(target))


def _writer_gone(leftover: Path) -> bool:
    """The process that wrote a named temporary has ended (its number is in the name). On Windows a file that
    a running process still writes cannot be removed anyway, so every leftover is tried there."""
    return WINDOWS or process_ended(leftover.name[len(TEMPORARY_PREFIX):])


def process_ended(named: str) -> bool:
    """Whether the process whose number begins `named` (`1234-…`) has ended; False when unsure."""
    number = named.split("-", 1)[0]
    if not number.isdigit() or WINDOWS:  # (on Windows os.kill would end the process, not ask after it)
        return False
    try:
        os.kill(int(number), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def sweep_stale_temporaries(folder: Path) -> None:
    """Remove named temporaries of this tool left by a run that was killed: its process has ended, or the
    file is older than an hour (a process number can be taken again)."""
    cutoff = time.time() - STALE_SECONDS
    for leftover in folder.glob(f"{TEMPORARY_PREFIX}*"):
        try:
            if not leftover.is_symlink() and leftover.is_file() and (
                    _writer_gone(leftover) or leftover.lstat().st_mtime < cutoff):
                leftover.unlink()
        except OSError:  # another run's, still being written (Windows), or gone already
            pass


WINDOWS_PATH_MAX = 259  # characters in a whole path, where Windows has no long paths turned on
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def windows_safe(name: str) -> str:
    """A file name every system takes, Windows too: no character Windows refuses (`<>:"/\\|?*` and control
    characters), no trailing dot or space, and no device name (`CON`, `NUL.xlsx`, `com1.txt`)."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).rstrip(" .")
    if cleaned.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned or "fil"


def check_path_length(path: Path) -> None:
    """A file's whole path fits Windows' limit (a report on a shared drive is opened on Windows)."""
    whole = str(path.absolute())
    if len(whole) > WINDOWS_PATH_MAX:
        raise UsageError(f"Sökvägen till {path.name} blir {len(whole)} tecken lång, och Windows tar högst "
                         f"{WINDOWS_PATH_MAX}. Välj en utdatamapp med en kortare sökväg (--out) och kör igen.")


def held_message(path: Path) -> str:
    return (f"Filen {path.name} i {path.parent} kan inte skrivas: den är öppen i ett annat program (till exempel "
            "Excel), eller så saknar du behörighet i mappen. Stäng filen och kör igen; inget halvskrivet har "
            "lämnats kvar.")


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
        for path in paths:
            check_path_length(path)
        written: list[Path] = []
        try:
            # the first file (the report) is linked last: it never stands without the files that go with it,
            # even if the run is killed between two links
            for path, content in reversed(list(zip(paths, contents))):
                written.append(write_new(path, content))
            return paths
        except BaseException as exc:
            for path in written:  # a set is written whole or not at all
                with contextlib.suppress(OSError):  # (a file that cannot be taken back is still a whole file)
                    path.unlink(missing_ok=True)
            if isinstance(exc, FileExistsError):
                continue
            if isinstance(exc, PermissionError):  # the file being written when it was refused
                raise UsageError(held_message(paths[len(paths) - 1 - len(written)])) from None
            raise
