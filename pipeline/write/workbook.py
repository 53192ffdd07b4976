"""Writing the ESF workbook (xlsxwriter): every sheet's layout, and nothing else.

Formats come from `pipeline.write.style`; labels and rows from `schemas.form`; each sheet is laid out from the report's
long-form figures, so a table sheet and `Siffror` cannot disagree. Sum rows are
Excel formulas with their computed values cached, so that every viewer shows the
numbers. Text from the register is always written as a string, never as a formula.
The workbook holds counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline.count.figures import Figures, pair_columns
from pipeline.count.report import Report
from pipeline.write.files import TOOL_AUTHOR
from pipeline.write.style import (
    A4, WORKBOOK_FONT, Formats, fit_scale, header_and_footer, page_breaks, print_setup, wrapped_height,
)
from schemas.form import GROUP_LABELS
from schemas.register import CONTACT_TYPES, ESF_2007
from schemas import form
from schemas import form_plus as fp



@dataclass
class RunInfo:
    """What `Om rapporten` says about the run."""

    source_name: str
    source_sha256: str
    run_time: datetime
    version: str
    notes: list[str]  # warnings and notices, by place and message (no values: they may identify)


def write_workbook(report: Report, run: RunInfo, target: BinaryIO, changes=None) -> None:
    """The ESF workbook, written into `target` (a binary stream; `pipeline.write.files` puts it in place)."""
    wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False, **WORKBOOK_FONT})
    project = report.register.project
    profile = report.register.profile
    wb.set_properties({"title": f"{profile.title} {report.period.label}", "subject": project.name,
                       "author": TOOL_AUTHOR, "company": "", "comments": "Innehåller endast antal.",
                       "keywords": f"{form.CASE_NUMBER_KEYWORD}{project.case_number.strip()}"})
    fmt = Formats(wb)
    figs = report.lookup
    plus = profile is not ESF_2007
    names = (fp.SHEET_ORDER if plus else form.SHEET_ORDER) + ((form.CHANGES,) if changes is not None else ())
    sheets = {name: wb.add_worksheet(name) for name in names}
    if plus:  # the profile's own sheets; the text, checks, figures, about and changes are the same in both
        write_indicators(sheets[fp.INDICATORS], fmt, figs, report)
        write_goals(sheets[fp.RESULTS], fmt, figs, report)
    else:
        for table in form.PAIR_TABLES:
            write_pair_table(sheets[table.name], fmt, figs, table, pair_columns(figs, table),
                             report.register.project.goals)
        reasons = write_exit_reasons(sheets[form.REASONS], fmt, figs, report)
        write_results(sheets[form.RESULTS], fmt, figs, report)
    write_text(sheets[form.TEXT], fmt, report,
               "Textförslag till rapporteringen av indikatorerna" if plus else "Textförslag till lägesrapporten")
    write_checks(sheets[form.CHECKS], fmt, report.checks)
    write_figures(sheets[form.FIGURES], fmt, figs)
    write_about(sheets[form.ABOUT], fmt, report, run, fp.COUNTING_RULES if plus else form.COUNTING_RULES)
    if changes is not None:
        write_changes(sheets[form.CHANGES], fmt, changes)
    if plus:
        write_indicator_summary(wb, sheets[form.SUMMARY], fmt, figs, report, run, changes)
    else:
        months = list(form.month_labels(report.table_1_months).values())
        write_summary(wb, sheets[form.SUMMARY], fmt, figs, report, run, months, reasons, changes)
    for name, ws in sheets.items():  # every printed page says what it is, on A4
        header_and_footer(ws, f"{project.name} – {profile.title}", FIGURES_PRINTED if name == form.FIGURES else
                          f"Period {report.period.label}")
        ws.set_paper(A4)
    sheets[form.SUMMARY].activate()
    wb.close()


DEFAULT_ROW_POINTS = 12.75  # the default row height of WORKBOOK_FONT
TITLE_ROW_POINTS = 20  # a sheet's title (14 pt), set so that it is the height the page breaks reckon with
HEADING_ROW_POINTS = 16  # a heading (11 pt bold)
KEPT_ROWS = 3  # the rows of a section a heading is kept with on its page


def keep_headings(ws, heights: dict[int, float], headings: set[int] | dict[int, int], last_row: int,
                  scale: float = 1.0, repeated: float = 0.0) -> None:
    """Manual page breaks so that no heading (`headings`: rows) is printed alone at a page's foot; `heights`
    are the rows whose height was set, the others have the default."""
    rows = [heights.get(r, DEFAULT_ROW_POINTS) for r in range(last_row + 1)]
    breaks = page_breaks(rows, headings, scale, repeated)
    if breaks:
        ws.set_h_pagebreaks(breaks)


# --- helpers ---------------------------------------------------------------------------

def _pair_headers(ws, fmt: Formats, row: int, first_col: int, labels: list[str]) -> None:
    """Merged labels over kv/m column pairs, with the kv/m row below."""
    for i, label in enumerate(labels):
        col = first_col + 2 * i
        ws.merge_range(row, col, row, col + 1, label, fmt.header)
        ws.write_string(row + 1, col, "kv", fmt.header)
        ws.write_string(row + 1, col + 1, "m", fmt.header)


def _sum_formula(ws, row: int, col: int, cells: list[str], value: float, cell_format) -> None:
    ws.write_formula(row, col, "=" + "+".join(cells) if len(cells) < 4 or not _contiguous(cells)
                     else f"=SUM({cells[0]}:{cells[-1]})", cell_format, value)


def _pair_row(ws, fmt: Formats, row: int, first_col: int, columns: list[str], value) -> None:
    """One row of kv/m pairs: `value(column, kon)`, or bordered blanks where `value` is None
    (a heading row of the form)."""
    for i, column in enumerate(columns):
        for j, kon in enumerate(form.GENDERS):
            col = first_col + 2 * i + j
            if value is None:
                ws.write_blank(row, col, None, fmt.empty)
            else:
                ws.write_number(row, col, value(column, kon), fmt.count)


def _sum_rows(ws, fmt: Formats, row: int, first_col: int, columns: list[str], group_rows: list[int],
              by_gender, total) -> None:
    """The form's two sum rows under a table's groups: per kv/m column the sum of the group rows
    (`by_gender(column, kon)`), and below it, merged over each pair, kv + m (`total(column)`)."""
    for i, column in enumerate(columns):
        for j, kon in enumerate(form.GENDERS):
            col = first_col + 2 * i + j
            _sum_formula(ws, row, col, [xl_rowcol_to_cell(g, col) for g in group_rows], by_gender(column, kon),
                         fmt.count_bold)
        col = first_col + 2 * i
        ws.merge_range(row + 1, col, row + 1, col + 1, "", fmt.count_bold)
        ws.write_formula(row + 1, col, f"={xl_rowcol_to_cell(row, col)}+{xl_rowcol_to_cell(row, col + 1)}",
                         fmt.count_bold, total(column))


def _contiguous(cells: list[str]) -> bool:
    rows = [int("".join(ch for ch in c if ch.isdigit())) for c in cells]
    return rows == list(range(rows[0], rows[0] + len(rows))) and len({c.rstrip("0123456789") for c in cells}) == 1


def _goal_text(goal: float | None, share: bool) -> str:
    if goal is None:
        return ""
    return f"{round(goal * 100)} %" if share else f"{int(goal)} st"


# --- Tabell 1, 2 and 4: the form's tables of kv/m pairs -----------------------------------

def write_pair_table(ws, fmt: Formats, figs: Figures, table: form.PairTable, columns: list[str],
                     goals: dict[str, float]) -> None:
    """A table of the form as it lays it out: merged column labels over kv/m pairs, its rows (headings
    without figures, indented sub-rows), the two sum rows as formulas, and for Tabell 2 the period's sums."""
    goal_col = 1 if table.goal_column else None
    first = 2 if table.goal_column else 1  # the first figure column
    last = first + 2 * len(columns) - 1
    comment_col = last + 1 if table.comment_column else None
    for r, title in enumerate(table.title):
        ws.write_string(r, 0, title, fmt.header_left) if title else ws.write_blank(r, 0, None, fmt.header_left)
    if goal_col is not None:
        ws.write_string(0, goal_col, table.goal_column, fmt.header)
        ws.write_blank(1, goal_col, None, fmt.header)
    _pair_headers(ws, fmt, 0, first, columns)
    if comment_col is not None:
        ws.merge_range(0, comment_col, 1, comment_col, table.comment_column, fmt.header)
    r = 2
    if table.title_row:
        ws.write_string(r, 0, table.title_row, fmt.label_bold)
        for col in range(1, (comment_col or last) + 1):
            ws.write_blank(r, col, None, fmt.empty)
        r += 1

    def blank_comment(row: int) -> None:
        if comment_col is not None:
            ws.write_blank(row, comment_col, None, fmt.empty)

    group_rows = []
    for r, row in enumerate(table.rows, start=r):
        ws.write_string(r, 0, row.label, fmt.sub if row.sub else fmt.label_bold if row.bold else fmt.label)
        if goal_col is not None:
            goal = _goal_text(goals[row.goal], False) if row.goal else ""
            ws.write_string(r, goal_col, goal, fmt.text_center) if goal else ws.write_blank(r, goal_col, None, fmt.empty)
        _pair_row(ws, fmt, r, first, columns,
                  (lambda column, kon, group=row.group: figs(table.name, group, column, kon)) if row.group else None)
        blank_comment(r)
        if row.group:
            group_rows.append(r)
    r += 1
    labels = (table.sum_gender, table.sum_total, *(table.period_sums or ()))
    for offset, label in enumerate(labels):
        ws.write_string(r + offset, 0, label, fmt.label_bold)
        if goal_col is not None:
            ws.write_blank(r + offset, goal_col, None, fmt.empty)
        blank_comment(r + offset)
    _sum_rows(ws, fmt, r, first, columns, group_rows,
              lambda column, kon: figs(table.name, table.sum_gender, column, kon),
              lambda column: figs(table.name, table.sum_total, column))
    if table.period_sums:
        by_gender, total = table.period_sums
        women, men = (figs(table.name, by_gender, form.PERIOD_COLUMN, kon) for kon in form.GENDERS)
        # the form writes the period's women/men in one cell: 2/8
        ws.merge_range(r + 2, first, r + 2, last, f"{int(women)}/{int(men)}", fmt.text_center)
        column_sums = [xl_rowcol_to_cell(r + 1, first + 2 * i) for i in range(len(columns))]
        ws.merge_range(r + 3, first, r + 3, last, "", fmt.count_bold)
        ws.write_formula(r + 3, first, "=" + "+".join(column_sums), fmt.count_bold,
                         figs(table.name, total, form.PERIOD_COLUMN))
    label_width, goal_width, figure_width = table.widths
    if table.header_height:
        ws.set_row(0, table.header_height)
    ws.set_column(0, 0, label_width)
    if goal_col is not None:
        ws.set_column(goal_col, goal_col, goal_width)
    ws.set_column(first, last, figure_width)
    if comment_col is not None:
        ws.set_column(comment_col, comment_col, 36)
    # a table of many periods (Tabell 4) is not shrunk below legibility: it runs over pages with its labels
    widths = [label_width] + ([goal_width] if goal_col is not None else []) + [figure_width] * (2 * len(columns)) + (
        [36] if comment_col is not None else [])
    print_setup(ws, 2, first, widths, together=2)


# --- Utskrivningsorsak -----------------------------------------------------------------

def write_exit_reasons(ws, fmt: Formats, figs: Figures, report: Report) -> dict[str, list]:
    """The sheet; returns where its chart data stand (the reason labels and both periods' counts)."""
    ws.write_string(0, 0, form.REASONS, fmt.header_left)
    ws.merge_range(0, 1, 0, 2, f"{form.PERIOD_COLUMN} {report.period.label}", fmt.header)
    ws.merge_range(0, 3, 0, 4, form.SINCE_START, fmt.header)
    ws.write_blank(1, 0, None, fmt.header_left)
    for col, label in enumerate(("Antal", "Andel", "Antal", "Andel"), start=1):
        ws.write_string(1, col, label, fmt.header)
    first = 2
    for r, row in enumerate((*form.REASON_ROWS, form.REASONS_SUM), start=first):
        bold = row == form.REASONS_SUM
        ws.write_string(r, 0, row, fmt.label_bold if bold else fmt.label)
        for col, column in enumerate(form.REASON_COLUMNS, start=1):
            value = figs(form.REASONS, row, column)
            if column in (form.PERIOD_SHARE, form.SINCE_START_SHARE):
                ws.write_number(r, col, value, fmt.share)
            elif bold:
                cells = [xl_rowcol_to_cell(x, col) for x in range(first, r)]
                _sum_formula(ws, r, col, cells, value, fmt.count_bold)
            else:
                ws.write_number(r, col, value, fmt.count)
    last = first + len(form.REASON_ROWS) - 1
    ws.write_string(last + 3, 0, form.REASONS_NOTE, fmt.note)
    ws.write_string(last + 5, 0, form.REASONS_AS_THE_FORM, fmt.heading)
    for r, row in enumerate(form.REASON_ROWS, start=last + 6):
        ws.write_string(r, 0, f"{row}: {int(figs(form.REASONS, row, form.PERIOD_COLUMN))} st", fmt.plain)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 4, 11)
    print_setup(ws, 2)
    name = ws.get_name()
    return {"categories": [name, first, 0, last, 0],
            f"{form.PERIOD_COLUMN} {report.period.label}": [name, first, 1, last, 1],
            form.SINCE_START: [name, first, 3, last, 3]}


# --- Resultat --------------------------------------------------------------------------

def write_results(ws, fmt: Formats, figs: Figures, report: Report) -> None:
    ws.write_string(0, 0, f"Resultat till och med {report.period.end:%Y-%m-%d}", fmt.title)
    header = ("Mål", form.OUTCOME, form.SHARE, form.GOAL, form.SHARE_OF_GOAL)
    ws.write_row(2, 0, header, fmt.header)
    r = 3
    for goal_row in form.RESULT_GOAL_ROWS:
        row = goal_row.row
        ws.write_string(r, 0, goal_row.shown, fmt.label)
        ws.write_number(r, 1, figs(form.RESULTS, row, form.OUTCOME), fmt.count)
        andel, goal, of_goal = (figs.get(form.RESULTS, row, c) for c in (form.SHARE, form.GOAL, form.SHARE_OF_GOAL))
        _number_or_blank(ws, r, 2, andel, fmt.share, fmt)
        _number_or_blank(ws, r, 3, goal, fmt.share if goal_row.share else fmt.count, fmt)
        _number_or_blank(ws, r, 4, of_goal, fmt.share, fmt)
        r += 1
    r += 1
    ws.write_string(r, 0, f"{form.PARTICIPANTS} {report.period.label}", fmt.heading)
    r += 1
    ws.write_row(r, 0, ("Målgrupp", "Kvinnor", "Män", "Summa"), fmt.header)
    first = r + 1
    for r, group in enumerate(GROUP_LABELS, start=r + 1):
        ws.write_string(r, 0, group, fmt.label)
        women = figs(form.RESULTS, form.PARTICIPANTS, group, "kv")
        men = figs(form.RESULTS, form.PARTICIPANTS, group, "m")
        ws.write_number(r, 1, women, fmt.count)
        ws.write_number(r, 2, men, fmt.count)
        ws.write_formula(r, 3, f"={xl_rowcol_to_cell(r, 1)}+{xl_rowcol_to_cell(r, 2)}", fmt.count, women + men)
    r += 1
    ws.write_string(r, 0, "Summa", fmt.label_bold)
    for col, kon in ((1, "kv"), (2, "m"), (3, "")):
        cells = [xl_rowcol_to_cell(x, col) for x in range(first, r)]
        _sum_formula(ws, r, col, cells, figs(form.RESULTS, form.PARTICIPANTS, form.OUTCOME, kon), fmt.count_bold)
    for label in (form.NEW_IN_PERIOD, form.RE_ENROLLED):
        r += 1
        ws.write_string(r, 0, label, fmt.label)
        ws.write_number(r, 3, figs(form.RESULTS, label, form.OUTCOME), fmt.count)
    r += 2
    ws.write_string(r, 0, f"Uppföljning 90 dagar efter utskrivning (per {report.period.end:%Y-%m-%d})", fmt.heading)
    for label in form.RESULT_FOLLOW_UP_ROWS:
        r += 1
        ws.write_string(r, 0, label, fmt.label)
        ws.write_number(r, 1, figs(form.RESULTS, label, form.OUTCOME), fmt.count)
    r += 2
    ws.write_string(r, 0, "Arbetsgivarkontakter (olika organisationer, efter typ av första kontakt)", fmt.heading)
    for label in form.RESULT_CONTACT_ROWS:
        r += 1
        ws.write_string(r, 0, label, fmt.sub if label in CONTACT_TYPES else fmt.label)
        ws.write_number(r, 1, figs(form.RESULTS, label, form.OUTCOME), fmt.count)
    ws.set_column(0, 0, 58)
    ws.set_column(1, 4, 13)
    print_setup(ws, 3)
    ws.fit_to_pages(1, 1)  # on one page, each section with its heading


def _number_or_blank(ws, r: int, c: int, value: float | None, cell_format, fmt: Formats) -> None:
    if value is None:
        ws.write_blank(r, c, None, fmt.empty)
    else:
        ws.write_number(r, c, value, cell_format)


# --- Textförslag ------------------------------------------------------------------------

TEXT_COLUMN_WIDTH = 105  # fits A4 landscape without scaling


def write_text(ws, fmt: Formats, report: Report, title: str) -> None:
    ws.write_string(0, 0, f"{title} {report.period.label}", fmt.title)
    ws.write_string(1, 0, "Meningarna bygger på samma siffror som tabellerna. Kopiera en cell i taget till "
                          "rapportens avsnitt.", fmt.note)
    r, previous = 3, None
    heights, headings = {0: TITLE_ROW_POINTS}, set()
    ws.set_row(0, TITLE_ROW_POINTS)
    for heading, sentence in report.text:
        if heading != previous:
            r += previous is not None
            ws.write_string(r, 0, heading, fmt.heading)
            headings.add(r)
            heights[r] = HEADING_ROW_POINTS
            ws.set_row(r, HEADING_ROW_POINTS)
            previous = heading
            r += 1
        ws.write_string(r, 0, sentence, fmt.plain)
        # xlsxwriter does not size rows, and LibreOffice keeps the default height for wrapped text
        heights[r] = wrapped_height(sentence, TEXT_COLUMN_WIDTH)
        ws.set_row(r, heights[r])
        r += 1
    ws.set_column(0, 0, TEXT_COLUMN_WIDTH)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    keep_headings(ws, heights, headings, r, fit_scale([TEXT_COLUMN_WIDTH]))


# --- Kontroller, Siffror, Om rapporten -------------------------------------------------

def write_checks(ws, fmt: Formats, checks: pd.DataFrame) -> None:
    ws.write_row(0, 0, list(checks.columns), fmt.header)
    rows = zip(*(checks[column].tolist() for column in ("Kontroll", "Jämförelser", "Avvikelser", "Exempel", "Resultat")))
    for r, (check, compared, deviations, example, result) in enumerate(rows, start=1):
        ws.write_string(r, 0, check, fmt.label)
        ws.write_number(r, 1, compared, fmt.count)
        ws.write_number(r, 2, deviations, fmt.count)
        ws.write_string(r, 3, example, fmt.label)
        ws.write_string(r, 4, result, fmt.ok if result == "OK" else fmt.failed)
    ws.set_column(0, 0, 70)
    ws.set_column(1, 2, 12)
    ws.set_column(3, 3, 30)
    ws.set_column(4, 4, 10)
    print_setup(ws, 1, 0)


def write_figures(ws, fmt: Formats, figs: Figures) -> None:
    """Siffror: every figure as a row (Tabell, Rad, Kolumn, Kön, Värde), in the report's order."""
    ws.write_row(0, 0, form.FIGURE_COLUMNS, fmt.header)
    value = len(form.FIGURE_COLUMNS) - 1  # Värde, the last column; the others are texts
    for c, values in enumerate(zip(*figs.rows)):
        if c == value:
            for r, number in enumerate(values, start=1):
                ws.write_number(r, c, number)
        else:
            for r, text in enumerate(values, start=1):
                ws.write_string(r, c, text)
    ws.autofilter(0, 0, len(figs.rows), value)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 58)
    ws.set_column(2, 2, 58)
    ws.set_column(3, 4, 8)
    print_setup(ws, 1, 0)
    # for machines, not for paper: what prints by default is the header row alone (Excel and LibreOffice honour
    # a print area), and the sheet says so where a reader starts, without a column other programs would read
    ws.print_area(0, 0, 0, value)
    ws.write_comment(0, 0, FIGURES_NOTE, {"x_scale": 3, "y_scale": 1.6, "visible": False})


FIGURES_PRINTED = "Siffror är underlag för andra program och skrivs inte ut"
FIGURES_NOTE = ("Siffror är underlag för andra program och skrivs inte ut: utskriftsområdet är bara rubrikraden. "
                "Vill du skriva ut siffrorna, markera dem och välj att skriva ut markeringen.")


ABOUT_TEXT_WIDTH = 100
PROGRAMME = "Programperiod"


def write_about(ws, fmt: Formats, report: Report, run: RunInfo, rules: tuple[form.CountingRule, ...]) -> None:
    project = report.register.project
    ws.write_string(0, 0, form.ABOUT, fmt.title)
    profile = report.register.profile
    rows = (() if profile is ESF_2007 else ((PROGRAMME, profile.name),)) + (
        (form.ABOUT_PROJECT, project.name), (form.ABOUT_CASE_NUMBER, project.case_number),
        (form.ABOUT_OWNER, project.owner),
        (form.ABOUT_PERIOD, f"{report.period.start:%Y-%m-%d} – {report.period.end:%Y-%m-%d} ({report.period.label})"),
        (form.ABOUT_FILE, run.source_name), (form.ABOUT_SHA256, run.source_sha256),
        (form.ABOUT_CREATED, run.run_time.strftime("%Y-%m-%d %H:%M")), (form.ABOUT_VERSION, run.version),
        ("Inskrivningar i registret", str(report.register.rows_read)),
        ("Tomma rader (hoppades över)", str(report.register.blank_rows)),
    )
    for r, (key, value) in enumerate(rows, start=2):
        ws.write_string(r, 0, key, fmt.label_bold)
        ws.write_string(r, 1, value, fmt.label)
    r = 3 + len(rows)
    heights, headings = {0: TITLE_ROW_POINTS, r: HEADING_ROW_POINTS}, {r}
    ws.set_row(0, TITLE_ROW_POINTS)
    ws.set_row(r, HEADING_ROW_POINTS)
    ws.write_string(r, 0, "Räkneregler i korthet", fmt.heading)
    stated = [rule.sv for rule in rules]
    if profile is not ESF_2007:
        stated += [*fp.DEFINITIONS] + ([fp.NO_ORGANISATIONS] if report.register.organisations is None else [])
    for r, sentence in enumerate(stated, start=r + 1):
        # the bullet beside its text, in the text's own cell
        ws.write_string(r, 1, f"• {sentence}", fmt.plain)
        heights[r] = wrapped_height(f"• {sentence}", ABOUT_TEXT_WIDTH)
        ws.set_row(r, heights[r])
    r += 2
    ws.write_string(r, 0, "Varningar och notiser", fmt.heading)
    headings.add(r)
    heights[r] = HEADING_ROW_POINTS
    ws.set_row(r, HEADING_ROW_POINTS)
    for r, note in enumerate(run.notes or ["Inga."], start=r + 1):
        ws.write_string(r, 1, note, fmt.plain)
        heights[r] = wrapped_height(note, ABOUT_TEXT_WIDTH)
        ws.set_row(r, heights[r])
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, ABOUT_TEXT_WIDTH)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    keep_headings(ws, heights, headings, r, fit_scale([28, ABOUT_TEXT_WIDTH]))


# --- Sammanfattning --------------------------------------------------------------------

CHANGES_WIDTHS = (18, 50, 50, 14, 14, 14)


def write_changes(ws, fmt: Formats, changes) -> None:
    """The earlier report's figures that now come out different, shares in percent (with one decimal
    where whole percent would hide the change)."""
    earlier = changes.earlier
    ws.write_string(0, 0, f"Ändringar sedan rapporten för {earlier.period.label}", fmt.title)
    explained = (f"Jämförd med {earlier.path.name} (skapad {earlier.created}). Perioden {earlier.period.label} "
                 "har räknats om från dagens register.")
    last_col = len(CHANGES_WIDTHS) - 1
    ws.merge_range(1, 0, 1, last_col, explained, fmt.plain)
    ws.set_row(1, wrapped_height(explained, sum(CHANGES_WIDTHS)))
    ws.write_string(2, 0, changes.summary, fmt.heading)
    for col, width in enumerate(CHANGES_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    if changes.note or changes.table.empty:
        return
    columns = list(changes.table.columns)
    ws.write_row(4, 0, columns, fmt.header)
    for r, row in enumerate(changes.table.itertuples(index=False), start=5):
        table, rad, kolumn, kon, before, after = row
        for c, value in enumerate((table, rad, kolumn, kon)):
            ws.write_string(r, c, str(value), fmt.label)
        if form.is_share(rad, kolumn):
            hidden = all(pd.notna(v) for v in (before, after)) and round(before * 100) == round(after * 100)
            number = fmt.share_decimal if hidden else fmt.share
        else:
            number = fmt.count if all(pd.isna(v) or v % 1 == 0 for v in (before, after)) else fmt.decimal
        for c, value in ((4, before), (5, after)):
            _number_or_blank(ws, r, c, None if pd.isna(value) else value, number, fmt)
    print_setup(ws, 5, 0)


SUMMARY_WIDTHS = (34, 10, 10, 10)  # the labels, then the month table's Kvinnor, Män and Summa


def write_summary_head(ws, fmt: Formats, report: Report, run: RunInfo, changes, headline: list[tuple[str, float]],
                       pointer: tuple[str, str], widths: tuple[float, ...]) -> int:
    """The top of Sammanfattning in either profile: the title, the project, the headline figures and the
    status of the checks, warnings and changes, with values merged over the columns of `widths`; returns
    the last row written."""
    project = report.register.project
    last = len(widths)
    ws.write_string(0, 0, f"{report.register.profile.title}: {project.name}", fmt.title)
    info = ((form.ABOUT_CASE_NUMBER, project.case_number), (form.ABOUT_OWNER, project.owner),
            (form.ABOUT_PERIOD, f"{report.period.start:%Y-%m-%d} – {report.period.end:%Y-%m-%d}"))
    for r, (key, value) in enumerate(info, start=2):
        ws.write_string(r, 0, key, fmt.label_bold)
        ws.merge_range(r, 1, r, last, value, fmt.label)  # over the narrow columns of the table below
    ws.write_string(6, 0, "Nyckeltal", fmt.heading)
    for r, (key, value) in enumerate(headline, start=7):
        ws.write_string(r, 0, key, fmt.label)
        ws.write_number(r, 1, value, fmt.count)
    failed = len(report.failed_checks)
    warnings = sum(n.startswith("Varning") for n in run.notes)
    status = [("Kontroller", "Alla stämmer" if not failed else f"{failed} stämmer inte (se Kontroller)",
               fmt.ok if not failed else fmt.failed),
              ("Varningar", f"{warnings} (se Om rapporten)", fmt.label),
              (*pointer, fmt.label)]
    if changes is not None:
        status.append((f"Ändringar mot {changes.earlier.period.label}", changes.summary + " (se Ändringar)",
                       fmt.ok if not changes.note and changes.table.empty else fmt.failed))
    r = 7 + len(headline)
    for r, (key, value, cell_format) in enumerate(status, start=r):
        ws.write_string(r, 0, key, fmt.label)
        ws.merge_range(r, 1, r, last, value, cell_format)
        ws.set_row(r, wrapped_height(value, sum(widths)))
    return r


def write_summary(wb, ws, fmt: Formats, figs: Figures, report: Report, run: RunInfo, months: list[str],
                  reasons: dict[str, list], changes=None) -> None:
    """`reasons` says where the exit-reason sheet put its chart data (`write_exit_reasons`)."""
    headline = [(label, figs(table, row, column)) for label, table, row, column in form.HEADLINE]
    r = write_summary_head(ws, fmt, report, run, changes, headline, ("Textförslag", "Se bladet Textförslag."),
                           SUMMARY_WIDTHS[1:])

    # chart data: participants per month (Table 1) and exit reasons
    data_row = r + 4
    ws.write_string(data_row - 1, 0, "Deltagare per månad (Tabell 1)", fmt.heading)
    ws.write_row(data_row, 0, ("Månad", "Kvinnor", "Män", "Summa"), fmt.header)
    for i, month in enumerate(months, start=data_row + 1):
        ws.write_string(i, 0, month, fmt.label)
        ws.write_number(i, 1, figs(form.T1, form.T1_SUM_GENDER, month, "kv"), fmt.count)
        ws.write_number(i, 2, figs(form.T1, form.T1_SUM_GENDER, month, "m"), fmt.count)
        ws.write_number(i, 3, figs(form.T1, form.T1_SUM, month), fmt.count)
    last = data_row + len(months)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for col, name in ((1, "Kvinnor"), (2, "Män")):
        chart.add_series({"name": name, "categories": [form.SUMMARY, data_row + 1, 0, last, 0],
                          "values": [form.SUMMARY, data_row + 1, col, last, col], "gap": 60})
    chart.set_title({"name": "Deltagare per månad"})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}, "name": "Antal"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 300})
    ws.insert_chart(2, 4, chart)

    reason_chart = wb.add_chart({"type": "bar"})
    for name, values in reasons.items():
        if name != "categories":
            reason_chart.add_series({"name": name, "categories": reasons["categories"], "values": values})
    reason_chart.set_title({"name": form.REASONS})
    reason_chart.set_x_axis({"min": 0, "name": "Antal"})
    reason_chart.set_y_axis({"reverse": True})
    reason_chart.set_legend({"position": "bottom"})
    reason_chart.set_size({"width": 620, "height": 300})
    ws.insert_chart(18, 4, reason_chart)
    for col, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)


# --- ESF+ 2021-2027 ----------------------------------------------------------------------

INDICATOR_WIDTHS = (9, 58, 9)  # the code, the label (wrapped) and each figure column
INDICATOR_GENDERS = (*fp.GENDERS, "")


def write_indicators(ws, fmt: Formats, figs: Figures, report: Report) -> None:
    """Indikatorer: code, label, then Perioden and Sedan starten per gender and in total (the total a formula
    over the genders); output and result indicators under their own headings, then the figures beside them."""
    ws.write_string(0, 0, f"Gemensamma indikatorer ESF+ 2021-2027, period {report.period.label}", fmt.title)
    ws.merge_range(2, 0, 3, 0, "Kod", fmt.header)
    ws.merge_range(2, 1, 3, 1, "Indikator", fmt.header_left)
    width = len(INDICATOR_GENDERS)
    for i, column in enumerate(fp.COLUMNS):
        first = 2 + i * width
        label = f"{column} {report.period.label}" if column == form.PERIOD_COLUMN else column
        ws.merge_range(2, first, 2, first + width - 1, label, fmt.header)
        for j, gender in enumerate(INDICATOR_GENDERS):
            ws.write_string(3, first + j, fp.GENDER_HEADERS[gender], fmt.header)
    last_col = 1 + len(fp.COLUMNS) * width
    r = 4
    heights = {0: TITLE_ROW_POINTS}
    # (heading, rows, by gender): the organisations supported have no gender, their figure stands in Totalt alone
    sections = (("Utfallsindikatorer: deltagare vid inträdet", [(i.code, i.label) for i in fp.OUTPUT_INDICATORS], True),
                ("Resultatindikatorer: deltagare vid och efter avslut", [(i.code, i.label) for i in fp.RESULT_INDICATORS],
                 True),
                ("Underlag för indikatorerna", [("", row) for row in fp.TRUST_ROWS], True),
                (fp.ORGANISATIONS_SUPPORTED, [*((i.code, i.label) for i in fp.ORGANISATION_INDICATORS),
                                              ("", fp.ORGANISATIONS_SUPPORTED)], False))
    headings = {}  # a section's heading kept with its first rows (a short section whole)
    for heading, rows, by_gender in sections:
        ws.merge_range(r, 0, r, last_col, heading, fmt.label_bold)
        headings[r] = min(len(rows), KEPT_ROWS)
        r += 1
        for code, label in rows:
            ws.write_string(r, 0, code, fmt.text_center) if code else ws.write_blank(r, 0, None, fmt.empty)
            ws.write_string(r, 1, label, fmt.label)
            heights[r] = wrapped_height(label, INDICATOR_WIDTHS[1])
            ws.set_row(r, heights[r])
            for i, column in enumerate(fp.COLUMNS):
                first = 2 + i * width
                total = figs(fp.INDICATORS, code or label, column)
                if not by_gender:
                    for j in range(len(fp.GENDERS)):
                        ws.write_blank(r, first + j, None, fmt.empty)
                    ws.write_number(r, first + len(fp.GENDERS), total, fmt.count_bold)
                    continue
                for j, gender in enumerate(fp.GENDERS):
                    ws.write_number(r, first + j, figs(fp.INDICATORS, code or label, column, gender), fmt.count)
                cells = [xl_rowcol_to_cell(r, first + j) for j in range(len(fp.GENDERS))]
                _sum_formula(ws, r, first + len(fp.GENDERS), cells, total, fmt.count_bold)
            r += 1
    r += 1
    ws.write_string(r, 1, "Så läses underlaget", fmt.heading)
    headings[r] = 1
    notes = [fp.TRUST_NOTES[row] for row in fp.TRUST_ROWS] + [fp.ORGANISATION_NOTE] + (
        [fp.NO_ORGANISATIONS] if report.register.organisations is None else [])
    for r, note in enumerate(notes, start=r + 1):
        ws.merge_range(r, 1, r, last_col, note, fmt.note)
        heights[r] = wrapped_height(note, INDICATOR_WIDTHS[1] + INDICATOR_WIDTHS[2] * (last_col - 1))
        ws.set_row(r, heights[r])
    ws.set_column(0, 0, INDICATOR_WIDTHS[0])
    ws.set_column(1, 1, INDICATOR_WIDTHS[1])
    ws.set_column(2, last_col, INDICATOR_WIDTHS[2])
    print_setup(ws, 4, 2)
    widths = [INDICATOR_WIDTHS[0], INDICATOR_WIDTHS[1]] + [INDICATOR_WIDTHS[2]] * (last_col - 1)
    keep_headings(ws, heights, headings, r, fit_scale(widths), repeated=2 * DEFAULT_ROW_POINTS)


def write_goals(ws, fmt: Formats, figs: Figures, report: Report) -> None:
    """Resultat under ESF+: each indicator the project has a goal for (`Mål EECO01` ...), since the start."""
    ws.write_string(0, 0, f"Resultat till och med {report.period.end:%Y-%m-%d}", fmt.title)
    with_goal = [i for i in fp.GOAL_INDICATORS if figs.get(fp.RESULTS, i.code, fp.GOAL) is not None]
    if not with_goal:
        ws.write_string(2, 0, "Projektet har inga mål för indikatorerna i bladet Projekt (Mål EECO01 till "
                              "Mål EECR06, Mål EECO18 och Mål EECO19). Lägg till dem där för att se utfallet mot målen.", fmt.plain)
        ws.set_row(2, wrapped_height("x" * 160, 100))
        ws.set_column(0, 0, 100)
        return
    ws.write_row(2, 0, ("Kod", "Indikator", f"{fp.OUTCOME} sedan starten", fp.GOAL, fp.SHARE_OF_GOAL), fmt.header)
    for r, indicator in enumerate(with_goal, start=3):
        ws.write_string(r, 0, indicator.code, fmt.text_center)
        ws.write_string(r, 1, indicator.label, fmt.label)
        ws.set_row(r, wrapped_height(indicator.label, INDICATOR_WIDTHS[1]))
        ws.write_number(r, 2, figs(fp.RESULTS, indicator.code, fp.OUTCOME), fmt.count)
        ws.write_number(r, 3, figs(fp.RESULTS, indicator.code, fp.GOAL), fmt.count)
        _number_or_blank(ws, r, 4, figs.get(fp.RESULTS, indicator.code, fp.SHARE_OF_GOAL), fmt.share, fmt)
    ws.set_column(0, 0, INDICATOR_WIDTHS[0])
    ws.set_column(1, 1, INDICATOR_WIDTHS[1])
    ws.set_column(2, 4, 13)
    print_setup(ws, 3, 2)


PLUS_SUMMARY_WIDTHS = (48, 12, 14)  # the labels, then the chart tables' Perioden and Sedan starten
SUMMARY_CHARTS = (
    ("Arbetsmarknadsstatus vid inträdet", (("Arbetslösa", "EECO02"), ("Inaktiva", "EECO04"),
                                           ("Sysselsatta", "EECO05"))),
    ("Situation när deltagarna lämnade", (("I arbete", "EECR04"), ("I utbildning", "EECR02"),
                                          ("Söker arbete", "EECR01"), ("Annan situation", fp.LEFT_OTHER),
                                          ("Okänd eller saknas", fp.LEFT_UNKNOWN))),
)


def write_indicator_summary(wb, ws, fmt: Formats, figs: Figures, report: Report, run: RunInfo, changes=None) -> None:
    """Sammanfattning under ESF+: the project, the headline figures, the checks, and two charts from small
    tables of Indikatorer's figures on the sheet itself."""
    headline = [(label, figs(fp.INDICATORS, row, column)) for label, row, column in fp.HEADLINE]
    r = write_summary_head(ws, fmt, report, run, changes, headline, ("Indikatorer", "Se bladet Indikatorer."),
                           PLUS_SUMMARY_WIDTHS[1:])
    r += 2
    for c, (title, rows) in enumerate(SUMMARY_CHARTS):
        ws.write_string(r, 0, title, fmt.heading)
        ws.write_row(r + 1, 0, ("", f"{form.PERIOD_COLUMN}", form.SINCE_START), fmt.header)
        first = r + 2
        for i, (label, row) in enumerate(rows, start=first):
            ws.write_string(i, 0, label, fmt.label)
            ws.write_number(i, 1, figs(fp.INDICATORS, row, form.PERIOD_COLUMN), fmt.count)
            ws.write_number(i, 2, figs(fp.INDICATORS, row, form.SINCE_START), fmt.count)
        last = first + len(rows) - 1
        chart = wb.add_chart({"type": "bar"})
        for col, name in ((1, f"{form.PERIOD_COLUMN} {report.period.label}"), (2, form.SINCE_START)):
            chart.add_series({"name": name, "categories": [form.SUMMARY, first, 0, last, 0],
                              "values": [form.SUMMARY, first, col, last, col]})
        chart.set_title({"name": title})
        chart.set_x_axis({"min": 0, "name": "Personer"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 560, "height": 250 + 22 * len(rows)})  # room for every category's label
        ws.insert_chart(2 + 17 * c, 4, chart)
        r = last + 2
    for col, width in enumerate(PLUS_SUMMARY_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
