"""Reading an earlier report of this tool back: which project and period it is, and its figures.

A report is known by its `Om rapporten` sheet (its Diarienummer and period) and its
`Siffror` sheet (every figure in long form). The output folder is searched for the
newest earlier report of the same project (`find_earlier`, among the workbooks whose
properties name this tool as their author and, in their keywords, this project), or one
is named with `--previous`; any file that is no readable report of this tool is simply
not one.
"""

from __future__ import annotations

import os
import zipfile
from xml.etree import ElementTree
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.period import Period
from schemas import form

KEY = form.FIGURE_COLUMNS[:4]  # Tabell, Rad, Kolumn, Kön


@dataclass
class EarlierReport:
    path: Path
    case_number: str
    period: Period
    created: str  # "YYYY-MM-DD HH:MM", as the report says it
    version: int
    sha256: str = ""  # of the register it was counted from


def read_about(path: Path) -> EarlierReport | None:
    """The identity of a report workbook from its `Om rapporten` sheet, or None if it is none."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        if form.ABOUT not in reader.sheet_names or form.FIGURES not in reader.sheet_names:
            return None
        rows = reader.load_sheet(form.ABOUT, header_row=None, dtypes="string").to_pandas()
    except Exception:  # noqa: BLE001 - any file that is no readable report is simply not an earlier report
        return None
    about = dict(zip(rows.iloc[:, 0], rows.iloc[:, 1])) if rows.shape[1] >= 2 else {}
    period = str(about.get(form.ABOUT_PERIOD) or "")
    if form.ABOUT_CASE_NUMBER not in about or "(" not in period:
        return None
    label = period.rsplit("(", 1)[1].rstrip(")")
    try:
        start, end = (pd.to_datetime(part, format="%y%m%d") for part in label.split("-"))
    except ValueError:
        return None
    version = int(path.stem.rsplit("_v", 1)[1]) if "_v" in path.stem and path.stem.rsplit("_v", 1)[1].isdigit() else 1
    return EarlierReport(path, str(about[form.ABOUT_CASE_NUMBER]).strip(), Period(start, end),
                         str(about.get(form.ABOUT_CREATED) or ""), version, str(about.get(form.ABOUT_SHA256) or ""))


_KNOWN: dict[tuple, EarlierReport | None] = {}  # what each file of an output folder is, by its identity
_PROPERTIES: dict[tuple[str, int], tuple[bool, str | None]] = {}  # by path and inode: see `properties`


def properties(path: str | Path, inode: int) -> tuple[bool, str | None]:
    """Whether this tool wrote the workbook, and the Diarienummer its properties name (`_properties`), read
    once per file by its path and inode, which the folder's listing gives without a call to the system per
    file: a batch searches its output folder once per register, and the folder fills with the batch's own
    reports, so that looking at each file's status every time would make a long batch slower with each
    register. The properties of a report never change: the tool writes every file once, under a new name."""
    key = (str(path), inode)
    if key not in _PROPERTIES:
        _PROPERTIES[key] = _properties(path)
    return _PROPERTIES[key]


def known_about(path: str | Path, status: os.stat_result | None = None) -> EarlierReport | None:
    """`read_about`, once per file as it stands (its inode, size and time of change, from `status` when the
    caller has it)."""
    try:
        status = status or os.stat(path)
    except OSError:
        return None
    identity = (str(path), status.st_ino, status.st_size, status.st_mtime_ns)
    if identity not in _KNOWN:
        _KNOWN[identity] = read_about(Path(path)) if properties(path, status.st_ino)[0] else None
    return _KNOWN[identity]


NEVER_A_REPORT = "_INTERNT_"  # in the names of the worklists and error lists this tool writes beside its reports


def find_earlier(folder: Path, case_number: str, period: Period) -> EarlierReport | None:
    """The newest report of the same period if there is one, else the newest of an earlier period. Only the
    reports whose properties name this project (or, written by an earlier version, no project) are opened."""
    case = case_number.strip()
    found = _workbooks(folder, lambda name: NEVER_A_REPORT not in name)
    if found is None:
        return None
    reports = []
    for entry in sorted(found, key=lambda e: e.name):
        try:
            by_this_tool, named = properties(entry.path, entry.inode())
            if by_this_tool and named in (None, case):
                report = known_about(entry.path, entry.stat())
                if report is not None and report.case_number == case:
                    reports.append(report)
        except OSError:  # removed since the folder was listed
            continue
    same = [r for r in reports if r.period == period]
    earlier = [r for r in reports if r.period.end < period.start]
    candidates = same or earlier
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.period.end, r.created, r.version, r.path.stat().st_mtime))


def _workbooks(folder: Path, named) -> list[os.DirEntry] | None:
    """The folder's workbooks whose names `named` accepts (not hidden, not Excel's lock files), listed with their
    inodes in one pass; None where the folder cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return [entry for entry in entries if entry.name.endswith(".xlsx")
                    and not entry.name.startswith((".", "~$")) and named(entry.name) and entry.is_file()]
    except OSError:
        return None


CORE_PROPERTIES = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"


def _properties(path: str | Path) -> tuple[bool, str | None]:
    """Whether the workbook's properties name this tool as its author (every report it writes does), and the
    Diarienummer its keywords name (None if they name none, or one not stored as written): a look at one small
    part of the package, where opening it as a workbook takes ten times as long."""
    try:
        with zipfile.ZipFile(path) as package:
            core = package.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False, None
    if form.TOOL_AUTHOR.encode() not in core:
        return False, None
    try:
        keywords = ElementTree.fromstring(core).findtext(f"{CORE_PROPERTIES}keywords") or ""
    except ElementTree.ParseError:
        return True, None
    if not keywords.startswith(form.CASE_NUMBER_KEYWORD):
        return True, None
    named = keywords[len(form.CASE_NUMBER_KEYWORD):].strip()
    # a character XML cannot hold is stored escaped (`_x0001_`), and a line break may come back as another:
    # such a Diarienummer is not compared here, the report itself is read
    return True, named if named.isprintable() and "_x" not in named else None


def read_figures(path: Path) -> pd.DataFrame:
    import fastexcel

    figures = fastexcel.read_excel(path).load_sheet(form.FIGURES, dtypes={"Värde": "float", "Tabell": "string", "Rad": "string", "Kolumn": "string", "Kön": "string"}).to_pandas()
    return figures[form.FIGURE_COLUMNS].fillna({c: "" for c in KEY}).astype({c: str for c in KEY})


# --- the monthly list for SCB of an earlier internal workbook ---------------------------------

@dataclass
class EarlierList:
    """The `Månadsunderlag` of an earlier internal workbook of this project."""

    path: Path
    label: str  # its period's end, ÅÅMMDD, as the sentences name it
    last_month: str  # ÅÅÅÅ-MM: the months it covered end here
    rows: pd.DataFrame


def _subject(path: str | Path) -> str:
    """The subject of a workbook's properties (an internal workbook's period label), or ""."""
    try:
        with zipfile.ZipFile(path) as package:
            core = package.read("docProps/core.xml")
        return ElementTree.fromstring(core).findtext("{http://purl.org/dc/elements/1.1/}subject") or ""
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return ""


def find_earlier_list(folder: Path, case_number: str, internal_kinds: tuple[str, ...]) -> EarlierList | None:
    """The newest internal workbook (by the time it was written) of this project in `folder` that holds a monthly
    list; an internal workbook of an earlier version of the tool, without the list, is passed over."""
    from schemas.form import BIRTH, EVENT_DATE, MONTH_LIST

    case = case_number.strip()
    try:
        found = [(entry.stat().st_mtime_ns, entry.name, entry)  # the project's own files, as their properties say
                 for entry in _workbooks(folder, lambda name: any(f"_{kind}_" in name for kind in internal_kinds)) or ()
                 if properties(entry.path, entry.inode()) == (True, case)]
    except OSError:  # removed since the folder was listed
        return None
    for _, _, entry in sorted(found, key=lambda f: (f[0], f[1]), reverse=True):
        label = _subject(entry.path)
        if "-" not in label:
            continue
        try:
            import fastexcel

            reader = fastexcel.read_excel(entry.path)
            sheets = [s for s in reader.sheet_names if s == MONTH_LIST or s.startswith(f"{MONTH_LIST} ")]
            if not sheets:
                continue
            rows = pd.concat([reader.load_sheet(s, header_row=2, dtypes={EVENT_DATE: "datetime", BIRTH: "datetime"})
                              .to_pandas() for s in sheets], ignore_index=True)
            end = pd.to_datetime(label.split("-")[1], format="%y%m%d")
        except Exception:  # noqa: BLE001 - a file that cannot be read as a list is no earlier list
            continue
        return EarlierList(Path(entry.path), label.split("-")[1], f"{end:%Y-%m}", rows)
    return None
