"""Problems found in a register: what they are, where they are, and how they are ordered.

A problem names its sheet, its cell as Excel shows it (or a row, or nothing for a
whole-sheet problem), the value as written and what was expected, in Swedish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ERROR, WARNING, NOTICE = "Fel", "Varning", "Notis"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible_controls(text: str) -> str:
    """Text from the register as a terminal or a cell may show it: control characters (an escape sequence,
    a stray \\x01) written out as `\\x01`, never passed on to do what they do."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}
_SHEET_ORDER = {"Projekt": 0, "Perioder": 1, "Deltagare": 2, "Arbetsgivarkontakter": 3}  # as a coach fills them


@dataclass(frozen=True)
class Problem:
    severity: str
    sheet: str
    cell: str  # "F17", or "" for a problem of the whole sheet
    value: str
    message: str

    @property
    def row(self) -> int:
        digits = re.search(r"\d+", self.cell)
        return int(digits.group()) if digits else 0

    @property
    def place(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def text(self) -> str:
        value = f" (värde: {self.value!r})" if self.value != "" else ""
        place = f"{self.place}{value}: " if self.place else ""
        return visible_controls(f"{self.severity}: {place}{self.message}")

    def sort_key(self) -> tuple:
        col = re.sub(r"[\d:]", "", self.cell)
        return (_SEVERITY_ORDER[self.severity], _SHEET_ORDER.get(self.sheet, 9), self.sheet,
                self.row, len(col), col, self.message)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=Problem.sort_key)


class RegisterInvalid(Exception):
    """The register cannot be reported: it carries the problems that say why."""

    def __init__(self, problems: list[Problem], rows_read: int = 0, sheets: dict | None = None):
        super().__init__(f"{len(problems)} problem")
        self.problems = sort_problems(problems)
        self.rows_read = rows_read
        self.sheets = sheets or {}  # the sheets as read (RawSheet by name), for the error workbook


class UsageError(Exception):
    """A problem of how the run was asked for (no such file, a period the register does not have, an
    output folder that cannot be written): a Swedish message, exit status 2, nothing written."""


class RegisterUnreadable(Exception):
    """The file is no readable workbook (not a workbook, encrypted, broken)."""


def column_letter(index: int) -> str:
    """0-based column index to Excel's letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
