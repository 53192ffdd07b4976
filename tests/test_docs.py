"""The generated parts of docs/register.md (register columns, counting rules) come from schemas/ and must not drift;
the README stays to what the tool does, its commands and where things are."""

from conftest import ROOT
from pipeline.tools.docs import with_reference
from schemas.form import COUNTING_RULES
from schemas.register import DELTAGARE


REFERENCE = ROOT / "docs" / "register.md"


def test_the_register_page_matches_the_declaration_and_the_readme_stays_short():
    reference = REFERENCE.read_text(encoding="utf-8")
    assert reference == with_reference(reference), "docs/register.md is out of date: run `make readme`"
    for column in DELTAGARE.columns:
        assert f"`{column.header}`" in reference
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    for heading in ("## The two commands", "## The register in brief", "## Where each rule lives",
                    "## How to add a table, a rule or a column"):
        assert heading in readme
    for page in ("docs/guide.md", "docs/register.md", "docs/architecture.md", "docs/performance.md"):
        assert f"]({page})" in readme and (ROOT / page).is_file()


def test_no_code_or_test_reads_the_shared_folder():
    for path in [*ROOT.glob("pipeline/**/*.py"), *ROOT.glob("schemas/*.py"), *ROOT.glob("tests/*.py"), ROOT / "Makefile"]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text.replace('"../shared"', ""), path


def test_the_readme_and_om_rapporten_state_the_same_counting_rules(sample_copy, tmp_path):
    """Each rule of `Om rapporten` (Swedish) has its English twin in docs/register.md, from one declaration."""
    import openpyxl

    from pipeline.cli import main

    readme = REFERENCE.read_text(encoding="utf-8")
    assert main(["report", str(sample_copy), "--out", str(tmp_path), "--today", "2026-11-25"]) == 0
    about = openpyxl.load_workbook(next(tmp_path.glob("*lagesrapport*.xlsx")))["Om rapporten"]
    stated = [row[1][2:] for row in about.iter_rows(values_only=True) if str(row[1]).startswith("• ")]
    assert stated == [rule.sv for rule in COUNTING_RULES]
    assert all(f"- {rule.en}" in readme for rule in COUNTING_RULES)


def test_the_esf_plus_report_states_its_own_counting_rules_as_the_readme_does(tmp_path):
    import openpyxl

    from pipeline.cli import main
    from schemas import form_plus

    readme = REFERENCE.read_text(encoding="utf-8")
    register = ROOT / "input_samples" / "vagen_vidare_register.xlsx"
    assert main(["report", str(register), "--out", str(tmp_path), "--today", "2026-11-25"]) == 0
    about = openpyxl.load_workbook(next(tmp_path.glob("*_indikatorer_*.xlsx")))["Om rapporten"]
    rows = list(about.iter_rows(values_only=True))
    stated = [row[1][2:] for row in rows if str(row[1]).startswith("• ")]
    assert stated == [rule.sv for rule in form_plus.COUNTING_RULES] + list(form_plus.DEFINITIONS)
    assert ("Programperiod", "2021-2027") in [row[:2] for row in rows]
    assert all(f"- {rule.en}" in readme for rule in form_plus.COUNTING_RULES)
    assert "### Programperiod 2021-2027" in readme and "`Arbetsmarknadsstatus`" in readme


def test_make_help_lists_the_coachs_targets_apart_from_the_developers():
    import subprocess

    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    coach, developer = shown.split("För den som utvecklar verktyget:")
    assert coach.startswith("För den som skapar rapporter:")
    for target in ("report", "serve", "template"):
        assert f"make {target} " in coach and f"make {target} " not in developer
    for target in ("test", "bench", "golden", "readme", "pictures", "wheel"):
        assert f"make {target} " in developer and f"make {target} " not in coach
