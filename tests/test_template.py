"""The template: every coded and date column validated, lists from the declaration, and it fills in."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from conftest import TODAY, d
from pipeline.cli import main
from schemas.register import PROJECT_ITEMS, SHEETS


def template(tmp_path: Path) -> Path:
    assert main(["template", "--out", str(tmp_path)]) == 0
    return tmp_path / "registermall.xlsx"


def test_every_coded_and_date_column_has_a_data_validation_from_the_declaration(tmp_path: Path):
    wb = openpyxl.load_workbook(template(tmp_path))
    assert wb.sheetnames == ["Instruktioner", "Deltagare", "Projekt", "Perioder", "Arbetsgivarkontakter"]
    for sheet in SHEETS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
        rules = {str(rule.sqref).split(":")[0]: rule for rule in ws.data_validations.dataValidation}
        for i, column in enumerate(sheet.columns):
            letter = chr(65 + i)
            if sheet.name == "Projekt":
                continue
            if column.kind == "code":
                assert rules[f"{letter}2"].type == "list"
                assert rules[f"{letter}2"].formula1 == '"' + ",".join(column.choices) + '"'
            elif column.kind == "date":
                assert rules[f"{letter}2"].type == "date"
                assert "2009-05-01" in rules[f"{letter}2"].prompt
            else:
                assert f"{letter}2" not in rules
                continue
            # Excel shows a rule's help only when its input message is turned on
            assert rules[f"{letter}2"].showInputMessage and rules[f"{letter}2"].showErrorMessage
    assert [c.value for c in wb["Projekt"]["A"][1:]] == [i.label for i in PROJECT_ITEMS]


def test_a_template_filled_in_through_its_lists_validates(tmp_path: Path, capsys):
    path = template(tmp_path)
    wb = openpyxl.load_workbook(path)
    lists = {c.header: c.choices for s in SHEETS for c in s.columns if c.kind == "code"}
    ws = wb["Deltagare"]
    ws.append(["P1", lists["Kön"][0], d("1980-01-01"), lists["Född"][0], lists["Ersättning"][0], d("2009-05-04"),
               d("2009-06-10"), lists["Utskrivningsorsak"][0], None, "Coach"])
    for r, item in enumerate(PROJECT_ITEMS, start=2):
        wb["Projekt"].cell(r, 2, item.example)
    wb["Perioder"].append([d("2008-05-01"), d("2009-06-30")])
    wb["Arbetsgivarkontakter"].append([d("2009-05-05"), "Bygg AB", lists["Typ"][0]])
    filled = tmp_path / "ifylld.xlsx"
    wb.save(filled)
    code = main(["report", str(filled), "--out", str(tmp_path / "out"), "--today", TODAY])
    assert code == 0, capsys.readouterr().out
    assert main(["template", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "registermall_v2.xlsx").exists()


def test_the_exit_reasons_are_offered_as_the_form_writes_them_and_every_sheet_prints(tmp_path: Path):
    wb = openpyxl.load_workbook(template(tmp_path))
    rules = {str(r.sqref).split(":")[0]: r for r in wb["Deltagare"].data_validations.dataValidation}
    assert rules["H2"].formula1 == '"1-Arbete,2-Studier,3-Annan orsak,4-Okänd orsak,5-Projekt fullföljt"'
    assert wb["Arbetsgivarkontakter"].column_dimensions["B"].width >= 30  # Organisation
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0


def test_a_filled_template_keeping_its_name_is_read_as_a_register(tmp_path: Path, capsys):
    from pipeline import run

    path = template(tmp_path)
    assert not run.written_by_this_tool(path)  # a coach fills the template and may keep its name
