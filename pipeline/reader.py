"""Reading a register workbook into string frames, one per sheet, with cell positions.

Every cell is read as the text Excel holds for it (fastexcel, `dtypes="string"`), so
that parsing and coercion happen once, in `pipeline.parse`, where a bad cell becomes
a message instead of a silent guess. A sheet's table starts at its first non-empty
row and may start in any column; each frame is indexed by Excel row number and
each known column is mapped to its Excel column letter.
"""

from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.problems import ERROR, NOTICE, Problem, RegisterInvalid, RegisterUnreadable, column_letter
from pipeline.xlsx_scan import HiddenCell, PackageRefused, check_package_size, first_value_rows, hidden_cells
from schemas.register import SHEETS, Sheet, normalise_label

READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass
class RawSheet:
    """One sheet as read: string cells of the declared columns, indexed by Excel row."""

    sheet: Sheet
    frame: pd.DataFrame  # columns: declared column keys; index: Excel row numbers
    letters: dict[str, str]  # column key -> Excel column letter
    header_row: int
    blank_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreadable_rows: int = 0  # rows reported as unreadable and left out of `frame`

    @property
    def rows_read(self) -> int:
        return len(self.frame) + self.unreadable_rows

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters[key]}{row}"


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def open_workbook(path: Path):
    import fastexcel

    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise RegisterUnreadable(f"Filen {path.name} är tom (0 byte).")
    if head == OLE_MAGIC and path.suffix.lower() in (".xlsx", ".xlsm"):
        raise RegisterUnreadable(f"Filen {path.name} är lösenordsskyddad (krypterad). Spara en kopia utan "
                                 "lösenord och kör igen.")
    try:
        check_package_size(path)
    except PackageRefused as exc:
        raise RegisterUnreadable(f"Filen {path.name} är orimligt stor när den packas upp ({exc}) och läses "
                                 "inte: den är skadad eller gjord för att överbelasta datorn.") from None
    try:
        return fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own error types for every kind of bad file
        raise RegisterUnreadable(
            f"Filen {path.name} kan inte läsas som en arbetsbok (.xlsx, .xls eller .ods): "
            "den är inte en arbetsbok, är lösenordsskyddad eller är skadad."
        ) from exc


def read_register(path: Path) -> dict[str, RawSheet]:
    """Read the four sheets; missing sheets and columns raise RegisterInvalid with all problems."""
    reader = open_workbook(path)
    try:
        first_rows = first_value_rows(path)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise RegisterUnreadable(f"Filen {path.name} är skadad och kan inte läsas.") from exc
    # The scan for error cells decompresses the sheets once more; fastexcel releases the GIL while
    # it parses, so the scan runs beside the read on the second core.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(hidden_cells, path)
        sheets, problems = _read_sheets(reader, first_rows)
        try:
            hidden = scan.result()
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise RegisterUnreadable(f"Filen {path.name} är skadad och kan inte läsas.") from exc
    names = {normalise_label(name): name for name in reader.sheet_names}
    for sheet in SHEETS:
        actual = names.get(normalise_label(sheet.name))
        if actual is not None and sheet.name in sheets:
            extra = hidden_cell_problems(sheets[sheet.name], hidden.get(actual, []))
            sheets[sheet.name].problems += extra
            problems += extra
    # A missing sheet or column stops here; problems of single cells are reported with validation's.
    if any(p.severity == ERROR and p.row <= _header_row(sheets, p.sheet) for p in problems):
        raise RegisterInvalid(problems, sheets=sheets)
    return sheets


def _read_sheets(reader, first_rows: dict[str, int]) -> tuple[dict[str, RawSheet], list[Problem]]:
    names = {normalise_label(name): name for name in reader.sheet_names}
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for sheet in SHEETS:
        actual = names.get(normalise_label(sheet.name))
        if actual is None:
            problems.append(Problem(ERROR, sheet.name, "", "",
                                    f"Bladet {sheet.name} saknas i registret. Lägg till det "
                                    f"(kolumner: {', '.join(c.header for c in sheet.columns)})."))
            continue
        raw = read_sheet(reader, actual, sheet, first_rows.get(actual))
        problems += raw.problems
        sheets[sheet.name] = raw
    return sheets, problems


def _header_row(sheets: dict[str, RawSheet], name: str) -> int:
    raw = sheets.get(name)
    return raw.header_row if raw else 1 << 30


def _load(reader, name: str, header_row: int | None, **options):
    try:
        return reader.load_sheet(name, header_row=header_row, dtypes="string", **options)
    except Exception as exc:
        raise RegisterUnreadable(f"Bladet {name} kan inte läsas: filen verkar vara skadad.") from exc


def _is_panic(exc: BaseException) -> bool:
    # fastexcel's Rust panics reach Python as pyo3's PanicException, a BaseException
    return type(exc).__name__ == "PanicException"


def _converts(reader, name: str, **options) -> bool:
    try:
        _load(reader, name, None, **options).to_arrow()
        return True
    except BaseException as exc:  # noqa: BLE001 - only the Rust panic is expected here
        if _is_panic(exc):
            return False
        raise


def load_cells(reader, name: str):
    """The sheet as strings, and the cells fastexcel cannot convert: (0-based row, column letter).

    A date cell far outside Excel's date range makes fastexcel panic; such a cell is
    found by bisection, skipped in the read, and reported by its row.
    """
    loaded = _load(reader, name, None)
    try:
        return loaded, loaded.to_pandas(), []
    except BaseException as exc:  # noqa: BLE001
        if not _is_panic(exc):
            raise
    bad: list[int] = []
    while len(bad) < 100:
        known = set(bad)

        def clean(lo: int, hi: int) -> bool:
            """Whether rows lo..hi-1, the bad cells found so far left out, convert."""
            return _converts(reader, name, skip_rows=lambda r: r < lo or r >= hi or r in known)
        if clean(0, loaded.total_height):
            break
        lo, hi = 0, loaded.total_height
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if clean(lo, mid):
                lo = mid
            else:
                hi = mid
        bad.append(lo)
    else:
        raise RegisterUnreadable(f"Bladet {name} har för många celler som inte kan läsas.")
    kept = _load(reader, name, None, skip_rows=lambda r: r in bad).to_pandas()
    positions = [r for r in range(loaded.total_height) if r not in set(bad)]
    kept.index = positions
    first_col = loaded.available_columns()[0].absolute_index
    cells = [(row, column_letter(first_col + c)) for row in bad for c in range(loaded.width)
             if not _converts(reader, name, use_columns=[c], skip_rows=lambda r, row=row: r != row)]
    return loaded, kept.reindex(range(loaded.total_height)), cells


def read_sheet(reader, name: str, sheet: Sheet, first_row: int | None = None) -> RawSheet:
    """One sheet; `first_row` (1-based), when the caller knows it, saves finding the header row."""
    loaded, frame, unreadable = load_cells(reader, name)
    if frame.empty:
        return _empty(sheet, 1, [Problem(ERROR, sheet.name, "", "",
                                         "Bladet är tomt: rubrikraden saknas.")])
    # fastexcel starts the range at the first non-empty row but does not say which row that
    # is; loading again with an absolute header row 1 gives the difference.
    header_row = first_row or first_row_index(reader, name, loaded.total_height) + 1
    first_col = loaded.available_columns()[0].absolute_index
    headers = frame.iloc[0].tolist()
    body = frame.iloc[1:]
    body.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(body))

    lookup = sheet.header_lookup()
    problems: list[Problem] = []
    chosen: dict[str, int] = {}
    for position, header in enumerate(headers):
        letter = column_letter(first_col + position)
        if header is None or pd.isna(header) or str(header).strip() == "":
            if body.iloc[:, position].notna().any():
                problems.append(Problem(NOTICE, sheet.name, f"{letter}{header_row}", "",
                                        "Kolumnen har ingen rubrik och läses inte."))
            continue
        column = lookup.get(normalise_label(header))
        if column is None:
            problems.append(Problem(NOTICE, sheet.name, f"{letter}{header_row}", str(header),
                                    "Okänd kolumn; den läses inte."))
        elif column.key in chosen:
            earlier = column_letter(first_col + chosen[column.key])
            problems.append(Problem(ERROR, sheet.name, f"{letter}{header_row}", str(header),
                                    f"Kolumnen {column.header} finns två gånger (även i "
                                    f"{earlier}{header_row}). Ta bort eller byt namn på den ena."))
        else:
            chosen[column.key] = position
    for column in sheet.columns:
        if column.key not in chosen and column.required:
            problems.append(Problem(ERROR, sheet.name, f"{header_row}:{header_row}", "",
                                    f"Kolumnen {column.header} saknas i rubrikraden (rad {header_row})."))
    columns = {}
    for column in sheet.columns:
        if column.key in chosen:
            columns[column.key] = body.iloc[:, chosen[column.key]].astype("string").str.strip()
        else:
            columns[column.key] = pd.Series(pd.NA, index=body.index, dtype="string")
    data = pd.DataFrame(columns, index=body.index).replace("", pd.NA)
    # A row with none of the declared columns filled is blank, even if it has extra columns.
    filled = data.notna().any(axis=1)
    unreadable_rows = sorted({header_row + i for i, _ in unreadable})
    data = data[filled & ~data.index.isin(unreadable_rows)]
    letters = {c.key: column_letter(first_col + chosen[c.key]) for c in sheet.columns if c.key in chosen}
    for index, letter in unreadable:
        problems.append(Problem(ERROR, sheet.name, f"{letter}{header_row + index}", "",
                                "Datumcellen har ett värde långt utanför Excels datumområde (den visar ##### i "
                                "Excel) och kan inte läsas. Rätta datumet; raden räknas inte förrän dess."))
    blank = int((~filled).sum()) - len(unreadable_rows)
    return RawSheet(sheet, data, letters, header_row, blank, problems, len(unreadable_rows))


def hidden_cell_problems(raw: RawSheet, cells: list[HiddenCell]) -> list[Problem]:
    """Error cells and uncalculated formulas in the declared columns, which read as empty."""
    columns = {letter: key for key, letter in raw.letters.items()}
    problems = []
    for cell in cells:
        letter = cell.cell.rstrip("0123456789")
        if letter not in columns or int(cell.cell[len(letter):]) <= raw.header_row:
            continue
        if cell.kind == "error":
            message = f"Cellen innehåller Excel-felet {cell.value}. Rätta formeln eller skriv in värdet."
        else:
            message = ("Cellen innehåller en formel utan sparat värde. Öppna filen i Excel och spara den igen, "
                       "eller skriv in värdet direkt.")
        problems.append(Problem(ERROR, raw.sheet.name, cell.cell, cell.value, message))
    return problems


def first_row_index(reader, name: str, total_height: int) -> int:
    from_row_two = _load(reader, name, 1).total_height
    # header_row=None gives rows [s, end]; header_row=1 gives rows (max(1, s), end].
    return max(0, from_row_two - total_height + 2) if total_height else 0


def _empty(sheet: Sheet, header_row: int, problems: list[Problem]) -> RawSheet:
    frame = pd.DataFrame({c.key: pd.Series(dtype="string") for c in sheet.columns})
    return RawSheet(sheet, frame, {}, header_row, 0, problems)
