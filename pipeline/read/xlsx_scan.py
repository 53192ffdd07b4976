"""What fastexcel does not show of a workbook: error cells, formulas without a stored value, and sizes.

For .ods and .xls, fastexcel reads an error cell as empty too: `ods_error_cells` streams the
OpenDocument content, `xls_error_cells` reads the BIFF cells with xlrd, so that an `#N/A` in
`Utskriven` is named in every format instead of counting the person as still enrolled.

fastexcel reads an Excel error (`#N/A`) or a formula that was never calculated as an
empty cell; that would silently drop a value. This module scans the sheet XML for
such cells, so that each becomes a problem naming its cell. The XML is parsed as XML,
in a stream: any namespace prefix (`<x:c>`, as .NET writers emit) and any attribute order.
A text formula whose stored result is the empty string (`t="str"` and `<v></v>`, as
LibreOffice saves `=IF(G30="";"";1)`) has a value: it is an empty cell. It also checks the uncompressed
size of the package before anything is decompressed (a zip bomb is refused, not read).
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

# far beyond any real register: 1,000,000 enrolments take about 150 MB of sheet XML
MAX_UNCOMPRESSED_BYTES = 2_000_000_000
MAX_COMPRESSION_RATIO = 200

_SHEET = re.compile(rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')


class PackageRefused(Exception):
    """The package is not safe to open (sizes far beyond any register)."""


@dataclass(frozen=True)
class HiddenCell:
    cell: str
    kind: str  # "error" or "formula"
    value: str


def check_package_size(source: BinaryIO) -> None:
    """Refuse an .xlsx whose uncompressed parts are far larger than any real register, and one whose parts
    declare an uncompressed size smaller than their compressed data: no real writer does that, and a reader
    that trusts the declared size would inflate such a part without limit (a 6 MB package declaring 59 KB
    inflated to 6 GB in memory)."""
    if not zipfile.is_zipfile(source):
        return
    with zipfile.ZipFile(source) as package:
        infos = package.infolist()
    lying = [i for i in infos if i.compress_size > i.file_size * 1.1 + 1024]
    if lying:
        raise PackageRefused(f"delen {lying[0].filename} säger sig vara {lying[0].file_size} byte men packad är den "
                             f"{lying[0].compress_size} byte")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or (total > 50_000_000 and total / packed > MAX_COMPRESSION_RATIO):
        raise PackageRefused(f"{total / 1e9:.1f} GB uppackat från {packed / 1e6:.1f} MB")


# a cell with a value: any prefix, its reference wherever it stands among the attributes, then perhaps a formula
_FIRST_VALUE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="[A-Z]+(\d+)"[^>]*?(?<!/)>'
                          rb'(?:<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>))?<(?:\w+:)?(?:v|is)>', re.S)


def first_value_rows(source: BinaryIO) -> dict[str, int]:
    """Each sheet's first row holding a value (1-based) of an .xlsx, read from the start of its XML only."""
    if not zipfile.is_zipfile(source):
        return {}
    rows: dict[str, int] = {}
    with zipfile.ZipFile(source) as package:
        names = set(package.namelist())
        if "xl/workbook.xml" not in names:
            return {}
        for sheet, target in _sheet_targets(package).items():
            if target not in names:
                continue
            with package.open(target) as stream:
                head = b""
                while True:
                    chunk = stream.read(1 << 16)
                    head += chunk
                    found = _FIRST_VALUE.search(head)
                    if found or not chunk:
                        break
                    head = head[-4096:]  # keep a tail in case a cell straddles the chunks
            if found:
                rows[sheet] = int(found.group(1))
    return rows


# a formula element or an error cell, with or without a namespace prefix (RE2's syntax)
_FORMULA_OR_ERROR = r"<(\w+:)?f[\s/>]|t=[\"']e[\"']"
# What every match of it holds, one pattern per alternative, each led by a byte that is rare in a sheet's
# cells, which RE2 finds by skipping ahead: a window holding neither has no match, and is passed over at
# several times the speed of the pattern itself (its alternatives led by "<" and "t", which every cell has).
_FORMULA_OR_ERROR_HINTS = (r"f[\s/>]", r"e[\"']")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _contains(window: bytes, pattern: str) -> bool:
    """Whether `window` holds the regular expression `pattern`, searched by pyarrow's RE2: in one linear
    pass and without holding the GIL, so that the scan of a large sheet runs beside fastexcel instead of
    taking turns with it (six bytes.find took twice as long, all of it under the GIL; pyarrow's plain
    substring search is slower than RE2's on a literal)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = pa.py_buffer(np.array([0, len(window)], dtype=np.int32))
    one = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(window)])
    return pc.match_substring_regex(one, pattern)[0].as_py()


def _skim(package: zipfile.ZipFile, target: str) -> tuple[bool, list[str]]:
    """Whether the sheet holds a formula or an error cell, and its merged ranges, read in a stream (never
    whole in memory)."""
    tail, formula_or_error, merged = b"", False, []
    with package.open(target) as stream:
        while chunk := stream.read(1 << 22):
            window = tail + chunk
            if not formula_or_error and any(_contains(window, hint) for hint in _FORMULA_OR_ERROR_HINTS):
                formula_or_error = _contains(window, _FORMULA_OR_ERROR)
            if _contains(window, "mergeCell"):
                cut = window.rfind(b"<")  # an element cut at the chunk's end is matched with the next chunk
                merged += [m.group(1).decode() for m in _MERGE.finditer(window[:cut])]
                tail = window[cut:]
            else:
                tail = chunk[-256:]
        merged += [m.group(1).decode() for m in _MERGE.finditer(tail)]
    return formula_or_error, sorted(set(merged))


@dataclass
class SheetScan:
    """What the sheet XML says beyond the cells fastexcel reads, by sheet name."""

    hidden: dict[str, list[HiddenCell]]  # error cells and formulas without a stored value
    merged: dict[str, list[str]]  # merged ranges, "A2:A4"
    totals: dict[str, list[int]]  # rows that an Excel Table marks as its totals row
    shown: dict[str, dict[str, str]] = field(default_factory=dict)  # cell -> number as its format shows it


_NUMBER_FORMAT = re.compile(rb'<(?:\w+:)?numFmt\s[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
# what a number format may hold besides its zeros for a number to be shown as a text: quoted text ("N-"), an
# escaped character (\N), and the characters Excel shows as they are without either
_LITERAL = re.compile(r'"([^"]*)"|\\(.)|([-+ ()/:$€£_])')


def shown_form(format_code: str) -> tuple[str, int, str] | None:
    """(text before, zeros, text after) of a number format that shows a whole number as padded digits with text
    around them (`000`, `"N-"000`, `\\N\\-000`); None for any other format (decimals, thousands, dates, ...)."""
    prefix, width, suffix, at = "", 0, "", 0
    while at < len(format_code):
        if format_code[at] == "0":
            if suffix or (width and format_code[at - 1] != "0"):
                return None  # a second run of zeros
            width += 1
            at += 1
            continue
        literal = _LITERAL.match(format_code, at)
        if not literal:
            return None
        text = next(group for group in literal.groups() if group is not None)
        if width:
            suffix += text
        else:
            prefix += text
        at = literal.end()
    return (prefix, width, suffix) if width and (width > 1 or prefix or suffix) else None


def shown_number(form: tuple[str, int, str], value: float) -> str:
    """A whole number as a `shown_form` shows it (8 under `"N-"000` is N-008)."""
    prefix, width, suffix = form
    return f"{prefix}{str(int(value)).zfill(width)}{suffix}"


_CELL_XFS = re.compile(rb'<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>', re.S)
_XF = re.compile(rb'<(?:\w+:)?xf\b([^>]*)')


def zero_padded_styles(package: zipfile.ZipFile, names: set[str]) -> dict[str, tuple[str, int, str]]:
    """Cell styles whose number format shows a whole number as text: padded with leading zeros (`000`: 44 shows
    as 044), and with text around it (`"N-"000`: 8 shows as N-008): style index -> `shown_form`. Usually none,
    and then no sheet is read for them."""
    if "xl/styles.xml" not in names:
        return {}
    styles = package.read("xl/styles.xml")
    widths = {m.group(1): form for m in _NUMBER_FORMAT.finditer(styles)
              if (form := shown_form(_unescape(m.group(2).decode("utf-8", "replace")))) is not None}
    xfs = _CELL_XFS.search(styles)
    if not widths or not xfs:
        return {}
    padded = {}
    for index, xf in enumerate(_XF.finditer(xfs.group(1))):
        number_format = re.search(rb'numFmtId="(\d+)"', xf.group(1))
        if number_format and number_format.group(1) in widths:
            padded[str(index)] = widths[number_format.group(1)]
    return padded


def _shown_numbers(package: zipfile.ZipFile, target: str, padded: dict[str, tuple[str, int, str]]) -> dict[str, str]:
    """The sheet's number cells in such a style, as a spreadsheet shows them (44 -> "044", 8 -> "N-008")."""
    styles = "|".join(re.escape(index) for index in padded)
    cell = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bs="(' + styles.encode() + rb')"[^>]*)>\s*<(?:\w+:)?v>([0-9.]+)</')
    shown, tail = {}, b""
    with package.open(target) as stream:
        while chunk := stream.read(1 << 22):
            window = tail + chunk  # a cell cut by the chunk's end is whole in the next window; found twice is once
            for m in cell.finditer(window):
                reference = re.search(rb'\br="([A-Z]+[0-9]+)"', m.group(1))
                typed = re.search(rb'\bt="(\w+)"', m.group(1))
                value = float(m.group(3))
                if reference and (typed is None or typed.group(1) == b"n") and value == int(value):
                    shown[reference.group(1).decode()] = shown_number(padded[m.group(2).decode()], value)
            tail = window[-2048:]
    return shown


_TABLE_RELATION = re.compile(rb'<Relationship\s[^>]*?relationships/table"[^>]*>|<Relationship\s[^>]*?Target="[^"]*'
                             rb'tables/[^"]*"[^>]*>')
_TARGET = re.compile(rb'Target="([^"]+)"')
_TABLE = re.compile(rb'<(?:\w+:)?table\s[^>]*>')


def _totals_rows(package: zipfile.ZipFile, names: set[str], target: str) -> list[int]:
    """The totals rows of the Excel Tables on one sheet (the last row of a table with totalsRowCount)."""
    sheet = PurePosixPath(target)
    rels = str(sheet.parent / "_rels" / f"{sheet.name}.rels")
    if rels not in names:
        return []
    rows = []
    for relation in _TABLE_RELATION.finditer(package.read(rels)):
        found = _TARGET.search(relation.group(0))
        if not found:
            continue
        link = found.group(1).decode()
        table = _normalise(link.lstrip("/") if link.startswith("/") else f"{sheet.parent}/{link}")
        if table not in names:
            continue
        head = _TABLE.search(package.read(table))
        ref = re.search(rb'\bref="[A-Z]+[0-9]+:[A-Z]+([0-9]+)"', head.group(0)) if head else None
        count = re.search(rb'\btotalsRowCount="([0-9]+)"', head.group(0)) if head else None
        if ref and count and int(count.group(1)) > 0:
            last = int(ref.group(1))
            rows += list(range(last - int(count.group(1)) + 1, last + 1))
    return rows


def _normalise(path: str) -> str:
    """`xl/worksheets/../tables/table1.xml` -> `xl/tables/table1.xml`."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def scan_sheets(source: BinaryIO) -> SheetScan:
    """Of an .xlsx, by sheet name: its error cells and formulas without a stored value, its merged ranges
    and its Tables' totals rows."""
    scan = SheetScan({}, {}, {})
    if not zipfile.is_zipfile(source):
        return scan
    with zipfile.ZipFile(source) as package:
        names = set(package.namelist())
        if "xl/workbook.xml" not in names:
            return scan
        padded = zero_padded_styles(package, names)
        for sheet, target in _sheet_targets(package).items():
            if target not in names:
                continue
            if padded:
                scan.shown[sheet] = _shown_numbers(package, target, padded)
            totals = _totals_rows(package, names, target)
            if totals:
                scan.totals[sheet] = totals
            formula_or_error, merged = _skim(package, target)
            if merged:
                scan.merged[sheet] = merged
            if formula_or_error:
                with package.open(target) as stream:
                    cells = _scan(stream)
                if cells:
                    scan.hidden[sheet] = cells
    return scan



# fastexcel (calamine) holds a sheet as one dense block from its first to its last cell with a value: a value
# typed far out (XFD1048576, after Ctrl+End) would take hundreds of gigabytes, and the process is aborted by the
# allocator, beyond anything Python can catch. 60 million cells is 60 columns of a million rows.
MAX_SHEET_CELLS = 60_000_000
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?"')
_VALUED = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?<!/)>'
                     rb'(?:<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>))?<(?:\w+:)?(?:v|is)>', re.S)


@dataclass(frozen=True)
class FarCell:
    """A sheet whose cells with a value span more than `MAX_SHEET_CELLS`: its farthest cell."""

    sheet: str
    cells_out: tuple[str, ...]  # the cell farthest down and the one farthest right (one, when they are the same)
    cells: int  # the block's size, rows times columns


def too_far_out(source: BinaryIO) -> list[FarCell]:
    """The sheets of an .xlsx that fastexcel cannot load as one block, each with the cell farthest out.

    The `<dimension>` a writer puts first in a sheet says its extent at once; only where it claims more than
    the limit (it also counts cells that are merely formatted) or is missing are the cells with a value
    themselves looked at, in a stream."""
    if not zipfile.is_zipfile(source):
        return []
    found = []
    with zipfile.ZipFile(source) as package:
        names = set(package.namelist())
        if "xl/workbook.xml" not in names:
            return []
        for sheet, target in _sheet_targets(package).items():
            if target not in names:
                continue
            with package.open(target) as stream:
                head = stream.read(4096)
            claimed = _DIMENSION.search(head)
            if claimed and _block(claimed.group(1), claimed.group(2), claimed.group(3) or claimed.group(1),
                                  claimed.group(4) or claimed.group(2)) <= MAX_SHEET_CELLS:
                continue
            far = _valued_extent(package, target)
            if far is not None and far[1] > MAX_SHEET_CELLS:
                found.append(FarCell(sheet, *far))
    return found


def _block(first_letters: bytes, first_row: bytes, last_letters: bytes, last_row: bytes) -> int:
    rows = int(last_row) - int(first_row) + 1
    columns = _column_index(last_letters.decode()) - _column_index(first_letters.decode()) + 1
    return max(rows, 1) * max(columns, 1)


def _valued_extent(package: zipfile.ZipFile, target: str) -> tuple[tuple[str, ...], int] | None:
    """The cells farthest down and farthest right of those with a value, and the block they all span, read in
    4 MB windows that are cut at the start of a row, so that no cell is split between two."""
    low, high = [None, None], [0, 0]  # (row, column)
    extreme = ["", ""]  # the cell farthest down, the one farthest right
    tail = b""
    with package.open(target) as stream:
        while True:
            window = stream.read(4 << 20)
            data = tail + window
            cut = _last_row_start(data) if window else len(data)
            for match in _VALUED.finditer(data, 0, cut):
                place = (int(match.group(2)), _column_index(match.group(1).decode()))
                for axis in (0, 1):
                    low[axis] = place[axis] if low[axis] is None else min(low[axis], place[axis])
                    if place[axis] > high[axis]:
                        high[axis], extreme[axis] = place[axis], f"{match.group(1).decode()}{place[0]}"
            tail = data[cut:]
            if not window:
                break
    if low[0] is None:
        return None
    return tuple(dict.fromkeys(extreme)), (high[0] - low[0] + 1) * (high[1] - low[1] + 1)


def _last_row_start(data: bytes) -> int:
    at = max(data.rfind(b"<row"), data.rfind(b":row"))
    return data.rfind(b"<", 0, at + 1) if at > 0 else 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scan(stream) -> list[HiddenCell]:
    """The error cells and formulas without a stored value of one sheet's XML, parsed in a stream."""
    cells: list[HiddenCell] = []
    row, column = 0, 0
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                row, column = int(element.get("r") or row + 1), 0
            continue
        if tag == "c":
            reference = element.get("r")
            column = _column_index(reference) if reference else column + 1
            reference = reference or f"{_letters(column)}{row}"
            children = {_local(child.tag): child for child in element}
            value = children.get("v")
            if element.get("t") == "e":
                cells.append(HiddenCell(reference, "error", (value.text or "#FEL") if value is not None else "#FEL"))
            elif "f" in children and (value is None or (not value.text and element.get("t") != "str")):
                # no result stored; an empty result of a text formula (t="str") is a stored empty string
                cells.append(HiddenCell(reference, "formula", ""))
            element.clear()
        elif tag == "row":
            element.clear()
    return cells


def _column_index(reference: str) -> int:
    index = 0
    for letter in reference.rstrip("0123456789"):
        index = index * 26 + ord(letter) - 64
    return index


def _letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def chart_sheets(source: BinaryIO) -> set[str]:
    """The chart sheets of an .xlsx (sheets that hold one chart and no cells): fastexcel lists them with the
    worksheets, and loading one prints an English line of its own on the console."""
    if not zipfile.is_zipfile(source):
        return set()
    with zipfile.ZipFile(source) as package:
        if "xl/workbook.xml" not in package.namelist():
            return set()
        return {name for name, target in _sheet_targets(package).items() if "/chartsheets/" in target}


_TARGETS: dict[tuple, dict[str, str]] = {}  # by the checksums and sizes of workbook.xml and its relations


def _sheet_targets(package: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's part, by sheet name. Asked for by several scans of one file, and in a worker by the same
    workbook again and again: kept by the parts' checksums, which the package states without inflating them."""
    names = package.namelist()
    parts = [package.getinfo(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") if n in names]
    key = tuple((i.filename, i.CRC, i.file_size) for i in parts)
    if key in _TARGETS:
        return _TARGETS[key]
    if len(_TARGETS) > 256:
        _TARGETS.clear()
    _TARGETS[key] = targets = _read_sheet_targets(package)
    return targets


def _read_sheet_targets(package: zipfile.ZipFile) -> dict[str, str]:
    workbook = package.read("xl/workbook.xml")
    rels = package.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in package.namelist() else b""
    by_id = {}
    for m in _REL.finditer(rels):
        rel_id, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode()
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        by_id[rel_id] = path
    return {_unescape(m.group(1).decode()): by_id.get(m.group(2), "") for m in _SHEET.finditer(workbook)}


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


# --- .ods and .xls -------------------------------------------------------------------------

EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


# a whole number as a number format shows it: text around it, its digits perhaps padded with zeros ("N-008")
_SHOWN = re.compile(r"^(?P<before>[^\d\s.,]*)(?P<digits>\d+)(?P<after>[^\d.,%]*)$")


def shown_as(value: float, text: str) -> str | None:
    """The text a spreadsheet shows for a whole-number cell, where its format adds text or zeros to the number
    (8 shown as N-008, 44 as 044); None where it shows the number itself, or anything but a whole number."""
    found = _SHOWN.match(text.strip())
    if not found or value != int(value) or int(found.group("digits")) != int(value):
        return None
    if not (found.group("before") or found.group("after").strip() or found.group("digits") != str(int(value))):
        return None
    return text.strip()


def ods_error_cells(source: BinaryIO, shown: dict[str, dict[str, str]] | None = None) -> dict[str, list[HiddenCell]]:
    """Error cells of an .ods, by sheet name: a formula showing an Excel error, or a cell LibreOffice marks as
    an error. Rows and columns repeated by the format are counted, so each cell is named as a spreadsheet shows it.
    Into `shown`, by sheet name, the number cells whose format adds text or zeros, as the sheet shows them (the
    OpenDocument keeps the shown text beside the value)."""
    if not zipfile.is_zipfile(source):
        return {}
    found: dict[str, list[HiddenCell]] = {}
    with zipfile.ZipFile(source) as package:
        if "content.xml" not in package.namelist():
            return {}
        with package.open("content.xml") as stream:
            sheet, row, column, rows_repeated = "", 0, 0, 1
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                tag = _local(element.tag)
                if event == "start":
                    if tag == "table":
                        sheet, row = element.get(f"{{{_TABLE_NS}}}name", ""), 0
                    elif tag == "table-row":
                        rows_repeated = int(element.get(f"{{{_TABLE_NS}}}number-rows-repeated", "1"))
                        row, column = row + 1, 0
                    continue
                if tag in ("table-cell", "covered-table-cell"):
                    text = "".join(element.itertext()).strip()
                    is_error = element.get(f"{{{_CALCEXT_NS}}}value-type") == "error" or (
                        element.get(f"{{{_TABLE_NS}}}formula") is not None and text in EXCEL_ERRORS)
                    if is_error:
                        found.setdefault(sheet, []).append(HiddenCell(f"{_letters(column + 1)}{row}", "error",
                                                                      text or "#FEL"))
                    elif shown is not None and element.get(f"{{{_OFFICE_NS}}}value-type") == "float":
                        as_shown = shown_as(float(element.get(f"{{{_OFFICE_NS}}}value", "nan")), text)
                        if as_shown is not None:
                            shown.setdefault(sheet, {})[f"{_letters(column + 1)}{row}"] = as_shown
                    column += int(element.get(f"{{{_TABLE_NS}}}number-columns-repeated", "1"))
                    element.clear()
                elif tag == "table-row":
                    row += rows_repeated - 1
                    element.clear()
    return found


def xls_error_cells(content: bytes, shown: dict[str, dict[str, str]] | None = None) -> dict[str, list[HiddenCell]]:
    """Error cells of an .xls (BIFF), by sheet name, read with xlrd; into `shown`, by sheet name, the number
    cells whose format adds text or zeros (`shown_form`), as the sheet shows them."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True, formatting_info=shown is not None)
    except Exception:  # noqa: BLE001 - a file xlrd cannot read has been read by fastexcel already, or refused
        return {}
    forms = {}
    if shown is not None:
        forms = {i: form for i, xf in enumerate(book.xf_list) if xf.format_key in book.format_map
                 and (form := shown_form(book.format_map[xf.format_key].format_str)) is not None}
    found: dict[str, list[HiddenCell]] = {}
    for sheet in book.sheets():
        for r in range(sheet.nrows):
            types = sheet.row_types(r)
            for c in (i for i, kind in enumerate(types) if kind == xlrd.XL_CELL_ERROR):
                code = sheet.cell_value(r, c)
                found.setdefault(sheet.name, []).append(
                    HiddenCell(f"{_letters(c + 1)}{r + 1}", "error", xlrd.error_text_from_code.get(code, "#FEL")))
            if forms:
                for c in (i for i, kind in enumerate(types) if kind == xlrd.XL_CELL_NUMBER):
                    form, value = forms.get(sheet.cell_xf_index(r, c)), sheet.cell_value(r, c)
                    if form is not None and value == int(value):
                        shown.setdefault(sheet.name, {})[f"{_letters(c + 1)}{r + 1}"] = shown_number(form, value)
    return found
