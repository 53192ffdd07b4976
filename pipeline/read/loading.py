"""Loading a register's cells with fastexcel: `Deltagare` on the calling thread, the rest beside it.

A report's cost is dominated by fastexcel parsing the `Deltagare` sheet, during which
it releases the GIL. A run (`pipeline.run.report`) therefore starts on it first, and
pandas, Pandera and the rest of the program import on a helper thread meanwhile. The
parse runs on the calling thread (the main thread of a command), not on a thread of its
own: glibc gives each new thread a malloc arena of its own, whose heap grows a page at a
time with an `mprotect` call each, where the main thread's heap grows by `brk` with room
to spare. fastexcel makes millions of small allocations: a million rows cost 50,000
`mprotect` calls on a thread of its own and 2,400 on the main thread, a quarter of a
second of system time, and more on a busy host.

For an `.xlsx` a second thread scans the sheet XML for what fastexcel does not show
(`pipeline.read.xlsx_scan`), on the second core. A large register's other sheets are
then loaded in that thread, beside `Deltagare`, with a reader of their own: it parses the
workbook's shared strings (a million IDs) a second time, but on the core the parse of
`Deltagare` leaves free, where after it they would compete with the reader's work on
`Deltagare`. A small register's other sheets are loaded after `Deltagare` with the same
reader.

fastexcel reads the file by its path (given the bytes, it takes a tenth of a second at a
million rows to take them over); the bytes read once (`read_once`) are what is hashed
and checked, and a file whose size, time of change or inode differ after the load
(`Loading.unchanged`) is refused, so that what is counted is what the checksum names.

This module imports neither pandas nor the schemas' models: it must stay cheap to
import. `pipeline.read.reader` turns what it loads into frames.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.problems import RegisterUnreadable
from pipeline.read.xlsx_scan import (
    HiddenCell, PackageRefused, chart_sheets, check_package_size, first_value_rows, ods_error_cells, scan_sheets,
    too_far_out, xls_error_cells,
)
from schemas.register import DELTAGARE, normalise_label

READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SECONDS: dict[str, float] = {}  # what the threads beside the main one spent (printed with --timings)
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class LoadedSheet:
    """One sheet as fastexcel loaded it: every cell as text, from its first non-empty row and column."""

    name: str  # the sheet's name in the workbook
    sheet: object = None  # fastexcel's ExcelSheet, kept only while it may be needed (see `reader.read_sheet`)
    cells: object = None  # pyarrow RecordBatch of strings; None if converting it made fastexcel panic
    failed: bool = False  # fastexcel could not load the sheet at all
    height: int = 0  # rows in fastexcel's range, from its first non-empty row
    first_column: int = 0  # 0-based column where fastexcel's range starts
    visible: str = "visible"  # or "hidden", "veryhidden": as the workbook shows the sheet

    @property
    def panicked(self) -> bool:
        return self.sheet is not None and self.cells is None


@dataclass
class Loaded:
    """Everything read from the file itself; the rest of the program only works on this."""

    reader: object  # fastexcel's ExcelReader, kept for the slow path of a sheet that panicked
    sheet_names: list[str]
    content: bytes = b""  # the file's bytes, read once: what is parsed, hashed and copied for the error workbook
    sha256: str = ""
    signature: tuple[int, int, int] = (0, 0, 0)  # the file's size, time of change and inode as `content` was read
    sheets: dict[str, LoadedSheet] = field(default_factory=dict)  # by the workbook's sheet name
    first_rows: dict[str, int] = field(default_factory=dict)  # sheet name -> first row with a value (.xlsx)
    hidden: dict[str, list[HiddenCell]] = field(default_factory=dict)  # sheet name -> error/formula cells
    merged: dict[str, list[str]] = field(default_factory=dict)  # sheet name -> merged ranges ("A2:A4")
    totals: dict[str, list[int]] = field(default_factory=dict)  # sheet name -> an Excel Table's totals rows
    shown: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet name -> cell -> number as shown
    charts: set[str] = field(default_factory=set)  # chart sheets (.xlsx): no cells, never loaded


def read_once(path: Path) -> tuple[bytes, tuple[int, int, int]]:
    """The file's bytes and its signature (size, time of change, inode); a file that changes while it is read
    is refused, never counted half old, half new."""
    before = path.stat()
    try:
        content = path.read_bytes()
    except PermissionError:  # Windows: a program holds it without sharing it; elsewhere: no right to read it
        raise RegisterUnreadable(f"Filen {path.name} kan inte öppnas: ett annat program (till exempel Excel eller "
                                 "OneDrive) håller den låst, eller så saknar du behörighet att läsa den. Stäng "
                                 "filen i det programmet och kör igen.") from None
    after = path.stat()
    if _signature(before) != _signature(after) or len(content) != after.st_size:
        raise _changed(path)
    return content, _signature(after)


def _signature(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_size, status.st_mtime_ns, status.st_ino


def _changed(path: Path) -> RegisterUnreadable:
    return RegisterUnreadable(f"Filen {path.name} ändrades medan den lästes (sparas den just nu?). Vänta tills den "
                              "är sparad och kör igen.")


def open_workbook(path: Path, content: bytes):
    """fastexcel's reader of the file whose bytes are `content`, after the checks on them that keep a hostile
    file from being opened. fastexcel reads the file itself (given the bytes, it takes a tenth of a second
    at a million rows to take them over); `Loading` makes sure the file has not changed since `content`
    was read, so that what is parsed is what is hashed."""
    import fastexcel

    head = content[:8]
    if not head:
        raise RegisterUnreadable(f"Filen {path.name} är tom (0 byte).")
    if head == OLE_MAGIC and path.suffix.lower() in (".xlsx", ".xlsm"):
        raise RegisterUnreadable(f"Filen {path.name} är lösenordsskyddad (krypterad). Spara en kopia utan "
                                 "lösenord och kör igen.")
    refuse_other_formats(path, content)
    try:
        check_package_size(io.BytesIO(content))
    except PackageRefused as exc:
        raise RegisterUnreadable(f"Filen {path.name} är orimligt stor när den packas upp ({exc}) och läses "
                                 "inte: den är skadad eller gjord för att överbelasta datorn.") from None
    refuse_far_cells(path, content)
    try:
        return fastexcel.read_excel(content if _not_utf8(path) else str(path))
    except Exception as exc:  # fastexcel raises its own error types for every kind of bad file
        raise RegisterUnreadable(
            f"Filen {path.name} kan inte läsas som en arbetsbok (.xlsx, .xls eller .ods): "
            "den är inte en arbetsbok, är lösenordsskyddad eller är skadad. Öppna registret i Excel eller "
            "LibreOffice, ta bort ett eventuellt lösenord och spara det som Excel-arbetsbok (.xlsx); välj sedan "
            "den sparade filen."
        ) from exc


def _not_utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
        return False
    except UnicodeEncodeError:  # a name that is not UTF-8 on disk, which fastexcel cannot take as a path
        return True


SAVE_AS_XLSX = ("Öppna filen i Excel och välj Arkiv, Spara som och filformatet Excel-arbetsbok (*.xlsx), eller i "
                "LibreOffice Arkiv, Spara som och Excel 2007-365 (.xlsx), och kör igen med den nya filen.")


def refuse_other_formats(path: Path, content: bytes) -> None:
    """A file that is another kind than its name says, or a kind the tool does not read, told as what it is and
    how to save it as .xlsx: a binary workbook (.xlsb, whose error cells fastexcel reads as empty), an XML
    Spreadsheet 2003 or an HTML table saved with the ending .xls (what older case systems export)."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if content[:4] == b"PK\x03\x04" and b"xl/workbook.bin" in content[-65536:]:
        kind = "en binär Excel-arbetsbok (.xlsb), som verktyget inte läser: celler med fel (#SAKNAS!) skulle räknas som tomma"
    elif head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        kind = "ett XML-kalkylblad (Excel 2003 XML), ingen arbetsbok som verktyget läser"
    elif head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or (
            head.startswith(b"<") and b"<table" in head):
        kind = "en webbsida (en HTML-tabell) med ändelsen " + path.suffix + ", ingen riktig Excel-fil"
    else:
        return
    raise RegisterUnreadable(f"Filen {path.name} är {kind}. {SAVE_AS_XLSX}")


def refuse_far_cells(path: Path, content: bytes) -> None:
    """Refuse, naming the cell, a sheet whose values span more cells than fastexcel can hold as one block (a
    value typed far out): loading it would abort the process (`xlsx_scan.too_far_out`)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    try:
        far = too_far_out(io.BytesIO(content))
    except (OSError, ValueError, zipfile.BadZipFile) as exc:  # a sheet that fails its checksum, a broken package
        raise RegisterUnreadable(f"Filen {path.name} är skadad och kan inte läsas.") from exc
    if far:
        sheet = far[0]
        where = ("cell " if len(sheet.cells_out) == 1 else "cellerna ") + " och ".join(sheet.cells_out)
        size = f"{sheet.cells:,}".replace(",", " ")
        raise RegisterUnreadable(
            f"Bladet {sheet.sheet} har ett värde långt utanför tabellen, i {where}: bladet blir då {size} celler "
            f"stort och kan inte läsas. Gå till cellen (skriv {sheet.cells_out[-1]} i namnrutan till vänster om "
            "formelfältet och tryck Enter), ta bort innehållet med Delete och spara registret igen.")


def is_panic(exc: BaseException) -> bool:
    # fastexcel's Rust panics reach Python as pyo3's PanicException, a BaseException
    return type(exc).__name__ == "PanicException"


def load_sheet(reader, name: str) -> LoadedSheet:
    try:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
    except Exception:  # noqa: BLE001 - reported by the reader as a sheet that cannot be read
        return LoadedSheet(name, failed=True)
    columns = sheet.available_columns()
    first_column = columns[0].absolute_index if columns else 0
    visible = str(getattr(sheet, "visible", "visible"))
    try:
        return LoadedSheet(name, sheet, sheet.to_arrow(), height=sheet.total_height, first_column=first_column,
                           visible=visible)
    except BaseException as exc:  # noqa: BLE001 - only the Rust panic is expected here
        if not is_panic(exc):
            raise
        return LoadedSheet(name, sheet, height=sheet.total_height, first_column=first_column, visible=visible)


class Loading:
    """A load: `Deltagare` (and a small register's other sheets) loaded on the calling thread when it is
    made, what runs beside it perhaps still running; `result()` waits for that and raises what the load
    raised."""

    def __init__(self, path: Path, threaded: bool = True):
        self.path = path
        self._errors: list[BaseException] = []
        self._loaded: Loaded | None = None
        self._threaded = threaded  # the checksum and the scan in threads beside; else all of it here, in turn
        self._threads: list[threading.Thread] = []
        self._others_beside = False  # the other sheets are loaded by the scan's thread (see _load_participants)
        self._guard(self._load_main)

    def _beside(self, work) -> None:
        """`work` in a thread of its own (a threaded load), or now."""
        if not self._threaded:
            self._guard(work)
            return
        thread = threading.Thread(target=self._guard, args=(work,), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _guard(self, work) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            self._errors.append(exc)

    def _load_main(self) -> None:
        loaded, participants, is_xlsx = self._load_participants()
        if not self._others_beside:
            # the small sheets with the same reader, which has parsed the shared strings once already
            self._load_others(loaded, loaded.reader, participants)
        if not is_xlsx:
            # error cells, which fastexcel reads as empty in these formats too
            suffix = self.path.suffix.lower()
            if suffix == ".ods":
                loaded.hidden = ods_error_cells(io.BytesIO(loaded.content), loaded.shown)
            elif suffix == ".xls":
                loaded.hidden = xls_error_cells(loaded.content, loaded.shown)

    @staticmethod
    def _load_others(loaded: Loaded, reader, participants: str | None) -> None:
        for name in loaded.sheet_names:
            if name != participants and name not in loaded.charts:
                loaded.sheets[name] = sheet = load_sheet(reader, name)
                if sheet.cells is not None:
                    sheet.sheet = None

    def _load_participants(self) -> tuple[Loaded, str | None, bool]:
        """Open the file, start the checksum and the scan beside, and load `Deltagare`."""
        content, signature = read_once(self.path)
        reader = open_workbook(self.path, content)
        loaded = Loaded(reader, list(reader.sheet_names), content, signature=signature)
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            loaded.charts = chart_sheets(io.BytesIO(content))
        # the checksum of the very bytes parsed, in a thread of its own (hashlib releases the GIL)
        self._beside(lambda: setattr(loaded, "sha256", _sha256(content)))
        self._loaded = loaded
        participants = _find(loaded.sheet_names, DELTAGARE.name)
        is_xlsx = self.path.suffix.lower() in (".xlsx", ".xlsm") and zipfile.is_zipfile(io.BytesIO(content))
        # A large register's other sheets are loaded beside Deltagare, after the scan, with a reader of their own:
        # after Deltagare they would compete for the cores with the reader's work on it.
        self._others_beside = is_xlsx and self._threaded and len(content) > SMALL_FILE_BYTES
        if is_xlsx:
            self._beside(lambda: self._load_side(loaded, participants))  # the scan of the sheet XML, on the second core
        if participants is not None:
            loaded.sheets[participants] = load_sheet(reader, participants)
        return loaded, participants, is_xlsx

    def _load_side(self, loaded: Loaded, participants: str | None) -> None:
        started = time.perf_counter()
        if self._threaded:
            _yield_to_others()
        try:
            loaded.first_rows = first_value_rows(io.BytesIO(loaded.content))
            scan = scan_sheets(io.BytesIO(loaded.content))
            loaded.hidden, loaded.merged, loaded.totals, loaded.shown = scan.hidden, scan.merged, scan.totals, scan.shown
            if self._threaded:  # (else it is part of the load's own time)
                SECONDS["XML-sökning"] = time.perf_counter() - started
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise RegisterUnreadable(f"Filen {self.path.name} är skadad och kan inte läsas.") from exc
        if self._others_beside:
            started = time.perf_counter()
            self._load_others(loaded, open_workbook(self.path, loaded.content), participants)
            SECONDS["fastexcel övriga blad"] = time.perf_counter() - started

    def result(self) -> Loaded:
        for thread in self._threads:
            thread.join()
        if self._loaded is not None:
            self.unchanged(self._loaded)  # first: a file saved while it was read may also fail to load
        if self._errors:
            raise self._errors[0]
        assert self._loaded is not None
        return self._loaded

    def unchanged(self, loaded: Loaded) -> None:
        """Refuse a file that has changed since its bytes were read: fastexcel reads it again itself."""
        try:
            if _signature(self.path.stat()) == loaded.signature:
                return
        except OSError:
            pass
        raise _changed(self.path)


def _yield_to_others() -> None:
    """Make this thread give way to the others (Linux: a thread's own nice value). The scan has time to
    spare beside the load of `Deltagare`, but competing for the cores with it and with the imports of the
    helper thread it would lengthen the load, which is what the report waits for."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux, or not allowed: the scan runs as the others do
        pass


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _find(names: list[str], wanted: str) -> str | None:
    return next((n for n in names if normalise_label(n) == normalise_label(wanted)), None)


_STARTED: dict[Path, Loading] = {}


SMALL_FILE_BYTES = 1_000_000  # about 20,000 enrolments


def worth_threads(path: Path) -> bool:
    """Whether loading `path` with threads beside it pays: only for a file large enough that its scan and
    checksum take time of their own. A small register's are done on the loading thread, in turn: handing
    them to threads cost a tenth of a report in a process that has reported before (a batch worker, the web
    page), and a fresh process's imports on the helper thread take longer than the whole load anyway."""
    try:
        return path.stat().st_size > SMALL_FILE_BYTES
    except OSError:
        return False  # said by the load itself


def start(path: Path) -> None:
    """Load `path`'s sheets now, on this thread (a run does this first, its imports on a helper thread
    meanwhile), with a large register's checksum and scan beside; the reader takes the load over
    (`underway`). A load that fails says so when the reader asks for its result, as one made there would."""
    if path.is_file() and path.suffix.lower() in READABLE_SUFFIXES:
        _STARTED[path.resolve()] = Loading(path, threaded=worth_threads(path))


def discard(path: Path) -> None:
    """Forget a load that was started but not used (the run stopped before reading)."""
    _STARTED.pop(path.resolve(), None)


def underway(path: Path) -> Loading:
    """The load `start` made for `path`, or one made now (with threads beside it, if that pays)."""
    return _STARTED.pop(path.resolve(), None) or Loading(path, threaded=worth_threads(path))


def load(path: Path) -> Loaded:
    """What `start` loaded for `path`, or a load made now, once everything beside it is done."""
    return underway(path).result()
