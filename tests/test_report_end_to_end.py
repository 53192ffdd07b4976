"""End to end: the CLI on a register file on disk, the workbook opened with openpyxl and checked."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT, TODAY, person, write_register
from pipeline.cli import main
from pipeline.read.reader import read_register
from pipeline.check.validate import validate_register
from schemas.form import GROUP_LABELS
from schemas.register import CONTACT_TYPES, REASON_LABELS

SHEETS = ["Sammanfattning", "Tabell 1", "Tabell 2", "Tabell 4", "Utskrivningsorsak", "Resultat", "Textförslag", "Kontroller",
          "Siffror", "Om rapporten"]
REPORT = "Navigator_lagesrapport_090501-090630.xlsx"


@pytest.fixture
def sample_report(sample_copy: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert main(["report", str(sample_copy), "--out", str(out), "--today", TODAY]) == 0
    return out / REPORT


def rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True)]


def test_sheets_in_the_order_of_the_spec(sample_report: Path):
    assert openpyxl.load_workbook(sample_report).sheetnames == SHEETS


def test_table_1_labels_and_layout_as_the_form(sample_report: Path):
    ws = openpyxl.load_workbook(sample_report, data_only=True)["Tabell 1"]
    table = rows(ws)
    assert table[0][:3] == ("Tabell 1:", "Jan", None)
    assert [table[0][i] for i in range(1, 13, 2)] == ["Jan", "Feb", "Mars", "April", "Maj", "Juni"]
    assert table[1][:3] == ("Deltagare respektive månad", "kv", "m")
    assert [r[0] for r in table[2:9]] == [*GROUP_LABELS, "Summa (kvinnor/män)", "Summa"]
    assert "B1:C1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.freeze_panes == "B3"
    assert ws.page_setup.orientation == "landscape"
    # one page wide (fitToWidth 1 is the file format's default and so left out), any number of pages high
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0


def test_table_2_and_4_have_the_forms_rows(sample_report: Path):
    wb = openpyxl.load_workbook(sample_report, data_only=True)
    t2 = [r[0] for r in rows(wb["Tabell 2"])]
    assert t2[2:] == ["Tabell 2: Utskrivna", "Ungdomar 16-24 år, varav", "- inrikesfödda med försörjningsstöd",
                      "- utrikesfödda med introduktionsersättning", "Personer 25-64 år, varav",
                      "- inrikesfödda med försörjningsstöd", "- utrikesfödda med försörjningsstöd",
                      "- utrikesfödda med introduktionsersättning", "Summa / kön", "Summa / månad",
                      "Summa / period kvinnor/män", "Summa / period"]
    assert rows(wb["Tabell 2"])[0][5] == "Kommentar"
    t4 = rows(wb["Tabell 4"])
    assert t4[0][:4] == ("Tabell 4: Kvantifierade mål", "Projektmål", "080501-080731", None)
    assert t4[0][-4:] == ("Inskrivna sedan starten", None, "Unika sedan starten", None)
    assert [r[0] for r in t4[2:]] == ["Nyinskrivna deltagare", "Ungdomar 16-24 år", "- Inrikesfödda med försörjningsstöd",
                                      "- Utrikesfödda med introduktionsers.",
                                      "Inrikesfödda personer 25-64 år med försörjningsstöd",
                                      "Utrikesfödda 25-64 år, varav", "- med försörjningsstöd",
                                      "- med introduktionsersättning", "Summa nya deltagare / kön",
                                      "Summa / respektive period"]
    assert [r[1] for r in t4[2:8]] == ["135 st", "60 st", None, None, "25 st", "50 st"]


def test_every_formula_has_a_cached_value_equal_to_its_figure(sample_report: Path):
    formulas = openpyxl.load_workbook(sample_report)
    values = openpyxl.load_workbook(sample_report, data_only=True)
    count = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    count += 1
                    assert isinstance(values[ws.title][cell.coordinate].value, (int, float)), (ws.title, cell.coordinate)
    assert count > 50
    t1 = values["Tabell 1"]
    assert t1["A8"].value == "Summa (kvinnor/män)"
    assert t1["B8"].value == sum(t1.cell(r, 2).value for r in range(3, 8))
    assert t1["B9"].value == t1["B8"].value + t1["C8"].value


def siffror(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name="Siffror", keep_default_na=False, dtype={"Kön": str})


def test_siffror_is_complete_with_no_key_twice_and_matches_the_sheets(sample_report: Path):
    figs = siffror(sample_report)
    assert list(figs.columns) == ["Tabell", "Rad", "Kolumn", "Kön", "Värde"]
    keys = figs[["Tabell", "Rad", "Kolumn", "Kön"]]
    assert not keys.duplicated().any()
    assert set(figs["Kön"]) == {"kv", "m", ""}
    by_table = figs.groupby("Tabell").size()
    assert by_table["Tabell 1"] == 6 * (5 * 2 + 2 + 1)
    assert by_table["Tabell 2"] == 2 * (5 * 2 + 2 + 1) + 2 + 1
    assert by_table["Tabell 4"] == 8 * (5 * 2 + 2 + 1)
    assert by_table["Utskrivningsorsak"] == 6 * 4
    result_rows = set(figs.loc[figs["Tabell"] == "Resultat", "Rad"])
    assert {"Nyinskrivna deltagare", "Ungdomar 16-24 år", "Inrikesfödda 25-64 år", "Utrikesfödda", "Kvinnor", "Män",
            "Utskrivna", "Utskrivna till arbete eller studier", "Projekttid", "Deltagare under perioden",
            "Nyinskrivna under perioden", "Återinskrivna bland deltagarna", "Utskrivna mer än 90 dagar",
            "I arbete 90 dagar efter utskrivning", "Ej uppföljda", "Arbetsgivarkontakter",
            "Nya arbetsgivarkontakter under perioden", *CONTACT_TYPES, "Deltagare per månad i genomsnitt",
            "Personer inskrivna mer än en gång", "Återinskrivna bland nyinskrivna under perioden",
            "Utskrivna under perioden", "Personer under perioden"} == result_rows
    assert set(figs.loc[figs["Tabell"] == "Utskrivningsorsak", "Rad"]) == {*REASON_LABELS.values(), "Summa"}
    # the same figure on the table sheet and in Siffror
    wb = openpyxl.load_workbook(sample_report, data_only=True)
    lookup = figs.set_index(["Tabell", "Rad", "Kolumn", "Kön"])["Värde"]
    t1 = wb["Tabell 1"]
    assert t1["L4"].value == lookup[("Tabell 1", GROUP_LABELS[1], "Juni", "kv")]
    assert wb["Tabell 2"]["B14"].value == lookup[("Tabell 2", "Summa / period", "Perioden", "")]


def test_every_check_passes_and_every_table_of_the_sample_has_figures(sample_report: Path):
    checks = pd.read_excel(sample_report, sheet_name="Kontroller")
    assert len(checks) >= 20
    assert set(checks["Resultat"]) == {"OK"}
    figs = siffror(sample_report)
    for table, part in figs.groupby("Tabell"):
        assert part["Värde"].sum() > 0, table


def test_no_identifier_of_the_register_anywhere_in_the_workbook(sample_report: Path, sample_copy: Path):
    register = validate_register(read_register(sample_copy))
    enrolments = register.enrolments
    secrets = set(enrolments["person_id"]) | set(enrolments["coach"].dropna())
    birth_dates = set(enrolments["birth_date"].dt.strftime("%Y-%m-%d")) | set(enrolments["birth_date"].dt.strftime("%y%m%d"))
    wb = openpyxl.load_workbook(sample_report)
    texts = [str(getattr(wb.properties, name) or "") for name in ("title", "subject", "creator", "description",
                                                                   "keywords", "lastModifiedBy")]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    texts.append(str(cell.value))
                if cell.comment:
                    texts.append(cell.comment.text)
    # every part of the package as text: shared strings, comments, chart XML, document properties
    with zipfile.ZipFile(sample_report) as package:
        parts = [name for name in package.namelist() if name.endswith((".xml", ".rels"))]
        assert any(name.startswith("xl/charts/") for name in parts)
        texts += [html.unescape(package.read(name).decode("utf-8")) for name in parts]
    blob = "\n".join(texts)
    assert "Deltagare per månad" in blob  # the chart titles are in what was scanned
    for secret in secrets:
        assert not re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", blob), secret
    assert not (birth_dates & set(re.findall(r"\d{4}-\d{2}-\d{2}|\d{6}", blob)))


def test_the_worklist_is_a_separate_internal_file_naming_persons(sample_report: Path):
    internal = sample_report.parent / "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx"
    ws = openpyxl.load_workbook(internal).worksheets[0]
    assert ws["A1"].value.startswith("INTERNT")
    assert [c.value for c in ws[3]] == ["Rad i registret", "Deltagar-ID", "Coach", "Utskriven",
                                        "Uppföljning från", "Utskrivningsorsak"]
    due = pd.read_excel(sample_report, sheet_name="Siffror").query("Rad == 'Ej uppföljda'")["Värde"].iloc[0]
    assert ws.max_row - 3 == due > 0
    listed = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    deadlines = [row[4] for row in listed]
    assert deadlines == sorted(deadlines)
    for register_row, person_id, _coach, exited, deadline, reason in listed:
        assert isinstance(register_row, int) and person_id and reason
        assert deadline - exited == dt.timedelta(days=90)


def test_about_sheet_names_the_file_and_its_sha256(sample_report: Path, sample_copy: Path):
    about = {r[0]: r[1] for r in rows(openpyxl.load_workbook(sample_report)["Om rapporten"]) if r[0]}
    assert about["Register (fil)"] == sample_copy.name
    assert about["Registrets SHA-256"] == hashlib.sha256(sample_copy.read_bytes()).hexdigest()
    assert about["Programversion"]


def test_a_second_run_writes_v2_and_leaves_the_first_unchanged(sample_copy: Path, tmp_path: Path, capsys):
    """The same register and period again writes nothing and says so; asked to (--igen), a new version."""
    out = tmp_path / "out"
    assert main(["report", str(sample_copy), "--out", str(out), "--today", TODAY]) == 0
    first = (out / REPORT).read_bytes()
    names = sorted(p.name for p in out.iterdir())
    capsys.readouterr()
    assert main(["report", str(sample_copy), "--out", str(out), "--today", TODAY]) == 0
    assert sorted(p.name for p in out.iterdir()) == names
    assert capsys.readouterr().out == (
        f"Registret {sample_copy.name} är detsamma (samma SHA-256) som det som gav {REPORT} för period 090501-090630, "
        f"så ingen ny rapport skrevs. Flytta eller ta bort {REPORT} om du vill skapa rapporten igen.\n")
    assert main(["report", str(sample_copy), "--period", "2009-03-01..2009-04-30", "--out", str(out),
                 "--today", TODAY]) == 0  # the same register, another period: a report of its own
    assert main(["report", str(sample_copy), "--out", str(out), "--today", TODAY, "--igen"]) == 0
    assert (out / REPORT).read_bytes() == first
    assert (out / "Navigator_lagesrapport_090501-090630_v2.xlsx").exists()
    assert not list(out.glob(".tmp-*"))


def test_chosen_period_and_the_register_is_never_modified(sample_copy: Path, tmp_path: Path):
    before = sample_copy.read_bytes()
    out = tmp_path / "out"
    assert main(["report", str(sample_copy), "--period", "2009-01-01..2009-02-28", "--out", str(out),
                 "--today", TODAY]) == 0
    assert sample_copy.read_bytes() == before
    wb = openpyxl.load_workbook(out / "Navigator_lagesrapport_090101-090228.xlsx", data_only=True)
    assert rows(wb["Tabell 2"])[0][1:5] == ("Jan", None, "Feb", None)
    assert rows(wb["Tabell 4"])[0][-6] == "090101-090228"


def test_table_starting_below_and_right_of_a1(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person(), person("P2", kon="M", inskriven="2009-05-03")],
                          origin=(3, 2))
    out = tmp_path / "out"
    assert main(["report", str(path), "--out", str(out), "--today", TODAY]) == 0
    figs = siffror(out / "Navigator_lagesrapport_090501-090630.xlsx")
    assert figs.query("Tabell == 'Tabell 1' and Rad == 'Summa' and Kolumn == 'Juni'")["Värde"].item() == 2


# --- exit statuses and messages -------------------------------------------------------

def test_usage_errors_exit_2_in_swedish(tmp_path: Path, sample_copy: Path, capsys):
    assert main(["report", str(tmp_path / "saknas.xlsx"), "--out", str(tmp_path / "o")]) == 2
    assert "finns inte" in capsys.readouterr().out
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "är en mapp" in capsys.readouterr().out
    assert main(["report", str(sample_copy), "--period", "maj 2009", "--out", str(tmp_path / "o")]) == 2
    assert "FRÅN..TILL" in capsys.readouterr().out
    blocker = tmp_path / "fil"
    blocker.write_text("x")
    assert main(["report", str(sample_copy), "--out", str(blocker / "under")]) == 2
    assert "Det går inte att skriva" in capsys.readouterr().out
    assert main(["rapport"]) == 2


def test_an_invalid_register_exits_1_with_an_error_file_and_no_report(tmp_path: Path, capsys):
    path = write_register(tmp_path / "r.xlsx", [person(kon="X"), person("P2", utskriven="2009-02-01")])
    out = tmp_path / "out"
    assert main(["report", str(path), "--out", str(out), "--today", TODAY]) == 1
    printed = capsys.readouterr().out
    assert "Deltagare!B2 (värde: 'X')" in printed
    assert "Deltagare!H3" in printed and "Utskrivningsorsak saknas" in printed
    assert not list(out.glob("*lagesrapport*"))
    assert "Deltagare!B2" in (out / "r_INTERNT_fel.txt").read_text(encoding="utf-8")
    assert (out / "r_INTERNT_fel.xlsx").exists()


def test_a_period_not_in_perioder_is_a_usage_error_that_lists_the_periods(tmp_path: Path, sample_copy: Path,
                                                                          capsys):
    out = tmp_path / "o"
    assert main(["report", str(sample_copy), "--period", "2009-05-01..2009-05-31", "--out", str(out),
                 "--today", TODAY]) == 2
    printed = capsys.readouterr().out
    assert printed.startswith("Perioden 2009-05-01..2009-05-31 finns inte i registrets blad Perioder. Välj en av "
                              "registrets perioder: 2008-05-01..2008-07-31, ")
    assert "2009-05-01..2009-06-30." in printed and "Registret" not in printed
    assert list(out.iterdir()) == []  # nothing written, not even an error list


@pytest.mark.parametrize("period, message", [
    ("2009-02-30..2009-03-31", "2009-02-30 är inget datum som finns i kalendern"),
    ("2009-06-30..2009-05-01", "börjar efter att den slutar"),
    ("maj 2009", "ska skrivas FRÅN..TILL"),
])
def test_a_period_that_cannot_be_is_named(tmp_path: Path, sample_copy: Path, capsys, period, message):
    assert main(["report", str(sample_copy), "--period", period, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().out


def test_a_file_that_is_no_workbook_exits_1(tmp_path: Path, capsys):
    path = tmp_path / "register.xlsx"
    path.write_text("inte ett kalkylblad")
    assert main(["report", str(path), "--out", str(tmp_path / "o")]) == 1
    printed = capsys.readouterr().out
    assert "Fel: Filen register.xlsx kan inte läsas som en arbetsbok" in printed  # no empty place before it


def test_batch_reports_every_register_and_fails_when_one_fails(tmp_path: Path, sample_copy: Path, capsys):
    inbox = tmp_path / "input"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(sample_copy.read_bytes())
    write_register(inbox / "b.xlsx", [person(kon="X")])
    (inbox / "~$a.xlsx").write_text("lock")
    (inbox / "c.xlsx").write_text("inte ett kalkylblad")
    out = tmp_path / "out"
    assert main(["batch", "--input", str(inbox), "--samples", str(tmp_path / "none"), "--out", str(out),
                 "--today", TODAY]) == 1
    printed = capsys.readouterr().out
    assert "Hoppar över ~$a.xlsx" in printed
    assert re.search(r"a\.xlsx\s+090501-090630\s+skriven", printed)
    assert re.search(r"b\.xlsx\s+-\s+ogiltigt, 1 fel\s+b_INTERNT_fel\.xlsx", printed)  # the marked copy to open
    assert re.search(r"c\.xlsx\s+-\s+oläsligt", printed)
    assert (out / REPORT).exists()


def test_make_report_path_uses_the_sample_when_input_is_empty(tmp_path: Path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "pipeline", "batch", "--input", str(tmp_path / "input"),
                           "--samples", str(ROOT / "input_samples"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "använder exemplen" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    # a fresh clone has no input/: it is made, and the coach is told where the register goes
    assert f"Mappen {tmp_path / 'input'}/ fanns inte och är nu skapad. Lägg registret där" in done.stdout
    assert (tmp_path / "input").is_dir()
    # both profiles: the 2007-2013 lägesrapport and the ESF+ indicators, each with its internal worklist
    assert len(list(out.glob("*_lagesrapport_*.xlsx"))) == 1 and len(list(out.glob("*_indikatorer_*.xlsx"))) == 1
    assert len(list(out.glob("*_INTERNT_uppfoljning_90_dagar_*.xlsx"))) == 1
    assert len(list(out.glob("*_INTERNT_att_fylla_i_*.xlsx"))) == 1
    plus = openpyxl.load_workbook(next(out.glob("*_indikatorer_*.xlsx")))
    assert "Indikatorer" in plus.sheetnames and "Tabell 1" not in plus.sheetnames
    assert set(row[4] for row in plus["Kontroller"].iter_rows(min_row=2, values_only=True)) == {"OK"}


def test_two_copies_of_one_register_in_a_batch_are_said_to_be_the_same(tmp_path: Path, sample_copy: Path, capsys):
    inbox = tmp_path / "input"
    inbox.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (inbox / name).write_bytes(sample_copy.read_bytes())
    assert main(["batch", "--input", str(inbox), "--out", str(tmp_path / "out"), "--today", TODAY]) == 0
    printed = capsys.readouterr().out
    assert ("Registret b.xlsx är detsamma (samma SHA-256) som det som gav Navigator_lagesrapport_090501-090630.xlsx "
            "för period 090501-090630, så ingen ny rapport skrevs.") in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx", "Navigator_lagesrapport_090501-090630.xlsx"]


def test_enrolments_after_the_period_are_said_not_to_count(tmp_path: Path, capsys):
    rows = [person("P1", inskriven="2009-05-10"), person("P2", inskriven="2009-07-02")]
    path = write_register(tmp_path / "r.xlsx", rows)
    assert main(["report", str(path), "--period", "2009-05-01..2009-06-30", "--out", str(tmp_path / "o"),
                 "--today", TODAY]) == 0
    printed = capsys.readouterr().out
    assert "Rader lästa i Deltagare: 2, rader med fel: 0, rader räknade: 1 " in printed
    assert "1 inskrivning ligger efter periodens slut (2009-06-30) och räknas inte i denna rapport." in printed


def test_a_period_spanning_december_and_january_passes_its_own_checks(tmp_path: Path, capsys):
    periods = [("2008-05-01", "2008-11-30"), ("2008-12-01", "2009-01-31"), ("2009-02-01", "2009-06-30")]
    rows = [person("P1", inskriven="2008-11-20"), person("P2", kon="M", inskriven="2008-12-10", utskriven="2009-01-15",
                                                         orsak=1)]
    path = write_register(tmp_path / "r.xlsx", rows, perioder=periods)
    code = main(["report", str(path), "--period", "2008-12-01..2009-01-31", "--out", str(tmp_path / "o"),
                 "--today", TODAY])
    assert code == 0, capsys.readouterr().out
    checks = pd.read_excel(next((tmp_path / "o").glob("*lagesrapport*.xlsx")), sheet_name="Kontroller")
    assert set(checks["Resultat"]) == {"OK"}


def test_an_output_folder_inside_input_is_not_read_as_registers(tmp_path: Path, sample_copy: Path, capsys):
    inbox = tmp_path / "input"
    inbox.mkdir()
    (inbox / "navigator.xlsx").write_bytes(sample_copy.read_bytes())
    args = ["batch", "--input", str(inbox), "--out", str(inbox), "--today", TODAY]
    assert main(args) == 0
    capsys.readouterr()
    renamed = inbox / "kopia.xlsx"  # a report renamed by hand is still known by its properties
    (inbox / "Navigator_lagesrapport_090501-090630.xlsx").rename(renamed)
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Hoppar över kopia.xlsx (en fil som verktyget självt har skrivit)." in printed
    assert "Hoppar över Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx (en fil som verktyget" in printed
    assert printed.count("== ") == 1  # only the register was reported


def test_a_reader_that_goes_away_ends_the_run_without_a_traceback(tmp_path: Path):
    """`… | head -1`: the command line stops as any tool does when its output is closed, quietly."""
    # more problems than a pipe holds (64 KiB), so that the printing meets the closed pipe
    register = write_register(tmp_path / "fel.xlsx", [person(f"P{i}", kon="X") for i in range(3000)])
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "report", str(register), "--out", str(tmp_path / "ut")],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = run.stdout.readline()
    run.stdout.close()
    errors = run.stderr.read()
    run.wait(timeout=60)
    assert first.startswith("Registret fel.xlsx har 3000 fel")
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_the_worklists_print_one_page_wide_with_room_for_their_text(tmp_path: Path):
    """Both profiles' worklists: A4 landscape, one page wide, the header row repeated, every column as wide as
    its longest text (the ESF+ list's "Att fylla i" runs to some 60 characters)."""
    out = tmp_path / "out"
    assert main(["batch", "--input", str(tmp_path / "input"), "--samples", str(ROOT / "input_samples"),
                 "--out", str(out), "--today", TODAY]) == 0
    for path in sorted(out.glob("*_INTERNT_*.xlsx")):
        ws = openpyxl.load_workbook(path).active
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$3:$3"
        for column in ws.iter_cols(min_row=3):
            longest = max(len(str(c.value)) for c in column if c.value is not None and not hasattr(c.value, "year"))
            assert ws.column_dimensions[column[0].column_letter].width >= min(longest, 58), path.name
