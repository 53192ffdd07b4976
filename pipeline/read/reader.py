"""Reading a register workbook into frames of text, one per sheet, with cell positions.

Every cell is read as the text Excel holds for it (fastexcel, `dtypes="string"`, loaded
by `pipeline.read.loading`), so that parsing and coercion happen once, in `pipeline.check.parse`,
where a bad cell becomes a message instead of a silent guess. Each column is a
Categorical of its stripped text: a register's columns repeat few values, so stripping
here and every later parse work on the distinct values only. A sheet's table starts at
its first non-empty row and may start in any column; each frame is indexed by Excel
row number and each known column is mapped to its Excel column letter.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.read import loading
from pipeline.read.loading import LoadedSheet, is_panic
from pipeline.problems import ERROR, NOTICE, Problem, RegisterUnreadable, column_letter
from pipeline.read.xlsx_scan import HiddenCell
from schemas.register import FEW, READ_SHEETS, Column, Sheet, header_key, normalise_label


@dataclass
class Headers:
    """What the header row holds, as read; `pipeline.check.validate` judges it."""

    row: int = 1  # the header row: the first (of the first HEADER_SEARCH_ROWS) holding the required headers
    rows_above: int = 0  # rows with something in them above it (a title), which are not read
    unnamed: list[str] = field(default_factory=list)  # cells over columns that have values but no header
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (cell, text) of headers not declared
    repeated: list[tuple[str, str, str]] = field(default_factory=list)  # (cell, text, cell of the first)
    missing: list[Column] = field(default_factory=list)  # declared columns not found


@dataclass
class RawSheet:
    """One sheet as read: the declared columns as Categoricals of text, indexed by Excel row.

    `problems` are the cells that could not be read at all (error cells, formulas without a
    stored value, dates fastexcel cannot convert); every rule is validation's.
    """

    sheet: Sheet
    frame: pd.DataFrame  # columns: declared column keys; index: Excel row numbers
    letters: dict[str, str]  # column key -> Excel column letter
    header_row: int
    blank_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreadable_rows: int = 0  # rows reported as unreadable and left out of `frame`
    headers: Headers = field(default_factory=Headers)
    empty: bool = False  # the sheet has no cell at all, not even a header row
    merged: list[tuple[str, str]] = field(default_factory=list)  # (range, value) read into every cell it covers
    totals: list[int] = field(default_factory=list)  # rows an Excel Table marks as its totals row: not data

    @property
    def rows_read(self) -> int:
        return len(self.frame) + self.unreadable_rows

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters[key]}{row}"


@dataclass
class ReadRegister:
    """The register's sheets as read, by declared name, the declared sheets it lacks, and those it has
    more than once (names that differ only by case or spaces: `Deltagare` and `Deltagare `)."""

    sheets: dict[str, RawSheet]
    missing: list[Sheet]
    twice: dict[str, list[str]] = field(default_factory=dict)  # declared name -> the workbook's names
    content: bytes = b""  # the file's bytes as read, once: what was parsed
    sha256: str = ""  # of exactly those bytes


def read_register(path: Path) -> ReadRegister:
    """Read the four sheets as text; judging what was found is validation's."""
    load = loading.underway(path)
    loaded = load.result()
    by_label: dict[str, list[str]] = {}
    for name in loaded.sheet_names:
        by_label.setdefault(normalise_label(name), []).append(name)
    sheets: dict[str, RawSheet] = {}
    missing: list[Sheet] = []
    twice: dict[str, list[str]] = {}
    for sheet in READ_SHEETS:
        found = by_label.get(normalise_label(sheet.name), [])
        if len(found) > 1:
            twice[sheet.name] = found
        elif not found:
            if not sheet.optional:  # (a sheet a register may leave out is not missing)
                missing.append(sheet)
        else:
            sheets[sheet.name] = _read_sheet(loaded, found[0], sheet)
    load.unchanged(loaded)  # (a sheet that made fastexcel panic was read again, from the file)
    participants = READ_SHEETS[0]
    if participants.name in sheets:
        read_as = by_label[normalise_label(participants.name)][0]
        sheets[participants.name].problems += participants_elsewhere(loaded, read_as, participants)
    return ReadRegister(sheets, missing, twice, loaded.content, loaded.sha256)


def participants_elsewhere(loaded: loading.Loaded, read_as: str, participants: Sheet) -> list[Problem]:
    """The participants' sheet is one sheet: another whose header row carries its required columns (a sheet per
    year, `Deltagare (2)` as Excel names a copy) is an error naming both, as which one holds the register is not
    certain; and the sheet read, when it is hidden, is said to be."""
    problems = []
    for name, other in loaded.sheets.items():
        if name == read_as or other.cells is None or normalise_label(name) == normalise_label(participants.name):
            continue
        if row_of_headers(other.cells, participants) is not None:
            problems.append(Problem(ERROR, name, "", "", (
                f"Bladet {name} har samma kolumner som {read_as}, men bara bladet {read_as} läses. Alla inskrivningar "
                f"ska stå i ett och samma blad: flytta raderna från {name} till {read_as} och ta bort bladet {name} "
                f"(eller byt namn på bladen, så att det som ska läsas heter {participants.name}).")))
    shown = loaded.sheets.get(read_as)
    if shown is not None and shown.visible != "visible":
        problems.append(Problem(NOTICE, read_as, "", "", (
            f"Bladet {read_as} är dolt i arbetsboken, och det är det bladet som läses. Kontrollera att det är rätt "
            "blad: högerklicka på en bladflik och välj Ta fram.")))
    return problems


def _read_sheet(loaded: loading.Loaded, actual: str, sheet: Sheet) -> RawSheet:
    """The workbook's sheet `actual`, read as the declared `sheet`, with the cells that hide a value named."""
    raw = read_sheet(loaded.reader, loaded.sheets[actual], sheet, loaded.first_rows.get(actual),
                     loaded.merged.get(actual, []), loaded.totals.get(actual, []), loaded.shown.get(actual, {}))
    raw.problems += hidden_cell_problems(raw, loaded.hidden.get(actual, []))
    return raw


def _load(reader, name: str, header_row: int | None, **options):
    try:
        return reader.load_sheet(name, header_row=header_row, dtypes="string", **options)
    except Exception as exc:
        raise RegisterUnreadable(f"Bladet {name} kan inte läsas: filen verkar vara skadad.") from exc


def _converts(reader, name: str, **options) -> bool:
    try:
        _load(reader, name, None, **options).to_arrow()
        return True
    except BaseException as exc:  # noqa: BLE001 - only the Rust panic is expected here
        if is_panic(exc):
            return False
        raise


def cells_around_panics(reader, name: str, loaded) -> tuple[pa.RecordBatch, list[tuple[int, str]]]:
    """The sheet's cells without the ones fastexcel cannot convert, and those: (0-based row, column letter).

    A date cell far outside Excel's date range makes fastexcel panic; such a cell is
    found by bisection, its row skipped in the read, and reported by its cell.
    """
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
    kept.index = [r for r in range(loaded.total_height) if r not in set(bad)]
    frame = kept.reindex(range(loaded.total_height)).astype("string")
    first_col = loaded.available_columns()[0].absolute_index
    cells = [(row, column_letter(first_col + c)) for row in bad for c in range(loaded.width)
             if not _converts(reader, name, use_columns=[c], skip_rows=lambda r, row=row: r != row)]
    return pa.RecordBatch.from_pandas(frame, preserve_index=False), cells


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str", made straight from pyarrow's strings


def text_column(values: pa.Array) -> pd.Categorical:
    """One column's cells as a Categorical of their text, stripped, in Unicode NFC and without invisible format
    characters (Unicode category Cf); empty and blank cells are missing."""
    if not pa.types.is_string(values.type):  # a column with no value at all has the null type
        values = values.cast(pa.string())
    encoded = values.dictionary_encode()
    indices = encoded.indices
    # pandas narrows them as it needs
    indices = (indices.fill_null(-1) if indices.null_count else indices).to_numpy(zero_copy_only=False)
    # one text, one form: "Kön" typed, or pasted decomposed ("Ko" + a combining diaeresis), is the same text
    dictionary = pc.utf8_trim_whitespace(encoded.dictionary)
    # a few distinct texts (a small sheet, a code column) are looked at in Python: a pyarrow call costs more
    texts = dictionary.to_pylist() if len(dictionary) <= FEW else None
    if not (all(text.isascii() for text in texts) if texts is not None
            else pc.all(pc.string_is_ascii(dictionary)).as_py()):  # ASCII text is already in every normal form
        # and has no invisible format character: a zero-width space or a byte-order mark pasted with an ID would
        # make one person two (a few texts that are all printable have none: Cf is no printable category)
        normal = pc.utf8_normalize(dictionary, "NFC")
        if texts is None or not all(text.isprintable() for text in texts):
            normal = pc.utf8_trim_whitespace(pc.replace_substring_regex(normal, r"\p{Cf}+", ""))
        dictionary, texts = normal, None
    if len(dictionary) and (not dictionary.equals(encoded.dictionary)
                            or ("" in texts if texts is not None else pc.index(dictionary, "").as_py() >= 0)):
        # stripping or normalising made some values equal (" K" and "K") or empty: merge them
        again = dictionary.dictionary_encode()
        keep = pc.invert(pc.equal(again.dictionary, "")).to_numpy(zero_copy_only=False)
        position = np.where(keep, np.cumsum(keep) - 1, -1)[again.indices.to_numpy()]
        indices = np.where(indices >= 0, position[np.clip(indices, 0, None)], -1)
        dictionary = again.dictionary.filter(pa.array(keep))
    categories = pd.Index(pd.array(dictionary, dtype=TEXT))
    # the categories come out of dictionary encoding, so they are distinct; pandas' own check of that
    # would hash a million IDs once more
    dtype = pd.CategoricalDtype._from_fastpath(categories, ordered=False)
    return pd.Categorical.from_codes(indices, dtype=dtype, validate=False)


NO_TEXT = pd.CategoricalDtype(pd.Index([], dtype="str"), ordered=False)  # a column's type when it has no value


def read_sheet(reader, loaded_sheet: LoadedSheet, sheet: Sheet, first_row: int | None = None,
               merged: list[str] = (), totals: list[int] = (), shown: dict[str, str] | None = None) -> RawSheet:
    """One sheet; `first_row` (1-based), when the caller knows it, saves finding the header row. A merged
    range (`merged`, as "A2:A4") below the header reads as its value in every cell it covers."""
    name = loaded_sheet.name
    if loaded_sheet.failed:
        raise RegisterUnreadable(f"Bladet {name} kan inte läsas: filen verkar vara skadad.")
    cells, unreadable = loaded_sheet.cells, []
    if loaded_sheet.panicked:
        cells, unreadable = cells_around_panics(reader, name, loaded_sheet.sheet)
    if cells.num_rows == 0:
        return _empty(sheet)
    # fastexcel starts the range at the first non-empty row but does not say which row that
    # is; loading again with an absolute header row 1 gives the difference.
    first_row = first_row or first_row_index(reader, name, loaded_sheet.height) + 1
    above = header_offset(cells, sheet)
    header_row = first_row + above
    first_col = loaded_sheet.first_column
    headers = [cells.column(i)[above].as_py() for i in range(cells.num_columns)]
    body = cells.slice(above + 1)
    index = pd.RangeIndex(header_row + 1, header_row + 1 + body.num_rows)

    lookup = sheet.header_lookup()
    problems: list[Problem] = []
    found = Headers(header_row, above)
    chosen: dict[str, int] = {}
    for position, header in enumerate(headers):
        cell = f"{column_letter(first_col + position)}{header_row}"
        if header is None or str(header).strip() == "":
            if body.column(position).null_count < body.num_rows:
                found.unnamed.append(cell)
            continue
        column = lookup.get(header_key(header))
        if column is None:
            found.unknown.append((cell, str(header)))
        elif column.key in chosen:
            found.repeated.append((cell, str(header), f"{column_letter(first_col + chosen[column.key])}{header_row}"))
        else:
            chosen[column.key] = position
    found.missing = [column for column in sheet.columns if column.key not in chosen and column.required]
    body = as_shown(body, shown or {}, header_row, first_col)
    body, spread_merges = fill_merged(body, merged, header_row, first_col)
    cells = [body.column(chosen[c.key]) for c in sheet.columns if c.key in chosen]
    if body.num_rows > PARALLEL_ROWS:
        # pyarrow releases the GIL while it hashes, so the columns of a large sheet are encoded on both cores
        with ThreadPoolExecutor(max_workers=2) as pool:
            encoded = iter(pool.map(text_column, cells))
            if loaded_sheet.cells is not None:
                # fastexcel's own copy of the cells is freed while pyarrow encodes the columns: freeing it
                # holds the GIL (75 ms at a million rows), which the encoding does not need
                loaded_sheet.sheet = None
    else:  # a small one costs less than starting the threads
        encoded = iter([text_column(column) for column in cells])
    columns = {c.key: next(encoded) for c in sheet.columns if c.key in chosen}
    # A row with none of the declared columns filled is blank, even if it has extra columns.
    filled = np.zeros(body.num_rows, dtype=bool)
    for column in columns.values():
        filled |= column.codes >= 0
    # a declared column the sheet lacks (those of the other profile, say) is empty: one Categorical for all
    empty = pd.Categorical.from_codes(np.full(body.num_rows, -1, dtype=np.int8), dtype=NO_TEXT, validate=False)
    data = pd.DataFrame({c.key: columns.get(c.key, empty) for c in sheet.columns}, index=index, copy=False)
    unreadable_rows = sorted({header_row + i for i, _ in unreadable})
    totals = [row for row in totals if row > header_row and row in index]
    if totals:
        filled &= ~index.isin(totals)  # a Table's totals row is no enrolment
    keep = filled & ~index.isin(unreadable_rows) if unreadable_rows else filled
    if not keep.all():
        data = data[keep]
    letters = {c.key: column_letter(first_col + chosen[c.key]) for c in sheet.columns if c.key in chosen}
    for row, letter in unreadable:
        problems.append(Problem(ERROR, sheet.name, f"{letter}{header_row + row}", "",
                                "Datumcellen har ett värde långt utanför Excels datumområde (den visar ##### i "
                                "Excel) och kan inte läsas. Rätta datumet; raden räknas inte förrän dess."))
    blank = int((~filled).sum()) - len(unreadable_rows) - len(totals)
    return RawSheet(sheet, data, letters, header_row, blank, problems, len(unreadable_rows), found,
                    merged=spread_merges, totals=totals)


HEADER_SEARCH_ROWS = 30
# a sheet of more rows has its columns encoded on two threads (and its look-alike IDs and worklist are made
# beside the rest): below it, handing the work to a thread costs more than it saves
PARALLEL_ROWS = 20_000


def _cell_position(reference: str) -> tuple[int, int]:
    """`B7` -> (0-based column 1, row 7)."""
    letters = reference.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return column - 1, int(reference[len(letters):])


def _with_cells(body: pa.RecordBatch, changes: dict[int, list[tuple[slice | int, str]]]) -> pa.RecordBatch:
    """The body with some cells given new text: column position -> (rows, text) (rows a slice or a row)."""
    if not changes:
        return body
    columns = [body.column(i) for i in range(body.num_columns)]
    for i, cells in changes.items():
        values = columns[i].to_numpy(zero_copy_only=False).astype(object)
        for rows, text in cells:
            values[rows] = text
        columns[i] = pa.array(values, pa.string())
    return pa.RecordBatch.from_arrays(columns, names=body.schema.names)


def as_shown(body: pa.RecordBatch, shown: dict[str, str], header_row: int, first_col: int) -> pa.RecordBatch:
    """Number cells whose format pads them with zeros read as a spreadsheet shows them: the ID 44 in a
    cell formatted `000` is the ID 044, as the coach sees it."""
    changes: dict[int, list[tuple[slice | int, str]]] = {}
    for reference, text in shown.items():
        column, row = _cell_position(reference)
        if 0 <= column - first_col < body.num_columns and 0 <= row - header_row - 1 < body.num_rows:
            changes.setdefault(column - first_col, []).append((row - header_row - 1, text))
    return _with_cells(body, changes)


def fill_merged(body: pa.RecordBatch, merged: list[str], header_row: int,
                first_col: int) -> tuple[pa.RecordBatch, list[tuple[str, str]]]:
    """The body with each merged range below the header holding its top-left value in every cell it covers
    (a spreadsheet stores it only there), and the ranges so read with their value."""
    spread: list[tuple[str, str]] = []
    changes: dict[int, list[tuple[slice | int, str]]] = {}
    for reference in merged:
        (left, top), (right, bottom) = (_cell_position(corner) for corner in reference.split(":"))
        if top <= header_row or top - header_row - 1 >= body.num_rows:
            continue  # a title above the table, or beyond it
        first, last = top - header_row - 1, min(bottom - header_row - 1, body.num_rows - 1)
        source = left - first_col
        value = body.column(source)[first].as_py() if 0 <= source < body.num_columns else None
        if value is None:
            continue
        for i in range(max(left - first_col, 0), min(right - first_col, body.num_columns - 1) + 1):
            changes.setdefault(i, []).append((slice(first, last + 1), value))
        spread.append((reference, str(value)))
    return _with_cells(body, changes), spread


def header_offset(cells: pa.RecordBatch, sheet: Sheet) -> int:
    """Which of the first HEADER_SEARCH_ROWS rows of the range holds all the sheet's required headers
    (0 if none does: the first row is then taken, and what it lacks is named)."""
    found = row_of_headers(cells, sheet)
    return 0 if found is None else found


def row_of_headers(cells: pa.RecordBatch, sheet: Sheet) -> int | None:
    """The first of the first HEADER_SEARCH_ROWS rows of the range that holds all the sheet's required headers,
    or None."""
    lookup = sheet.header_lookup()
    required = {c.key for c in sheet.columns if c.required}
    top = cells.slice(0, HEADER_SEARCH_ROWS)
    columns = [top.column(i).to_pylist() for i in range(top.num_columns)]
    for row in range(top.num_rows):
        keys = {lookup[label].key for label in (header_key(c[row]) for c in columns if c[row] is not None)
                if label in lookup}
        if required <= keys:
            return row
    return None


def hidden_cell_problems(raw: RawSheet, cells: list[HiddenCell]) -> list[Problem]:
    """Error cells and uncalculated formulas in the declared columns, which read as empty."""
    columns = {letter: key for key, letter in raw.letters.items()}
    problems = []
    for cell in cells:
        letter = cell.cell.rstrip("0123456789")
        row = int(cell.cell[len(letter):])
        if letter not in columns or row <= raw.header_row or row in raw.totals:
            continue
        if cell.kind == "error":
            message = f"Cellen innehåller Excel-felet {cell.value}. Rätta formeln eller skriv in värdet."
        else:
            message = ("Cellen innehåller en formel utan sparat värde. Öppna filen i Excel och spara den igen, "
                       "eller skriv in värdet direkt.")
        problems.append(Problem(ERROR, raw.sheet.name, cell.cell, cell.value, message))
    return problems


def first_row_index(reader, name: str, total_height: int) -> int:
    try:
        from_row_two = _load(reader, name, 1).total_height
    except BaseException as exc:  # noqa: BLE001 - only the Rust panic is expected here
        if is_panic(exc) and total_height <= 1:
            return 0  # a sheet of one row, its header (.ods, .xls): no row two to start from, so it starts at row one
        raise
    # header_row=None gives rows [s, end]; header_row=1 gives rows (max(1, s), end].
    return max(0, from_row_two - total_height + 2) if total_height else 0


def _empty(sheet: Sheet) -> RawSheet:
    frame = pd.DataFrame({c.key: text_column(pa.array([], pa.string())) for c in sheet.columns})
    return RawSheet(sheet, frame, {}, 1, empty=True)
