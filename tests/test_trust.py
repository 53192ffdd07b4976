"""Trust across periods and files: Ändringar, hostile and odd files, nothing leaks or executes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from conftest import TODAY, person, project_rows, write_register
from pipeline.cli import main

ROWS = [person("P1", inskriven="2009-01-10", utskriven="2009-05-20", orsak=1),
        person("P2", kon="M", inskriven="2009-02-01", utskriven="2009-03-15", orsak=3),
        person("P3", inskriven="2009-05-05")]
REPORT = "Navigator_lagesrapport_090501-090630.xlsx"


def report(path: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["report", str(path), "--out", str(out), "--today", TODAY, *extra])
    return code, capsys.readouterr().out


def changes_sheet(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path, data_only=True)["Ändringar"].iter_rows(values_only=True))


def test_an_edited_past_enrolment_lists_exactly_the_affected_figures(tmp_path: Path, capsys):
    register = write_register(tmp_path / "r.xlsx", ROWS)
    out = tmp_path / "out"
    assert report(register, out, capsys)[0] == 0
    assert "Ändringar" not in openpyxl.load_workbook(out / REPORT).sheetnames
    wb = openpyxl.load_workbook(register)
    wb["Deltagare"]["H2"] = 2  # P1 left for studies, not work
    wb.save(register)
    code, printed = report(register, out, capsys)
    assert code == 0
    assert "8 siffror har ändrats" in printed
    second = out / "Navigator_lagesrapport_090501-090630_v2.xlsx"
    assert openpyxl.load_workbook(second).sheetnames[-1] == "Ändringar"
    rows = changes_sheet(second)
    header = rows.index(("Tabell", "Rad", "Kolumn", "Kön", "Tidigare värde", "Nytt värde"))
    changed = {row[:4]: row[4:] for row in rows[header + 1:]}
    assert changed[("Utskrivningsorsak", "1-Arbete", "Perioden", "")] == (1, 0)
    assert changed[("Utskrivningsorsak", "2-Studier", "Perioden", "")] == (0, 1)
    assert changed[("Utskrivningsorsak", "1-Arbete", "Sedan starten andel", "")] == (0.5, 0)
    assert len(changed) == 8
    assert {key[0] for key in changed} == {"Utskrivningsorsak"}
    summary = [r for r in openpyxl.load_workbook(second)["Sammanfattning"].iter_rows(values_only=True) if r[0]]
    assert ("Ändringar mot 090501-090630", "8 siffror har ändrats. (se Ändringar)") in [r[:2] for r in summary]


def test_an_unchanged_register_says_no_changes_and_a_later_period_compares_with_an_earlier(tmp_path: Path, capsys):
    register = write_register(tmp_path / "r.xlsx", ROWS)
    out = tmp_path / "out"
    assert report(register, out, capsys, "--period", "2009-03-01..2009-04-30")[0] == 0
    code, printed = report(register, out, capsys)
    assert code == 0
    assert "Ändringar mot Navigator_lagesrapport_090301-090430.xlsx: Inga ändringar." in printed
    assert changes_sheet(out / REPORT)[2][0] == "Inga ändringar."
    # the same register, another period: the same bytes, but no copy of the earlier report
    assert ("Registret är detsamma som det som gav Navigator_lagesrapport_090301-090430.xlsx (samma SHA-256); "
            "bara perioden är en annan.") in printed and "kopia" not in printed


def test_previous_names_the_report_to_compare_with(tmp_path: Path, capsys):
    register = write_register(tmp_path / "r.xlsx", ROWS)
    first = tmp_path / "first"
    assert report(register, first, capsys)[0] == 0
    wb = openpyxl.load_workbook(register)
    wb["Deltagare"]["G3"] = pd.Timestamp("2009-05-15").to_pydatetime()  # P2's exit moves into the period
    wb.save(register)
    code, printed = report(register, tmp_path / "second", capsys, "--previous", str(first / REPORT))
    assert code == 0 and "siffror har ändrats" in printed
    assert report(register, tmp_path / "x", capsys, "--previous", str(register))[0] == 2


def test_the_search_for_an_earlier_report_opens_only_the_reports_its_properties_say_are_this_projects(
        tmp_path: Path, capsys, monkeypatch):
    from pipeline.read import earlier

    out = tmp_path / "out"
    other = write_register(tmp_path / "other.xlsx", ROWS, projekt=project_rows(Projektnamn="Annat",
                                                                                 Diarienummer="2009-999 & <x>"))
    assert report(other, out, capsys)[0] == 0
    register = write_register(tmp_path / "r.xlsx", ROWS)
    assert report(register, out, capsys, "--period", "2009-03-01..2009-04-30")[0] == 0
    keywords = {p.name: openpyxl.load_workbook(p).properties.keywords for p in out.glob("*_lagesrapport_*.xlsx")}
    assert keywords == {"Annat_lagesrapport_090501-090630.xlsx": "Diarienummer: 2009-999 & <x>",
                        "Navigator_lagesrapport_090301-090430.xlsx": "Diarienummer: 2008-3040063"}
    # a report written before its properties named the project is opened and recognised as it was then
    older = out / "Navigator_lagesrapport_090301-090430.xlsx"
    wb = openpyxl.load_workbook(older)
    wb.properties.keywords = None
    wb.save(older)
    opened = []
    read_about = earlier.read_about
    monkeypatch.setattr(earlier, "_KNOWN", {})  # as a new process finds the folder
    monkeypatch.setattr(earlier, "_PROPERTIES", {})
    monkeypatch.setattr(earlier, "read_about", lambda path: opened.append(path.name) or read_about(path))
    code, printed = report(register, out, capsys)
    assert code == 0 and "Ändringar mot Navigator_lagesrapport_090301-090430.xlsx" in printed
    assert opened == ["Navigator_lagesrapport_090301-090430.xlsx"]  # the other project's report stayed shut


def test_a_diarienummer_with_a_character_xml_cannot_hold_still_finds_its_earlier_report(tmp_path: Path, capsys):
    """The properties store such a Diarienummer escaped (`_x0001_`): the search reads the report itself."""
    register = write_register(tmp_path / "r.xlsx", ROWS, projekt=project_rows(Diarienummer="2008_x0001_-1"))
    out = tmp_path / "out"
    assert report(register, out, capsys, "--period", "2009-03-01..2009-04-30")[0] == 0
    assert openpyxl.load_workbook(out / "Navigator_lagesrapport_090301-090430.xlsx").properties.keywords == \
        "Diarienummer: 2008_x0001_-1"
    code, printed = report(register, out, capsys)
    assert code == 0 and "Ändringar mot Navigator_lagesrapport_090301-090430.xlsx: Inga ändringar." in printed


# --- hostile and broken files -----------------------------------------------------------

def assert_refused(path: Path, tmp_path: Path, capsys, message: str, status: int = 1):
    out = tmp_path / "out"
    code, printed = report(path, out, capsys)
    assert code == status
    assert message in printed
    assert "Traceback" not in printed
    assert not list(out.glob("*lagesrapport*")) if out.exists() else True


def test_a_renamed_text_or_pdf_file(tmp_path: Path, capsys):
    (tmp_path / "a.xlsx").write_text("Deltagar-ID;Kön\nP1;K\n")
    assert_refused(tmp_path / "a.xlsx", tmp_path, capsys, "kan inte läsas som en arbetsbok")
    (tmp_path / "b.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    assert_refused(tmp_path / "b.xlsx", tmp_path, capsys, "kan inte läsas som en arbetsbok")


def test_an_empty_file(tmp_path: Path, capsys):
    (tmp_path / "tom.xlsx").write_bytes(b"")
    assert_refused(tmp_path / "tom.xlsx", tmp_path, capsys, "är tom (0 byte)")


def test_a_password_protected_workbook(tmp_path: Path, capsys):
    # an encrypted .xlsx is an OLE compound file holding EncryptionInfo and EncryptedPackage streams
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(512 - 8)
    (tmp_path / "las.xlsx").write_bytes(header + "EncryptionInfo".encode("utf-16-le") + bytes(4096))
    assert_refused(tmp_path / "las.xlsx", tmp_path, capsys, "är lösenordsskyddad")


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path, capsys):
    bomb = tmp_path / "bomb.xlsx"
    write_register(bomb, ROWS)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as package:
        with package.open("xl/media/padding.bin", "w") as member:
            block = bytes(1 << 20)
            for _ in range(80):  # 80 MB of zeros, compressed to about 80 KB
                member.write(block)
    assert bomb.stat().st_size < 1_000_000
    assert_refused(bomb, tmp_path, capsys, "orimligt stor när den packas upp")


def test_a_sheet_whose_bytes_fail_their_checksum_is_refused_as_damaged(tmp_path: Path, capsys):
    """A copy damaged on its way (a shared folder, a mail) can still unpack; fastexcel does not check the
    sheet's CRC-32, the scan of the sheet XML does, so nothing is counted from bytes the file disowns."""
    import struct

    path = tmp_path / "skadad.xlsx"
    write_register(path, ROWS)
    with zipfile.ZipFile(path) as package:
        crc = struct.pack("<I", package.getinfo("xl/worksheets/sheet1.xml").CRC)
    content = path.read_bytes()
    assert content.count(crc) == 2  # the member's local header and its central directory entry
    path.write_bytes(content.replace(crc, struct.pack("<I", struct.unpack("<I", crc)[0] ^ 0xFFFF)))
    assert_refused(path, tmp_path, capsys, "är skadad och kan inte läsas")


def test_a_workbook_without_deltagare(tmp_path: Path, capsys):
    path = write_register(tmp_path / "r.xlsx", ROWS)
    wb = openpyxl.load_workbook(path)
    del wb["Deltagare"]
    wb.save(path)
    assert_refused(path, tmp_path, capsys, "Bladet Deltagare saknas i registret")


# --- odd but honest files -----------------------------------------------------------------

def test_whole_columns_formatted_and_many_formatted_empty_rows_are_reported_as_usual(tmp_path: Path, capsys):
    path = tmp_path / "formatted.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    fmt = wb.add_format({"bg_color": "#FFFFCC", "num_format": "yyyy-mm-dd"})
    sheets = {"Deltagare": [["Deltagar-ID", "Kön", "Födelsedatum", "Född", "Ersättning", "Inskriven", "Utskriven",
                             "Utskrivningsorsak", "Uppföljning 90 dagar", "Coach"],
                            ["P1", "K", "1970-03-10", "Inrikes", "Försörjningsstöd", "2009-05-04", None, None, None, "C"]],
              "Projekt": [["Uppgift", "Värde"], *project_rows()],
              "Perioder": [["Från", "Till"], ["2008-05-01", "2009-06-30"]],
              "Arbetsgivarkontakter": [["Datum", "Organisation", "Typ"]]}
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        ws.set_column(0, 15, 14, fmt)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write_string(r, c, str(value))
        if name == "Deltagare":
            for r in range(len(rows), 200_000):
                ws.set_row(r, None, fmt)
                ws.write_blank(r, 0, None, fmt)
    wb.close()
    code, printed = report(path, tmp_path / "out", capsys)
    assert code == 0, printed
    [written] = (tmp_path / "out").glob("*lagesrapport_080501-090630.xlsx")
    figs = pd.read_excel(written, sheet_name="Siffror", keep_default_na=False)
    assert figs.query("Tabell == 'Tabell 1' and Rad == 'Summa' and Kolumn == 'Maj'")["Värde"].item() == 1
    assert "tomma rader som hoppades över: 0" in printed  # formatting alone makes no row


def test_headers_and_no_rows_give_a_report_of_zeros_with_a_notice(tmp_path: Path, capsys):
    code, printed = report(write_register(tmp_path / "r.xlsx", [], kontakter=[]), tmp_path / "out", capsys)
    assert code == 0
    assert "Notis: Deltagare: Bladet har inga inskrivningar ännu" in printed
    figs = pd.read_excel(tmp_path / "out" / REPORT, sheet_name="Siffror", keep_default_na=False)
    tables = figs[figs["Tabell"].isin(["Tabell 1", "Tabell 2", "Tabell 4", "Utskrivningsorsak"])]
    assert len(tables) > 200 and (tables["Värde"] == 0).all()
    assert figs.query("Rad == 'Projekttid' and Kolumn == 'Utfall'")["Värde"].item() == 14


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x.test","klicka")', "+46 70 123 45 67", "@SUM(A1:A2)",
                                  "-1+2"])
def test_text_from_the_register_stays_text(text: str, tmp_path: Path, capsys):
    rows = project_rows(Projektnamn=text, Projektägare=text)
    path = write_register(tmp_path / "r.xlsx", ROWS, projekt=rows)
    code, printed = report(path, tmp_path / "out", capsys)
    assert code == 0, printed
    [written] = (tmp_path / "out").glob("*lagesrapport*.xlsx")
    wb = openpyxl.load_workbook(written)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(text in str(c.value) for c in cells)
    formulas = [c for c in cells if c.data_type == "f"]
    assert all(not any(ch in str(c.value) for ch in "@\"") and "HYPERLINK" not in str(c.value) for c in formulas)
    assert all(text not in str(c.value) for c in formulas)


def test_document_properties_name_no_person(tmp_path: Path, capsys):
    path = write_register(tmp_path / "r.xlsx", ROWS)
    assert report(path, tmp_path / "out", capsys)[0] == 0
    props = openpyxl.load_workbook(tmp_path / "out" / REPORT).properties
    assert props.creator == "ESF-rapportverktyget"
    text = " ".join(str(getattr(props, k) or "") for k in ("title", "subject", "creator", "description", "keywords",
                                                            "lastModifiedBy", "category"))
    assert "Coach" not in text and "P1" not in text


def test_a_run_stopped_before_reading_leaves_no_stale_load_behind(tmp_path: Path, capsys):
    # the load starts before the command's arguments are checked; a run that stops on a usage error
    # must not leave it for the next run, which would then report the file as it was
    path = write_register(tmp_path / "r.xlsx", ROWS)
    code, _ = report(path, tmp_path / "out", capsys, "--period", "maj")
    assert code == 2
    write_register(path, [*ROWS, person("P4", kon="X")])
    code, out = report(path, tmp_path / "out", capsys)
    assert code == 1 and "Fel: Deltagare!B5 (värde: 'X')" in out


def test_control_characters_in_the_register_reach_neither_the_terminal_nor_broken_xml(tmp_path: Path, capsys):
    # a cell holding \x01 or an escape sequence is stored as _x0001_ in the file, and read as the character
    rows = [person("P_x0001_", inskriven="2009-01-10", utskriven="2009-02-10", orsak=1, coach="Coach _x001B_[31mRöd"),
            person("P2", inskriven="2009-01-12")]
    path = write_register(tmp_path / "r.xlsx", rows)
    code, printed = report(path, tmp_path / "out", capsys)
    assert code == 0 and "\x1b" not in printed and "\x01" not in printed
    worklist = tmp_path / "out" / "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx"
    listed = [c.value for row in openpyxl.load_workbook(worklist).active.iter_rows(min_row=4) for c in row]
    assert "P_x0001_" in listed and "Coach _x001B_[31mRöd" in listed  # valid XML, the text escaped as Excel does
    import fastexcel
    cells = fastexcel.read_excel(worklist).load_sheet(0, header_row=2, dtypes="string").to_pandas()
    assert "P\x01" in set(cells["Deltagar-ID"])  # and read back as written in the register
    bad = write_register(tmp_path / "bad.xlsx", [person("P3", kon="X_x001B_")])
    code, printed = report(bad, tmp_path / "out", capsys)
    assert code == 1 and "\x1b" not in printed and "X\\x1b" in printed
    marked = openpyxl.load_workbook(tmp_path / "out" / "bad_INTERNT_fel.xlsx")
    assert marked["Fel"]["D2"].value == "X\\x1b"


def test_xml_s_own_characters_in_the_register_are_escaped_in_the_worklist(tmp_path: Path, capsys):
    # no control character anywhere: the worklist looks for characters to escape before it rewrites a column
    rows = [person("P<1>", inskriven="2009-01-10", utskriven="2009-02-10", orsak=1, coach="Berg & Söner <AB>"),
            person("P2", inskriven="2009-01-12")]
    code, _ = report(write_register(tmp_path / "r.xlsx", rows), tmp_path / "out", capsys)
    assert code == 0
    worklist = tmp_path / "out" / "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx"
    listed = [c.value for row in openpyxl.load_workbook(worklist).active.iter_rows(min_row=4) for c in row]
    assert "P<1>" in listed and "Berg & Söner <AB>" in listed


def test_the_checksum_is_of_the_bytes_counted_and_a_file_changing_while_read_is_refused(tmp_path: Path, monkeypatch,
                                                                                        capsys):
    import hashlib

    register = write_register(tmp_path / "r.xlsx", ROWS)
    code, _ = report(register, tmp_path / "out", capsys)
    about = {r[0]: r[1] for r in openpyxl.load_workbook(tmp_path / "out" / REPORT)["Om rapporten"].iter_rows(
        values_only=True)}
    assert about["Registrets SHA-256"] == hashlib.sha256(register.read_bytes()).hexdigest()
    real = Path.read_bytes

    def saved_meanwhile(self):
        content = real(self)
        with self.open("ab") as handle:  # the coach saves again while the file is read
            handle.write(b"\0" * 10)
        return content

    monkeypatch.setattr(Path, "read_bytes", saved_meanwhile)
    code, printed = report(register, tmp_path / "out2", capsys)
    assert code == 1 and "ändrades medan den lästes" in printed and "Traceback" not in printed


@pytest.mark.parametrize("how", ["in place", "renamed over"])
def test_a_file_saved_after_its_bytes_were_read_but_while_fastexcel_reads_it_is_refused(tmp_path: Path, monkeypatch,
                                                                                       capsys, how: str):
    """fastexcel reads the file from disk itself: what it parses must be the bytes that were hashed."""
    from pipeline.read import loading

    register = write_register(tmp_path / "r.xlsx", ROWS)
    other = write_register(tmp_path / "other.xlsx", ROWS[:1])
    real = loading.load_sheet

    def saved_meanwhile(reader, name):
        if how == "in place":
            register.write_bytes(other.read_bytes())
        else:  # as Excel saves: a new file renamed over the old one
            other.replace(register)
        monkeypatch.setattr(loading, "load_sheet", real)
        return real(reader, name)

    monkeypatch.setattr(loading, "load_sheet", saved_meanwhile)
    code, printed = report(register, tmp_path / "out", capsys)
    assert code == 1 and "ändrades medan den lästes" in printed and "Traceback" not in printed
    assert not list((tmp_path / "out").glob("*lagesrapport*"))


def test_a_package_whose_parts_declare_less_than_they_hold_is_refused_before_it_is_inflated(tmp_path: Path, capsys):
    """The zip-bomb check no longer trusts the sizes a package declares: a sheet of 40 MB of XML (3 MB packed)
    whose headers say 1,000 bytes is refused at once, as no writer makes such a part."""
    import struct
    import zipfile

    from conftest import SAMPLE

    bomb = tmp_path / "bomb.xlsx"
    row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as written:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet4.xml":
                rows = b"".join(row % (r, r) for r in range(2, 600_000))
                data = data.replace(b"<sheetData>", b"<sheetData>" + rows, 1)
            written.writestr(item.filename, data)
    content = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as package:
        info = package.getinfo("xl/worksheets/sheet4.xml")
        assert info.file_size > 40_000_000 and info.compress_size < 5_000_000
    # the declared uncompressed size, in the local header and in the central directory, made a lie
    local = info.header_offset
    struct.pack_into("<I", content, local + 22, 1000)
    position = 0
    while (position := content.find(b"PK\x01\x02", position)) >= 0:
        name_length = struct.unpack_from("<H", content, position + 28)[0]
        if bytes(content[position + 46:position + 46 + name_length]) == b"xl/worksheets/sheet4.xml":
            struct.pack_into("<I", content, position + 24, 1000)
        position += 4
    bomb.write_bytes(bytes(content))
    outcome = report(bomb, tmp_path / "out", capsys)
    assert outcome[0] == 1
    assert "bomb.xlsx är orimligt stor när den packas upp (delen xl/worksheets/sheet4.xml säger sig vara 1000 byte" \
        in outcome[1]
