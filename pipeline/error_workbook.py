"""The error workbook: a marked copy of the register, for the coach to fix it from.

Every cell with a problem is filled (red for errors, yellow for warnings) and
carries a comment with its message; a first sheet `Fel` lists every problem with a
link to its cell. An .xlsx register is copied with openpyxl (the original file is
only read). An .xls or .ods register, or one too large to copy whole, is rebuilt
from the cells as read, and a large one keeps only the rows with problems, under
their original row numbers. The file names persons, so it is marked internal.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from pipeline.problems import ERROR, Problem

ERROR_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
WARNING_FILL = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
WHOLE_COPY_MAX_ROWS = 100_000


def write_error_workbook(register: Path, problems: list[Problem], path: Path, rows_read: int = 0,
                         sheets: dict | None = None) -> None:
    """`sheets` are the sheets as read (RawSheet by name); a copy that cannot be made with openpyxl
    is rebuilt from them."""
    workbook = None
    if register.suffix.lower() in (".xlsx", ".xlsm") and rows_read <= WHOLE_COPY_MAX_ROWS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl's notes on odd cells; the problems say it all
                workbook = openpyxl.load_workbook(register)
        except Exception:  # noqa: BLE001 - a file openpyxl cannot open is rebuilt from what was read
            workbook = None
    if workbook is None:
        workbook = rebuilt_copy(sheets or {}, problems, only_problem_rows=rows_read > WHOLE_COPY_MAX_ROWS)
    mark(workbook, problems)
    workbook.save(path)


def mark(workbook, problems: list[Problem]) -> None:
    by_name = {name.strip().casefold(): name for name in workbook.sheetnames}
    for problem in problems:
        sheet = by_name.get(problem.sheet.casefold())
        if not sheet or not problem.cell or not problem.cell[0].isalpha() or ":" in problem.cell:
            continue
        cell = workbook[sheet][problem.cell]
        cell.fill = ERROR_FILL if problem.severity == ERROR else WARNING_FILL
        text = f"{problem.severity}: {problem.message}"
        if cell.comment:
            text = f"{cell.comment.text}\n{text}"
        cell.comment = Comment(text, "Registerkontroll", width=320, height=120)
    listing = workbook.create_sheet("Fel", 0)
    listing.append(["Typ", "Blad", "Cell", "Värde", "Problem"])
    for c in listing[1]:
        c.font = Font(bold=True)
    for row, problem in enumerate(problems, start=2):
        for col, value in enumerate((problem.severity, problem.sheet, problem.cell, problem.value, problem.message),
                                    start=1):
            cell = listing.cell(row, col)
            cell.value = value
            cell.data_type = "s"  # text from the register stays text, never a formula
        sheet = by_name.get(problem.sheet.casefold())
        if sheet and problem.cell and problem.cell[0].isalpha() and ":" not in problem.cell:
            link = listing.cell(row, 3)
            link.hyperlink = f"#'{sheet}'!{problem.cell}"
            link.font = Font(color="0563C1", underline="single")
    for letter, width in zip("ABCDE", (9, 22, 9, 24, 100)):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    workbook.active = 0


def rebuilt_copy(sheets: dict, problems: list[Problem], only_problem_rows: bool):
    """A new workbook with each sheet's header and cells as read, at their original places.

    With `only_problem_rows`, a sheet keeps its header row and the rows that have problems.
    """
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    problem_rows: dict[str, set[int]] = {}
    for p in problems:
        problem_rows.setdefault(p.sheet, set()).add(p.row)
    for name, raw in sheets.items():
        ws = workbook.create_sheet(name)
        for column in raw.sheet.columns:
            if column.key in raw.letters:
                ws[f"{raw.letters[column.key]}{raw.header_row}"] = column.header
        frame = raw.frame
        if only_problem_rows:
            frame = frame[frame.index.isin(problem_rows.get(name, set()))]
        keys = [k for k in frame.columns if k in raw.letters]
        for row, values in zip(frame.index, frame[keys].itertuples(index=False)):
            for key, value in zip(keys, values):
                if isinstance(value, str):
                    cell = ws[f"{raw.letters[key]}{row}"]
                    cell.value = value
                    cell.data_type = "s"
    return workbook
