"""The error workbook: a marked copy of the register, for the coach to fix it from.

Every cell with a problem is filled (red for errors, yellow for warnings) and
carries a comment with its message; a first sheet `Fel` lists every problem with a
link to its cell. An .xlsx register is copied with openpyxl (the original file is
only read). An .xls or .ods register, or one too large to copy whole, is rebuilt
from the cells as read, with xlsxwriter (openpyxl would take seconds per ten
thousand rows), and a large one keeps only the rows with problems, under their
original row numbers. The file names persons, so it is marked internal.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font

from pipeline.problems import ERROR, Problem, visible_controls
from pipeline.write import style
from pipeline.write.style import LISTING_HEADERS, LISTING_LINK, LISTING_SHEET, LISTING_WIDTHS

ERROR_FILL, WARNING_FILL = style.fill(style.ERROR), style.fill(style.WARNING)
WHOLE_COPY_MAX_ROWS = 100_000
COMMENT_AUTHOR = "Registerkontroll"


def write_error_workbook(register: Path, problems: list[Problem], target: Path | BinaryIO, rows_read: int = 0,
                         sheets: dict | None = None, content: bytes = b"") -> None:
    """The marked copy, written to `target` (a path, or a binary stream), of the register's `content` (the
    bytes that were read; the file itself when not given). `sheets` are the sheets as read (RawSheet by
    name); a copy that cannot be made with openpyxl is rebuilt from them."""
    if register.suffix.lower() in (".xlsx", ".xlsm") and rows_read <= WHOLE_COPY_MAX_ROWS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl's notes on odd cells; the problems say it all
                workbook = openpyxl.load_workbook(io.BytesIO(content) if content else register)
        except Exception:  # noqa: BLE001 - a file openpyxl cannot open is rebuilt from what was read
            workbook = None
        if workbook is not None:
            header_rows = {name.casefold(): raw.header_row for name, raw in (sheets or {}).items()}
            mark(workbook, problems, register.name, header_rows)
            workbook.save(target)
            return
    write_rebuilt(target, sheets or {}, problems, only_problem_rows=rows_read > WHOLE_COPY_MAX_ROWS,
                  register_name=register.name)


def page_header(register_name: str) -> tuple[str, str]:
    """What every printed page of the error workbook says at its top: what the file is, and of which register."""
    return "INTERNT – fel att rätta i registret", register_name


def _marks(problems: list[Problem]) -> dict[tuple[str, str], tuple[bool, str]]:
    """(sheet, cell) -> (any error there, the comment listing its problems), for problems of one cell."""
    marks: dict[tuple[str, str], tuple[bool, str]] = {}
    for problem in problems:
        if not _is_cell(problem):
            continue
        key = (problem.sheet.casefold(), problem.cell)
        error, text = marks.get(key, (False, ""))
        line = visible_controls(f"{problem.severity}: {problem.message}")
        marks[key] = (error or problem.severity == ERROR, f"{text}\n{line}" if text else line)
    return marks


def _listing(problems: list[Problem], sheet_names: dict[str, str]) -> list[tuple[tuple[str, ...], str | None]]:
    """The `Fel` sheet's rows, whichever library writes it: the values in the order of LISTING_HEADERS,
    and the `'Sheet'!A1` its cell links to (None for a problem of a whole sheet or row).
    `sheet_names` maps a casefolded sheet name to the workbook's own."""
    rows = []
    for problem in problems:
        sheet = sheet_names.get(problem.sheet.casefold())
        target = f"'{sheet}'!{problem.cell}" if sheet and _is_cell(problem) else None
        values = (problem.severity, problem.sheet, problem.cell, problem.value, problem.message)
        rows.append((tuple(visible_controls(str(v)) for v in values), target))
    return rows


def _is_cell(problem: Problem) -> bool:
    return bool(problem.cell) and problem.cell[0].isalpha() and ":" not in problem.cell


def mark(workbook, problems: list[Problem], register_name: str = "", header_rows: dict[str, int] | None = None) -> None:
    """Fill and comment each problem's cell in an openpyxl workbook, and put the `Fel` sheet first; every sheet
    prints landscape, one page wide, with its header row (`header_rows`, by folded name; else the first) on
    every page."""
    by_name = {name.strip().casefold(): name for name in workbook.sheetnames}
    for (sheet, place), (error, text) in _marks(problems).items():
        if sheet not in by_name:
            continue
        ws = workbook[by_name[sheet]]
        cell = ws[place]
        for merged in ws.merged_cells.ranges:  # a cell inside a merged range is marked on its top-left cell
            if cell.coordinate in merged:
                cell = ws.cell(merged.min_row, merged.min_col)
                break
        cell.fill = ERROR_FILL if error else WARNING_FILL
        if cell.comment:  # the register's own comment is kept, above ours
            text = f"{cell.comment.text}\n{text}"
        cell.comment = Comment(text, COMMENT_AUTHOR, width=320, height=120)
    listing = workbook.create_sheet(LISTING_SHEET, 0)
    listing.append(list(LISTING_HEADERS))
    for c in listing[1]:
        c.font, c.fill, c.alignment = Font(bold=True), style.fill(style.HEADER), Alignment(vertical="top")
    for row, (values, target) in enumerate(_listing(problems, by_name), start=2):
        for col, value in enumerate(values, start=1):
            cell = listing.cell(row, col)
            cell.value = value
            cell.data_type = "s"  # text from the register stays text, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if target:
            link = listing.cell(row, LISTING_LINK + 1)
            link.hyperlink = f"#{target}"
            link.font = Font(color=style.LINK, underline="single")
    for letter, width in zip("ABCDE", LISTING_WIDTHS):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    for ws in workbook.worksheets:
        row = (header_rows or {}).get(ws.title.strip().casefold(), 1)
        style.printable_sheet(ws, *page_header(register_name), f"{row}:{row}")
    workbook.active = 0


def write_rebuilt(target: Path | BinaryIO, sheets: dict, problems: list[Problem], only_problem_rows: bool,
                  register_name: str = "") -> None:
    """A new workbook with `Fel` first, then each sheet's header and cells as read, at their original
    places and marked; with `only_problem_rows`, a sheet keeps its header row and the rows with problems."""
    import xlsxwriter
    from xlsxwriter.utility import xl_cell_to_rowcol

    workbook = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                                   {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                    "strings_to_numbers": False, **style.WORKBOOK_FONT})
    header = workbook.add_format({"bold": True, "bg_color": f"#{style.HEADER}", "valign": "top"})
    text = workbook.add_format({"text_wrap": True, "valign": "top"})
    link = workbook.add_format({"font_color": f"#{style.LINK}", "underline": 1, "valign": "top"})
    fills = {True: workbook.add_format({"bg_color": f"#{style.ERROR}"}),
             False: workbook.add_format({"bg_color": f"#{style.WARNING}"})}
    listing = workbook.add_worksheet(LISTING_SHEET)
    listing.write_row(0, 0, LISTING_HEADERS, header)
    for column, width in enumerate(LISTING_WIDTHS):
        listing.set_column(column, column, width)
    style.print_setup(listing, 1, 0)
    style.header_and_footer(listing, *page_header(register_name))
    for row, (values, target) in enumerate(_listing(problems, {n.casefold(): n for n in sheets}), start=1):
        for column, value in enumerate(values):
            listing.write_string(row, column, str(value), text)
        if target:
            listing.write_url(row, LISTING_LINK, f"internal:{target}", link, string=values[LISTING_LINK])
    marks = _marks(problems)
    problem_rows: dict[str, set[int]] = {}
    for p in problems:
        problem_rows.setdefault(p.sheet, set()).add(p.row)
    for name, raw in sheets.items():
        ws = workbook.add_worksheet(name)
        style.header_and_footer(ws, *page_header(register_name))
        ws.set_landscape()
        ws.set_paper(style.A4)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(raw.header_row - 1)
        for column in raw.sheet.columns:
            if column.key in raw.letters:
                ws.write_string(f"{raw.letters[column.key]}{raw.header_row}", column.header)
        frame = raw.frame
        if only_problem_rows:
            frame = frame[frame.index.isin(problem_rows.get(name, set()))]
        keys = [k for k in frame.columns if k in raw.letters]
        columns = [(raw.letters[k], xl_cell_to_rowcol(f"{raw.letters[k]}1")[1]) for k in keys]
        written = set()
        for row, values in zip(frame.index, frame[keys].itertuples(index=False)):
            for (letter, column), value in zip(columns, values):
                if isinstance(value, str):
                    cell = f"{letter}{row}"
                    mark_here = marks.get((name.casefold(), cell))
                    ws.write_string(row - 1, column, value, fills[mark_here[0]] if mark_here else None)
                    written.add(cell)
        for (sheet, cell), (error, text) in marks.items():
            if sheet != name.casefold():
                continue
            if cell not in written:
                ws.write_blank(cell, None, fills[error])
            ws.write_comment(cell, text, {"author": COMMENT_AUTHOR, "x_scale": 2.5, "y_scale": 1.5})
    workbook.close()
