"""Output files: their names, and writing them atomically without ever overwriting one.

A file is written to a temporary name in the output folder, then hard-linked to
its final name, which fails instead of replacing a file that exists; the next
version (`_v2`, `_v3`, ...) is taken then.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable

REPORT_KIND = "lagesrapport"
WORKLIST_KIND = "INTERNT_uppfoljning_90_dagar"
ERRORS_KIND = "INTERNT_fel"


def safe_name(text: str) -> str:
    """A file-name part from a project name: ASCII letters, digits, - and _."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text).strip("_")
    return cleaned or "projekt"


def versioned(folder: Path, stem: str, suffix: str, version: int) -> Path:
    """`stem.suffix`, or `stem_vN.suffix` from the second version on."""
    return folder / (f"{stem}{suffix}" if version == 1 else f"{stem}_v{version}{suffix}")


def next_version(folder: Path, stems: list[str], suffixes: list[str]) -> int:
    """The first version for which none of the files exist (files written together share one version)."""
    version = 1
    while any(versioned(folder, stem, suffix, version).exists() for stem, suffix in zip(stems, suffixes)):
        version += 1
    return version


def write_new(path: Path, write: Callable[[Path], None]) -> Path:
    """Write via a temporary file in the same folder, then link it into place; never overwrite."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    temporary_path = Path(temporary)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary_path, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
    try:
        write(temporary_path)
        os.link(temporary_path, path)  # raises FileExistsError instead of replacing
    finally:
        temporary_path.unlink(missing_ok=True)
    return path


def write_set(folder: Path, stems: list[str], suffixes: str | list[str],
              writers: list[Callable[[Path], None]]) -> list[Path]:
    """Write files that belong together under one shared free version; retry on a race."""
    if isinstance(suffixes, str):
        suffixes = [suffixes] * len(stems)
    while True:
        version = next_version(folder, stems, suffixes)
        paths = [versioned(folder, stem, suffix, version) for stem, suffix in zip(stems, suffixes)]
        try:
            for path, write in zip(paths, writers):
                write_new(path, write)
            return paths
        except FileExistsError:
            continue
