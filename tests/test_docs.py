"""The README's register reference is generated from schemas/register.py and must not drift."""

from conftest import ROOT
from pipeline.tools.docs import with_reference
from schemas.register import DELTAGARE


def test_readme_register_columns_match_the_declaration():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_reference(readme), "README is out of date: run `make readme`"
    for column in DELTAGARE.columns:
        assert f"`{column.header}`" in readme


def test_no_code_or_test_reads_the_shared_folder():
    for path in [*ROOT.glob("pipeline/*.py"), *ROOT.glob("schemas/*.py"), *ROOT.glob("tests/*.py"), ROOT / "Makefile"]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text.replace('"../shared"', ""), path
