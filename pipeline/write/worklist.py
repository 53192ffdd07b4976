"""The internal follow-up worklist: who is due for the 90-day follow-up and not yet followed up.

It names persons (`Deltagar-ID`, coach), so it is a separate file marked internal,
never part of the ESF workbook. A programme's register can make it a hundred
thousand rows long, so its sheet XML is joined by pyarrow, column by column (a
per-cell writer would cost seconds), and the minimal .xlsx around it is made in
memory, so that a run (`pipeline.run`) can zip it in a thread while the tables are counted.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.period import Period
from pipeline.write import style

EXCEL_EPOCH = pd.Timestamp("1899-12-30")

SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{sheets}
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""
# the author and the Diarienummer as a report's (`pipeline.read.earlier` finds the last list of a project by them),
# the period in the subject
_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>INTERNT – {what}</dc:title><dc:subject>{period}</dc:subject><dc:creator>{author}</dc:creator>
<cp:keywords>{keywords}</cp:keywords><dc:description>Internt dokument. Skickas inte till ESF.</dc:description>
</cp:coreProperties>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets>
<definedNames>{titles}</definedNames>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}
<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
# styles: 0 plain, 1 date, 2 bold header on the tables' header colour, 3 bold red title; a table's cells 4 text,
# 5 date, 6 number, each with a thin grid and aligned left, so that neighbouring values never read as one
_DATE_CODE = style.DATE_FORMAT.replace("-", "\\-")  # a literal "-" in a number format is escaped
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="{_DATE_CODE}"/></numFmts>
<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>
<font><b/><sz val="12"/><color rgb="FF{style.ERROR_TEXT}"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FF{style.HEADER}"/></patternFill></fill></fills>
<borders count="2"><border/><border><left style="thin"><color rgb="FF{style.GRID}"/></left><right style="thin"><color rgb="FF{style.GRID}"/></right><top style="thin"><color rgb="FF{style.GRID}"/></top><bottom style="thin"><color rgb="FF{style.GRID}"/></bottom></border></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="7"><xf/><xf numFmtId="164" applyNumberFormat="1"/>
<xf fontId="1" fillId="2" borderId="1" applyFont="1" applyFill="1" applyBorder="1"><alignment horizontal="left" vertical="top" wrapText="1"/></xf>
<xf fontId="2" applyFont="1"/>
<xf borderId="1" applyBorder="1" applyAlignment="1"><alignment horizontal="left" vertical="top"/></xf>
<xf numFmtId="164" borderId="1" applyNumberFormat="1" applyBorder="1" applyAlignment="1"><alignment horizontal="left" vertical="top"/></xf>
<xf borderId="1" applyBorder="1" applyAlignment="1"><alignment horizontal="left" vertical="top"/></xf></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


FOLLOW_UP_90 = "uppföljning 90 dagar som ska göras"
SITUATIONS = "situationer vid avslut och uppföljningar 6 månader som ska fyllas i"

XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))  # "&" first, so no entity is escaped twice
# characters XML 1.0 does not allow, written as the spreadsheet format escapes them (_x0001_)
XML_CONTROLS = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32))]
XML_SPECIAL_PATTERN = "[&<>\x00-\x08\x0b\x0c\x0e-\x1f]"  # a character that is escaped or written as _x0001_


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t xml:space="preserve">{_escaped_text(text)}</t></is></c>'


def _escaped_text(text: str) -> str:
    """A text as XML holds it: `&`, `<` and `>` as entities, a control character as the format writes it."""
    for character, entity in XML_ESCAPES:
        text = text.replace(character, entity)
    for character in XML_CONTROLS:
        text = text.replace(character, f"_x{ord(character):04X}_")
    return text


DATE, NUMBER, TEXT = "date", "number", "text"


def _column(values: pd.Series) -> tuple[str, pa.Array]:
    """A worklist column as what its cells are (a date, a number or a text) and its values as a pyarrow array:
    dates as Excel's day numbers, texts dictionary-encoded (null where empty); made once for the cells and the
    width."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.to_numpy(dtype="datetime64[D]")
        days = (dates - EXCEL_EPOCH.to_datetime64().astype("datetime64[D]")).astype(np.int64)
        return DATE, pa.array(days, mask=np.isnat(dates))
    if pd.api.types.is_integer_dtype(values):
        return NUMBER, pa.array(values.to_numpy())
    if isinstance(values.dtype, pd.CategoricalDtype):  # its codes and categories are the dictionary already
        codes = values.cat.codes.to_numpy()
        return TEXT, pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                                    pa.array(values.cat.categories.astype(str), pa.string()))
    texts = values.array if values.dtype == "str" else values.astype("string").array  # pandas' text, as pyarrow
    return TEXT, pa.array(texts, pa.string()).dictionary_encode()


SHARED_TEXTS = 4096  # a column of at most this many distinct texts (months, codes) refers to the shared strings


class SharedStrings:
    """A workbook's shared strings: a text that many cells hold (a month, a code) is written once, and each of
    its cells refers to it by number, which keeps a long list's XML (and the time to pack it) small."""

    def __init__(self):
        self.numbers: dict[str, int] = {}

    def cells(self, texts: list[str]) -> pa.Array:
        numbers = [self.numbers.setdefault(text, len(self.numbers)) for text in texts]
        return pc.binary_join_element_wise('<c t="s" s="4"><v>', pc.cast(pa.array(numbers), pa.string()),
                                           "</v></c>", "")

    def xml(self) -> bytes:
        items = "".join(f'<si><t xml:space="preserve">{_escaped_text(text)}</t></si>' for text in self.numbers)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org'
                f'/spreadsheetml/2006/main" uniqueCount="{len(self.numbers)}">{items}</sst>').encode("utf-8")


def _text_cells(values: pa.DictionaryArray, shared: SharedStrings | None = None) -> pa.Array:
    """The cell of each distinct text of a column (`_column`), escaped as XML needs: a column of a million rows
    has a few distinct months or codes, and its IDs once each, so every text is made a cell once. A column of
    few distinct texts refers to the workbook's `shared` strings."""
    if shared is not None and len(values.dictionary) <= SHARED_TEXTS:
        return shared.cells(values.dictionary.to_pylist())
    text = values.dictionary
    if pc.any(pc.match_substring_regex(text, XML_SPECIAL_PATTERN)).as_py():  # rare: look before rewriting
        for character, entity in XML_ESCAPES:
            text = pc.replace_substring(text, character, entity)
        for character in XML_CONTROLS:
            text = pc.replace_substring(text, character, f"_x{ord(character):04X}_")
    # spaces at a text's ends are kept only where asked to: asked for the column, where it has any
    spaced = pc.any(pc.match_substring_regex(text, r"^\s|\s$")).as_py()
    opening = '<c t="inlineStr" s="4"><is><t xml:space="preserve">' if spaced else '<c t="inlineStr" s="4"><is><t>'
    return pc.binary_join_element_wise(opening, text, "</t></is></c>", "")


def _cells(kind: str, values: pa.Array, text_cells: pa.Array | None = None) -> pa.Array:
    """One column's cells as XML, a string per row, built by pyarrow (a text's from `text_cells`, by its code).
    A cell needs no reference of its own (the row has one, and cells follow each other column by column); an
    empty cell is written too, for its grid."""
    if kind == DATE:
        cells = pc.binary_join_element_wise('<c s="5"><v>', pc.cast(values, pa.string()), "</v></c>", "")
    elif kind == NUMBER:
        cells = pc.binary_join_element_wise('<c s="6"><v>', pc.cast(values, pa.string()), "</v></c>", "")
    else:
        cells = text_cells.take(values.indices)
    cells = pa.array(cells) if isinstance(cells, pa.ChunkedArray) else cells
    return pc.fill_null(cells, '<c s="4"/>') if cells.null_count else cells


def _concatenated(strings: pa.Array) -> memoryview:
    """All strings of an array as one, straight from its data buffer (no per-row Python, no copy)."""
    if len(strings) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset:strings.offset + len(strings) + 1]
    return memoryview(strings.buffers()[2])[offsets[0]:offsets[-1]]


def page_header(left: str, right: str = "") -> str:
    """A printed page's header and footer (`style.page_header`, `style.PAGE_FOOTER`) as the sheet XML holds them."""
    return (f"<headerFooter><oddHeader>{_escaped(style.page_header(left, right))}</oddHeader>"
            f"<oddFooter>{_escaped(style.PAGE_FOOTER)}</oddFooter></headerFooter>")


CHUNK_ROWS = 100_000  # rows made into XML at a time: a monthly list of two million rows is never held whole


def sheet_xml(worklist: pd.DataFrame, title: str, empty: str = "Inga uppföljningar att göra.",
              header: tuple[str, str] = ("", ""), shared: SharedStrings | None = None) -> Iterator:
    """The sheet's XML as UTF-8 parts to be written one after the other (the rows in parts of `CHUNK_ROWS`,
    each made when it is asked for); a sheet without rows says `empty` under its header, and every printed page
    says `header` (left, right) at its top."""
    letters = [chr(65 + i) for i in range(len(worklist.columns))]
    rows = [f'<row r="1">{_text_cell("A1", title, 3)}</row>',
            '<row r="3">' + "".join(_text_cell(f"{letter}3", name, 2)
                                    for letter, name in zip(letters, worklist.columns)) + "</row>"]
    columns = [_column(worklist[name]) for name in worklist.columns]
    if worklist.empty:
        rows.append(f'<row r="4">{_text_cell("A4", empty)}</row>')
    widths = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                     for i, width in enumerate(column_widths(list(worklist.columns), columns), start=1))
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" '
            f'state="frozen"/></sheetView></sheetViews><cols>{widths}</cols><sheetData>{"".join(rows)}')
    # printed as the other workbooks are (`style.print_setup`): A4 landscape, one page wide, header row repeated
    tail = (f'</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f'<pageSetup paperSize="{style.A4}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            f'{page_header(*header)}</worksheet>')
    yield head.encode("utf-8")
    text_cells = [_text_cells(values, shared) if kind == TEXT else None for kind, values in columns]
    for first in range(0, len(worklist), CHUNK_ROWS):
        count = min(CHUNK_ROWS, len(worklist) - first)
        numbers = pc.cast(pa.array(np.arange(4 + first, 4 + first + count)), pa.string())
        cells = [_cells(kind, values.slice(first, count), made) for (kind, values), made in zip(columns, text_cells)]
        yield _concatenated(pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", ""))
    yield tail.encode("utf-8")


def column_widths(names: list[str], columns: list[tuple[str, pa.Array]]) -> list[int]:
    """Each column (`_column`) as wide as its header or its longest text (dates and numbers 12), within 10..60;
    the longest text is found by pyarrow, not row by row."""
    widths = []
    for name, (kind, values) in zip(names, columns):
        longest = 12
        if kind == TEXT and len(values.dictionary):
            longest = pc.max(pc.utf8_length(values.dictionary)).as_py() or 0
        widths.append(min(round(max(len(name), longest, 10) * 1.1) + 2, 60))  # bold headers run wider
    return widths


WORKLIST_SHEET = "INTERNT uppföljning"
MAX_SHEET_ROWS = 1_048_576 - 3  # Excel's rows, less the title, the blank and the header row
NO_TASKS = "Inga uppföljningar att göra."


def _escaped(text: str) -> str:
    """A text as an XML attribute or property holds it (`_escaped_text`, and its quotes)."""
    return _escaped_text(text).replace('"', "&quot;")


def _ahead(parts: Iterator, depth: int = 2) -> Iterator:
    """`parts` made by a thread of their own, `depth` ahead of the one who takes them: a long sheet's XML is
    joined (by pyarrow) while the part before it is packed (by zlib), both outside the GIL, on two cores."""
    import queue
    import threading

    made: queue.Queue = queue.Queue(maxsize=depth)
    done, stopped = object(), threading.Event()

    def hand_over(item) -> bool:
        while not stopped.is_set():  # a taker that has stopped (its writing failed) takes no more: neither waits
            try:
                made.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for part in parts:
                if not hand_over(part):
                    return
            hand_over(done)
        except BaseException as exc:  # handed over, and raised where the parts are taken
            hand_over(exc)

    threading.Thread(target=make, daemon=True, name="esf-xml").start()
    try:
        while (part := made.get()) is not done:
            if isinstance(part, BaseException):
                raise part
            yield part
    finally:
        stopped.set()


def worklist_package(worklist: pd.DataFrame, period: Period, project_name: str, what: str = FOLLOW_UP_90,
                     months: pd.DataFrame | None = None, case_number: str = "") -> "Package":
    """The internal workbook as an .xlsx file in memory (mostly pyarrow and zlib, which run outside the GIL): the
    worklist (`what` says what is to be done: `FOLLOW_UP_90`, or `SITUATIONS` under ESF+), then the monthly list
    for SCB (`months`, over as many sheets as Excel's rows need), and room for `Ändrade månader`, which
    `finish_package` adds once the earlier list has been compared."""
    from schemas.form import CASE_NUMBER_KEYWORD, CHANGED_MONTHS, MONTH_LIST, TOOL_AUTHOR

    sheets: list[tuple[str, pd.DataFrame, str, str]] = [
        (WORKLIST_SHEET, worklist, f"INTERNT – skickas inte till ESF. {project_name}: {what}, per {period.end:%Y-%m-%d}.",
         NO_TASKS)]
    if months is not None:
        chunks = range(0, max(len(months), 1), MAX_SHEET_ROWS)
        for i, first in enumerate(chunks):
            name = MONTH_LIST if i == 0 else f"{MONTH_LIST} {i + 1}"
            sheets.append((name, months.iloc[first:first + MAX_SHEET_ROWS],
                           f"INTERNT – skickas inte till ESF. {project_name}: deltagare per månad till SCB "
                           f"(start och slut), till och med {period.end:%Y-%m-%d}.", "Inga inskrivningar ännu."))
    names = [name for name, *_ in sheets] + ([CHANGED_MONTHS] if months is not None else [])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="\n".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(1, len(names) + 1))))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("docProps/core.xml", _CORE.format(
            what=_escaped(what), period=period.label, author=_escaped(TOOL_AUTHOR),
            keywords=_escaped(f"{CASE_NUMBER_KEYWORD}{case_number.strip()}")))
        package.writestr("xl/workbook.xml", _WORKBOOK.format(
            sheets="".join(f'<sheet name="{_escaped(name)}" sheetId="{i}" r:id="rId{i}"/>'
                           for i, name in enumerate(names, start=1)),
            titles="".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                           f"'{_escaped(name)}'!$3:$3</definedName>" for i, name in enumerate(names))))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheets="\n".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))))
        package.writestr("xl/styles.xml", _STYLES)
        header = (f"INTERNT – {project_name}", f"Period {period.label}")
        shared = SharedStrings()
        for i, (_, frame, title, empty) in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as sheet:
                parts = sheet_xml(frame, title, empty, header, shared)
                for part in (_ahead(parts) if len(frame) > CHUNK_ROWS else parts):
                    sheet.write(part)
        package.writestr("xl/sharedStrings.xml", shared.xml())
    return Package(buffer, len(names), header)


@dataclass
class Package:
    """An internal workbook made but for its last sheet (`finish_package`)."""

    buffer: io.BytesIO  # the .xlsx so far
    sheets: int  # the number of its sheets, the last one's included
    header: tuple[str, str]  # what every printed page says at its top


def finish_package(made: Package, changed: pd.DataFrame | None, title: str, said: str) -> bytes:
    """The internal workbook's bytes: `Ändrade månader` (`changed`: a row per month to send again, or none, with
    `said` in their place) added as its last sheet, when it has the monthly list."""
    if changed is not None:
        with zipfile.ZipFile(made.buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            package.writestr(f"xl/worksheets/sheet{made.sheets}.xml", b"".join(
                bytes(part) for part in sheet_xml(changed, title, said, made.header)))
    return made.buffer.getvalue()
