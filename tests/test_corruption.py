"""Property: corrupting any single cell of a valid register gives a report, or exit 1 naming that cell."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TODAY, person, write_register
from pipeline.cli import main
from pipeline.problems import column_letter

BASE = [person("P1", inskriven="2008-06-01", utskriven="2008-10-01", orsak=1, uppfoljning="Arbete"),
        person("P1", inskriven="2009-01-05"),
        person("P2", kon="M", born_on="1990-04-04", fodd="Utrikes", ers="Introduktionsersättning",
               inskriven="2009-05-02", utskriven="2009-06-20", orsak=4),
        person("P3", born_on="1960-01-01", fodd="Utrikes", inskriven="2008-09-09")]

values = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.integers(-10, 100_000), st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)), st.sampled_from(
        ["K", "M", "Inrikes", "Utrikes", "Försörjningsstöd", "Introduktionsersättning", "1", "Arbete", "Ej nådd",
         "2009-02-30", "090501", "2009-05-01", "=1+1", "#N/A", " ", "P2", "P1"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(2, 1 + len(BASE)), col=st.integers(1, 10), value=values)
def test_single_cell_corruption_never_crashes(row: int, col: int, value):
    with tempfile.TemporaryDirectory() as folder:
        path = write_register(Path(folder) / "r.xlsx", BASE)
        wb = openpyxl.load_workbook(path)
        cell = wb["Deltagare"].cell(row, col)
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        wb.save(path)
        out = Path(folder) / "out"
        from contextlib import redirect_stdout
        from io import StringIO

        printed = StringIO()
        with redirect_stdout(printed):
            code = main(["report", str(path), "--out", str(out), "--today", TODAY,
                         "--period", "2009-05-01..2009-06-30"])
        text = printed.getvalue()
        assert "Traceback" not in text and "internt fel" not in text.lower()
        assert code in (0, 1), text
        place = f"{column_letter(col - 1)}{row}"
        if code == 1:
            errors = [line for line in text.splitlines() if line.startswith("Fel: ")]
            named = re.compile(rf"(Deltagare!|\(){place}\b|\brad {row}\b")
            assert any(named.search(line) for line in errors), text
        else:
            assert list(out.glob("*lagesrapport*.xlsx"))
