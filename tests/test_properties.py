"""Property tests (hypothesis): invariants of the tables on generated registers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import enrolments
from pipeline.period import Period
from pipeline.count.checks import OK
from pipeline.count.report import build_report
from pipeline.check.validate import Project, Register
from schemas.form import GROUP_LABELS
from schemas.register import CONTACT_TYPES
from schemas import form
from test_tables import GOALS, PERIODS

START = pd.Timestamp("2008-05-01")
# periods of another project's agreement, one of them spanning December and January
YEAR_CROSSING = [Period(pd.Timestamp(a), pd.Timestamp(b)) for a, b in
                 [("2008-05-01", "2008-07-31"), ("2008-08-01", "2008-11-30"), ("2008-12-01", "2009-01-31"),
                  ("2009-02-01", "2009-06-30")]]
LAST = PERIODS[-1].end
GROUPS = [("1990-06-01", "Inrikes", "Försörjningsstöd"), ("1990-06-01", "Utrikes", "Introduktionsersättning"),
          ("1970-06-01", "Inrikes", "Försörjningsstöd"), ("1970-06-01", "Utrikes", "Försörjningsstöd"),
          ("1970-06-01", "Utrikes", "Introduktionsersättning")]


@st.composite
def persons(draw, pid: int) -> list[dict]:
    birth, born, benefit = draw(st.sampled_from(GROUPS))
    gender = draw(st.sampled_from(["K", "M"]))
    day = draw(st.integers(0, (LAST - START).days))
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        enrolled = START + pd.Timedelta(days=day)
        if enrolled > LAST + pd.Timedelta(days=40):
            break
        row = dict(person_id=f"P{pid}", gender=gender, birth_date=birth, born=born, benefit=benefit,
                   enrolled=str(enrolled.date()))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        if length is None:
            rows.append(row)
            break
        exited = enrolled + pd.Timedelta(days=length)
        row |= dict(exited=str(exited.date()), reason=draw(st.sampled_from("12345")),
                    follow_up=draw(st.sampled_from([None, "Arbete", "Studier", "Annat", "Ej nådd"])))
        rows.append(row)
        day = (exited - START).days + draw(st.integers(1, 120))
    return rows


@st.composite
def registers(draw) -> tuple[Register, Period]:
    rows = [r for pid in range(draw(st.integers(1, 25))) for r in draw(persons(pid))]
    n_contacts = draw(st.integers(0, 8))
    contacts = pd.DataFrame({
        "date": pd.to_datetime([START + pd.Timedelta(days=draw(st.integers(0, 500))) for _ in range(n_contacts)]),
        "organisation": pd.Series([draw(st.sampled_from(["Bygg AB", "bygg  ab", "Vården", "Skolan"]))
                                    for _ in range(n_contacts)], dtype="string"),
        "type": pd.Series([draw(st.sampled_from(CONTACT_TYPES)) for _ in range(n_contacts)], dtype="string"),
    }).astype({"date": "datetime64[ns]"})
    calendar = draw(st.sampled_from([PERIODS, YEAR_CROSSING]))
    periods = pd.DataFrame({"start": [p.start for p in calendar], "end": [p.end for p in calendar]})
    project = Project("Test", "1", "Ägare", START, pd.Timestamp("2011-04-30"), dict(GOALS))
    register = Register(project, periods, enrolments(*rows), contacts)
    return register, draw(st.sampled_from(calendar))


def figure(report, table, row, column, gender=""):
    return report.value(table, row, column, gender)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_every_check_passes_and_the_tables_agree_on_any_valid_register(case):
    register, period = case
    report = build_report(register, period)
    assert set(report.checks["Resultat"]) == {OK}, report.failed_checks.to_dict("records")
    f = report.figures
    t1 = f[f["Tabell"] == form.T1]
    for month in t1["Kolumn"].unique():
        groups = t1[(t1["Kolumn"] == month) & t1["Rad"].isin(GROUP_LABELS)]["Värde"].sum()
        assert groups == figure(report, form.T1, form.T1_SUM, month)
    for group in GROUP_LABELS:
        for kon in form.GENDERS:
            enrolled = figure(report, form.T4, group, form.ENROLLED_SINCE_START, kon)
            assert figure(report, form.T4, group, form.UNIQUE_SINCE_START, kon) <= enrolled
            per_period = sum(figure(report, form.T4, group, p.label, kon) for p in report.periods)
            assert per_period == enrolled
    assert figure(report, form.T2, form.T2_PERIOD, form.PERIOD_COLUMN) == figure(report, form.REASONS, "Summa", form.PERIOD_COLUMN)
    as_of = register.enrolments[register.enrolments["enrolled"] <= period.end]
    assert figure(report, form.T4, form.T4_SUM, form.ENROLLED_SINCE_START) == len(as_of)
    assert figure(report, form.T4, form.T4_SUM, form.UNIQUE_SINCE_START) == as_of["person_id"].nunique()


date_like = st.one_of(
    st.dates(min_value=dt.date(1600, 1, 1), max_value=dt.date(2300, 12, 31)).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{6}\Z"), st.from_regex(r"\A\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?\Z"),
    st.text(max_size=12))
code_like = st.one_of(st.sampled_from(["K", " kvinna ", "MAN", "m", "Ickebinär", "icke-binär", "1.0", "x"]),
                      st.text(max_size=8))


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(date_like, min_size=1, max_size=30, unique=True),
       codes=st.lists(code_like, min_size=1, max_size=20, unique=True))
def test_few_and_many_distinct_values_are_typed_alike(texts, codes):
    """A column with few distinct texts is typed one by one, one with many by pyarrow: the same texts get
    the same dates and codes either way."""
    from pipeline.check import parse
    from schemas.register import GENDER_PLUS

    uniques = pd.Series(texts, dtype="string")
    written = pd.Index(codes, dtype="string")
    one_by_one, few = parse._date_forms(uniques), parse.code_labels(written, GENDER_PLUS)
    saved = parse.FEW
    parse.FEW = -1
    try:
        vectorised, many = parse._date_forms(uniques), parse.code_labels(written, GENDER_PLUS)
    finally:
        parse.FEW = saved
    for a, b in zip(one_by_one, vectorised):  # NaT where either has no date, the same date elsewhere
        if a.dtype.kind == "M":
            assert np.array_equal(np.isnat(a), np.isnat(b)) and (a[~np.isnat(a)] == b[~np.isnat(b)]).all(), texts
        else:
            assert np.array_equal(a, b), texts
    assert few == many


@settings(max_examples=80, deadline=None)
@given(first=st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2150, 1, 1)),  # +40 000 days: in 2259
       span=st.sampled_from([1, 3, 40, 400, 40_000]), times=st.integers(1, 300), data=st.data())
def test_a_date_s_year_month_and_day_are_the_calendar_s_however_many_dates_and_days(first, span, times, data):
    """`calendar_parts` looks dates up in a table of the days they span, or, for fewer dates than days between
    them, converts each: either way a date's parts are the calendar's, and a missing date's are 0."""
    from pipeline.period import calendar_parts

    offsets = data.draw(st.lists(st.one_of(st.none(), st.integers(0, span)), min_size=1, max_size=40))
    dates = pd.Series([None if o is None else pd.Timestamp(first) + pd.Timedelta(days=o) for o in offsets] * times,
                      dtype="datetime64[ns]")
    year, month, day, missing = calendar_parts(dates)
    assert np.array_equal(missing, dates.isna().to_numpy())
    for got, expected in ((year, dates.dt.year), (month, dates.dt.month), (day, dates.dt.day)):
        assert np.array_equal(got, expected.fillna(0).to_numpy(dtype=np.int64))


organisation_like = st.sampled_from(["Acme AB", "acme  ab", "ACME AB ", "Béta", "Be\u0301ta", "Gamma\u00a0Oy",
                                     "gamma oy", "Delta", ""])


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.one_of(st.none(), organisation_like, st.text(max_size=6)), min_size=1, max_size=40))
def test_few_and_many_organisations_are_told_apart_alike(names):
    """An employer's name is folded one by one where a sheet has few distinct names, by pyarrow where it has
    many: the same names are the same organisation either way."""
    from pipeline.count import tables

    column = pd.Series(pd.Categorical(names))
    few = tables.organisation_key(column)
    saved = tables.FEW
    tables.FEW = -1
    try:
        many = tables.organisation_key(column)
    finally:
        tables.FEW = saved
    assert np.array_equal(few, many), names


cell_like = st.one_of(st.none(), organisation_like, st.sampled_from(["", " ", "\u00a0", "K", " K", "K\t", "Kön",
                                                                   "Ko\u0308n", "\u2003Kön\u2003"]),
                      st.text(max_size=6))


@settings(max_examples=80, deadline=None)
@given(cells=st.lists(cell_like, max_size=40))
def test_a_column_s_cells_read_alike_with_few_and_many_distinct_texts(cells):
    """A column's distinct texts are judged in Python when they are few, by pyarrow when many: either way the
    same cells become the same stripped, NFC-normalised categories, and blank ones empty."""
    import pyarrow as pa

    from pipeline.read import reader

    few = reader.text_column(pa.array(cells, pa.string()))
    saved = reader.FEW
    reader.FEW = -1
    try:
        many = reader.text_column(pa.array(cells, pa.string()))
    finally:
        reader.FEW = saved
    assert few.astype(object).tolist() == many.astype(object).tolist(), cells
    assert list(few.categories) == list(many.categories), cells
    assert all(text and text == text.strip(" \t\u00a0\u2003") for text in few.categories), cells


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(-1, 6), st.integers(0, 20)), max_size=40))
def test_an_enrolment_s_number_is_its_place_among_its_person_s_by_date_then_row(rows):
    """`enrolment_numbers` sorts only the persons enrolled more than once: every enrolment's number is still
    its place among its person's enrolments, by date and then row (rows without an ID, -1, count as one)."""
    from pipeline.period import enrolment_numbers

    person = np.array([p for p, _ in rows], dtype=np.int64)
    enrolled = pd.Series(pd.Timestamp("2009-01-01") + pd.to_timedelta([d for _, d in rows], unit="D"),
                         dtype="datetime64[ns]")
    frame = pd.DataFrame({"person": person, "enrolled": enrolled, "row": np.arange(len(rows))})
    expected = frame.sort_values(["enrolled", "row"]).groupby("person").cumcount().sort_index().to_numpy()
    assert np.array_equal(enrolment_numbers(person, enrolled), expected)


@settings(max_examples=60, deadline=None)
@given(categories=st.lists(code_like, max_size=20, unique=True), wanted=st.lists(code_like, max_size=6))
def test_a_category_is_judged_one_of_the_wanted_alike_when_few_and_when_many(categories, wanted):
    """`categories_in` judges a code column's few categories one by one, many by pandas: the same answer either
    way, and each answer is whether the category is among the wanted (the parser's `holds` and Pandera's code
    check both use it)."""
    from schemas import register

    index = pd.Index(categories, dtype="str")
    few = register.categories_in(index, wanted)
    saved = register.FEW
    register.FEW = -1
    try:
        many = register.categories_in(index, tuple(wanted))
    finally:
        register.FEW = saved
    assert few.dtype == bool and np.array_equal(few, many), (categories, wanted)
    assert few.tolist() == [c in wanted for c in categories]
