"""The look of every workbook the tool writes: colours, fonts, cell formats, widths and page setup.

The ESF workbook, the internal worklist, the error workbook (a marked copy of the
register, or one rebuilt from its cells) and the coaches' template all take their
colours and formats from here, whichever library writes them: xlsxwriter gets
`Formats`, openpyxl gets `fill`, and the worklist's hand-made styles part is built
from the same colours.
"""

from __future__ import annotations

FONT, FONT_SIZE = "Arial", 10
HEADER = "D9E1F2"  # header cells of every table
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


def print_setup(ws, header_rows: int, first_columns: int = 1) -> None:
    """A table sheet (xlsxwriter): landscape A4, one page wide, its header rows frozen and repeated."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.freeze_panes(header_rows, first_columns)
    ws.repeat_rows(0, header_rows - 1)


def fill(colour: str):
    """A solid openpyxl fill of one of the colours above."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=colour, end_color=colour)
