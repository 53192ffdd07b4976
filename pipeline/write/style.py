"""The look of every workbook the tool writes: colours, fonts, cell formats, widths and page setup.

The ESF workbook, the internal worklist, the error workbook (a marked copy of the
register, or one rebuilt from its cells) and the coaches' template all take their
colours and formats from here, whichever library writes them: xlsxwriter gets
`Formats`, openpyxl gets `fill`, and the worklist's hand-made styles part is built
from the same colours.
"""

from __future__ import annotations

FONT, FONT_SIZE = "Arial", 10
# the workbook's own font is the cells' (xlsxwriter's default is Calibri 11): a column's width is counted in its
# digits, and LibreOffice, which prints the PDF, has Arial's metrics (Liberation Sans) where it may lack Calibri's
WORKBOOK_FONT = {"default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE}, "default_row_height": 17}
HEADER = "D9E1F2"  # header cells of every table
GRID = "A6A6A6"  # the thin grid of the internal workbooks' tables
ERROR, ERROR_TEXT = "FFC7CE", "9C0006"  # a failed check, a cell with an error
WARNING = "FFEB9C"  # a cell with a warning
OK, OK_TEXT = "C6EFCE", "006100"  # a passed check
LINK = "0563C1"
NOTE_TEXT = "595959"
A4 = 9  # xlsxwriter's paper code
DATE_FORMAT = "yyyy-mm-dd"

# the Fel sheet of the error workbook: one problem a row, with a link to its cell; it prints landscape,
# one page wide, its messages wrapped
LISTING_SHEET = "Fel"
LISTING_HEADERS = ("Typ", "Blad", "Cell", "Värde", "Problem")
LISTING_WIDTHS = (9, 22, 9, 24, 90)
LISTING_LINK = 2  # the column of the cell, which links to it


class Formats:
    """The ESF workbook's cell formats (xlsxwriter), defined once per workbook."""

    def __init__(self, wb):
        border = {"border": 1, "font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        header = border | {"bold": True, "bg_color": f"#{HEADER}", "text_wrap": True}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_name": FONT})
        self.heading = wb.add_format({"bold": True, "font_size": 11, "font_name": FONT})
        self.plain = wb.add_format({"font_name": FONT, "font_size": FONT_SIZE, "text_wrap": True, "valign": "top"})
        self.header = wb.add_format(header | {"align": "center"})
        self.header_left = wb.add_format(header)
        self.label = wb.add_format(border | {"text_wrap": True})
        self.label_bold = wb.add_format(border | {"bold": True, "text_wrap": True})
        self.sub = wb.add_format(border | {"indent": 1, "text_wrap": True})
        self.count = wb.add_format(border | {"num_format": "0", "align": "center"})
        self.count_bold = wb.add_format(border | {"num_format": "0", "align": "center", "bold": True})
        self.decimal = wb.add_format(border | {"num_format": "0.0", "align": "center"})
        self.share = wb.add_format(border | {"num_format": "0 %", "align": "center"})
        self.share_decimal = wb.add_format(border | {"num_format": "0.0 %", "align": "center"})
        self.text_center = wb.add_format(border | {"align": "center", "bold": True})
        self.empty = wb.add_format(border)
        self.ok = wb.add_format(border | {"bold": True, "align": "center", "text_wrap": True, "bg_color": f"#{OK}",
                                          "font_color": f"#{OK_TEXT}"})
        self.failed = wb.add_format(border | {"bold": True, "align": "center", "text_wrap": True,
                                              "bg_color": f"#{ERROR}",
                                              "font_color": f"#{ERROR_TEXT}"})
        self.note = wb.add_format({"italic": True, "font_color": f"#{NOTE_TEXT}", "font_name": FONT, "font_size": 9,
                                   "text_wrap": True, "valign": "top"})


LINE_HEIGHT = 12.75  # points of one line of wrapped Arial 10 (17 pixels, as the files store it)
CHARACTERS_PER_WIDTH = 1.25  # characters of Swedish text that one unit of column width holds


def wrapped_height(text: str, width: float) -> float:
    """The height a wrapped cell of that column width needs (LibreOffice keeps the default height)."""
    per_line = int(width * CHARACTERS_PER_WIDTH)
    return LINE_HEIGHT * max(1, -(-len(text) // per_line))


# A4 landscape within xlsxwriter's default margins (0.7 inch at the sides, 0.75 at top and bottom): the width
# in screen pixels of a column's width (7 a unit, and 5 of padding, at 96 to the inch) and the height in points
PRINTABLE_PIXELS = (11.69 - 1.4) * 96
PRINTABLE_POINTS = ((8.27 - 1.5) * 72 - 12) * 0.95  # less a line for the header and footer, and a margin
MIN_PRINT_SCALE = 80  # % of FONT_SIZE 10: nothing prints below 8 pt


def column_pixels(width: float) -> float:
    return width * 7 + 5


def fit_scale(widths: list[float]) -> float:
    """The scale at which columns of these widths fit one A4 landscape page wide (at most 1)."""
    return min(1.0, PRINTABLE_PIXELS / sum(column_pixels(w) for w in widths))


def print_setup(ws, header_rows: int, first_columns: int = 1, widths: list[float] | None = None,
                together: int = 1) -> None:
    """A table sheet (xlsxwriter): landscape A4, its header rows frozen and repeated, one page wide where that
    keeps its text legible (`widths`, the columns' widths, say; none: always). A table too wide for that is
    printed at `MIN_PRINT_SCALE` over as many pages as it needs, each repeating its row labels (the first
    columns) and breaking only between groups of `together` columns (a kv/m pair is never split)."""
    ws.set_landscape()
    ws.set_paper(A4)
    if widths is None or fit_scale(widths) * 100 >= MIN_PRINT_SCALE or not first_columns:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(MIN_PRINT_SCALE)
        ws.repeat_columns(0, first_columns - 1)
        ws.set_v_pagebreaks(column_breaks(widths, first_columns, together))
    ws.freeze_panes(header_rows, first_columns)
    ws.repeat_rows(0, header_rows - 1)


def column_breaks(widths: list[float], first_columns: int, together: int) -> list[int]:
    """The columns to start a new page at, printed at `MIN_PRINT_SCALE` with the first columns on every page:
    as many whole groups of `together` columns (after the first ones) as a page holds."""
    room = PRINTABLE_PIXELS * 100 / MIN_PRINT_SCALE - sum(column_pixels(w) for w in widths[:first_columns])
    breaks, used = [], 0.0
    for start in range(first_columns, len(widths), together):
        group = sum(column_pixels(w) for w in widths[start:start + together])
        if used and used + group > room:
            breaks.append(start)
            used = 0.0
        used += group
    return breaks


def page_breaks(heights: list[float], headings: set[int] | dict[int, int], scale: float = 1.0,
                repeated: float = 0.0, usable: float = PRINTABLE_POINTS) -> list[int]:
    """The rows to start a new page at, so that no heading stands alone at a page's foot: `heights` of the
    sheet's rows from the first (points), `headings` the rows that must stay with the row after them (or, as a
    dict, with that many rows after them: a short section kept whole), printed at `scale`, with `repeated`
    points of header rows at the top of each page after the first."""
    room = usable / scale
    keep = headings if isinstance(headings, dict) else dict.fromkeys(headings, 1)
    breaks, used = [], 0.0
    for row, height in enumerate(heights):
        following = sum(heights[row + 1:row + 1 + keep.get(row, 0)])
        # every page's end is set here, not left to the printer: the reckoning is cautious (a page holds a little
        # more than it counts on), so the printer never breaks first, between a heading and its rows
        if used and (used + height > room or following and used + height + following > room):
            breaks.append(row)
            used = repeated
        used += height
    return breaks


# every printed page of every workbook says what it is: a header (the project and the period, or the file's
# purpose) and a footer (the sheet's name, and "Sida N av M"), in Excel's print codes
PAGE_FOOTER = "&L&A&RSida &P av &N"
HEADER_CHARACTERS = 100  # of each side of a header: Excel takes 255 characters for the whole


def page_header(left: str, right: str = "") -> str:
    """The header's print codes: `left` and `right` as they read (a literal "&" doubled)."""
    def literal(text: str) -> str:
        return text[:HEADER_CHARACTERS].replace("&", "&&")
    return f"&L{literal(left)}&R{literal(right)}"


def header_and_footer(ws, left: str, right: str = "") -> None:
    """An xlsxwriter sheet's header and footer."""
    ws.set_header(page_header(left, right))
    ws.set_footer(PAGE_FOOTER)


def printable_sheet(ws, left: str, right: str = "", title_rows: str | None = None) -> None:
    """An openpyxl sheet printed as every sheet is: A4 landscape, one page wide, its header row (`title_rows`,
    "1:1") on every page, and the header and footer of `header_and_footer`."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    header = page_header(left, right)  # openpyxl writes its parts' text as it is given: the codes are ours
    ws.oddHeader.left.text, ws.oddHeader.right.text = header[2:header.index("&R")], header[header.index("&R") + 2:]
    ws.oddFooter.left.text, ws.oddFooter.right.text = "&A", "Sida &P av &N"


def fill(colour: str):
    """A solid openpyxl fill of one of the colours above."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=colour, end_color=colour)
