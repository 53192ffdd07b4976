"""Unit tests of each table on tiny inline registers, hand-counted, one per counting rule at least."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import enrolments
from pipeline.count import tables as t
from pipeline.period import Period, as_of
from schemas.form import GROUP_LABELS
from schemas import form

G_YOUNG_DOMESTIC, G_YOUNG_FOREIGN, G_DOMESTIC, G_FOREIGN_FS, G_FOREIGN_INTRO = GROUP_LABELS
PERIOD = Period(pd.Timestamp("2009-05-01"), pd.Timestamp("2009-06-30"))
PROJECT_START = pd.Timestamp("2008-05-01")
PERIODS = [Period(pd.Timestamp(a), pd.Timestamp(b)) for a, b in
           [("2008-05-01", "2008-07-31"), ("2008-08-01", "2008-09-30"), ("2008-10-01", "2008-12-31"),
            ("2009-01-01", "2009-02-28"), ("2009-03-01", "2009-04-30"), ("2009-05-01", "2009-06-30")]]
GOALS = dict(goal_enrolled=135, goal_young=60, goal_domestic_adults=25, goal_foreign=50, goal_women_share=0.5,
             goal_work_or_studies_share=0.7, goal_work_90_share=0.28, goal_employer_contacts=60)


def value(figs, row: str, column: str, gender: str = "") -> float:
    figs = pd.DataFrame(figs)  # a table's long form, or a frame of it
    hit = figs[(figs["Rad"] == row) & (figs["Kolumn"] == column) & (figs["Kön"] == gender)]
    assert len(hit) == 1, (row, column, gender, len(hit))
    return hit["Värde"].iloc[0]


def prepared(*rows: dict, end: pd.Timestamp = PERIOD.end) -> pd.DataFrame:
    return t.prepare(as_of(enrolments(*rows), end))


def table_1(*rows: dict, period: Period = PERIOD) -> pd.DataFrame:
    return pd.DataFrame(t.table_1(prepared(*rows, end=period.end), t.table_1_months(PROJECT_START, period)))


def results(*rows: dict, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    contacts = contacts if contacts is not None else pd.DataFrame(
        {"date": pd.Series(dtype="datetime64[ns]"), "organisation": pd.Series(dtype="string"),
         "type": pd.Series(dtype="string")})
    return pd.DataFrame(t.results(prepared(*rows), contacts, PERIOD, GOALS, 14, 36))


# --- target groups ----------------------------------------------------------------------

def test_birthday_on_the_enrolment_day_counts():
    frame = enrolments(dict(birth_date="1984-05-01", enrolled="2009-05-01"),
                       dict(person_id="P2", birth_date="1984-05-02", enrolled="2009-05-01"))
    assert frame["age"].tolist() == [25, 24]
    assert frame["group"].tolist() == [G_DOMESTIC, G_YOUNG_DOMESTIC]


def test_a_person_who_turns_25_while_enrolled_stays_young_for_that_enrolment():
    figs = table_1(dict(birth_date="1984-03-01", enrolled="2009-01-10"))  # 25 on 1 March 2009
    assert value(figs, G_YOUNG_DOMESTIC, "Juni", "kv") == 1
    assert value(figs, G_DOMESTIC, "Juni", "kv") == 0


# --- Table 1 ----------------------------------------------------------------------------

def test_table_1_months_run_from_january_of_the_period_end_year():
    figs = table_1(dict())
    assert list(dict.fromkeys(figs.loc[figs["Rad"] == form.T1_SUM, "Kolumn"])) == ["Jan", "Feb", "Mars", "April", "Maj", "Juni"]


def test_table_1_starts_at_the_project_start_in_its_first_year():
    period = PERIODS[1]  # 2008-08-01..2008-09-30
    figs = table_1(dict(enrolled="2008-05-20"), period=period)
    assert list(dict.fromkeys(figs.loc[figs["Rad"] == form.T1_SUM, "Kolumn"])) == ["Maj", "Juni", "Juli", "Aug", "Sept"]
    assert value(figs, form.T1_SUM, "Maj") == 1


def test_enrolled_on_the_last_day_of_a_month_counts_in_that_month():
    figs = table_1(dict(enrolled="2009-03-31"))
    assert value(figs, G_DOMESTIC, "Feb", "kv") == 0
    assert value(figs, G_DOMESTIC, "Mars", "kv") == 1
    assert value(figs, G_DOMESTIC, "April", "kv") == 1


def test_exited_on_the_first_day_of_a_month_counts_in_that_month():
    figs = table_1(dict(enrolled="2009-01-15", exited="2009-04-01", reason="1"))
    assert value(figs, G_DOMESTIC, "April", "kv") == 1
    assert value(figs, G_DOMESTIC, "Maj", "kv") == 0


def test_an_enrolment_after_the_period_end_is_ignored():
    figs = table_1(dict(enrolled="2009-07-01"), dict(person_id="P2", enrolled="2009-06-30", gender="M"))
    assert value(figs, form.T1_SUM, "Juni") == 1
    assert value(figs, form.T1_SUM_GENDER, "Juni", "kv") == 0


def test_table_1_sums_by_gender_and_total():
    figs = table_1(dict(), dict(person_id="P2", gender="M", born="Utrikes", benefit="Introduktionsersättning",
                                birth_date="1990-01-01"))
    assert value(figs, G_YOUNG_FOREIGN, "Jan", "m") == 1
    assert value(figs, form.T1_SUM_GENDER, "Jan", "kv") == 1
    assert value(figs, form.T1_SUM_GENDER, "Jan", "m") == 1
    assert value(figs, form.T1_SUM, "Jan") == 2


# --- Table 2 ----------------------------------------------------------------------------

def test_table_2_counts_exits_of_the_period_by_month():
    figs = t.table_2(prepared(dict(exited="2009-05-01", reason="1"),
                              dict(person_id="P2", exited="2009-06-30", reason="2", gender="M"),
                              dict(person_id="P3", exited="2009-04-30", reason="1")), PERIOD)
    assert value(figs, G_DOMESTIC, "Maj", "kv") == 1
    assert value(figs, G_DOMESTIC, "Juni", "m") == 1
    assert value(figs, form.T2_SUM_MONTH, "Maj") == 1
    assert value(figs, form.T2_PERIOD_GENDER, form.PERIOD_COLUMN, "kv") == 1
    assert value(figs, form.T2_PERIOD, form.PERIOD_COLUMN) == 2


def test_an_exit_after_the_period_end_counts_as_no_exit_yet():
    frame = as_of(enrolments(dict(exited="2009-07-01", reason="1", follow_up="Arbete")), PERIOD.end)
    assert frame["exited"].isna().all() and frame["reason"].isna().all()
    frame = t.prepare(frame)
    assert value(t.table_2(frame, PERIOD), form.T2_PERIOD, form.PERIOD_COLUMN) == 0
    assert value(t.table_1(frame, t.table_1_months(PROJECT_START, PERIOD)), form.T1_SUM, "Juni") == 1


# --- Table 4 ----------------------------------------------------------------------------

def test_a_re_enrolment_counts_twice_in_enrolled_and_once_in_unique_in_its_first_group():
    # the re-enrolment is listed first and the person is 24 at the first enrolment, 25 at the second
    frame = prepared(dict(birth_date="1984-03-01", enrolled="2009-05-10"),
                     dict(birth_date="1984-03-01", enrolled="2008-06-01", exited="2008-12-01", reason="3"))
    assert frame.number.tolist() == [1, 0]
    figs = t.table_4(frame, PERIODS)
    assert value(figs, G_YOUNG_DOMESTIC, "080501-080731", "kv") == 1
    assert value(figs, G_DOMESTIC, "090501-090630", "kv") == 1
    assert value(figs, G_YOUNG_DOMESTIC, form.ENROLLED_SINCE_START, "kv") == 1
    assert value(figs, G_DOMESTIC, form.ENROLLED_SINCE_START, "kv") == 1
    assert value(figs, form.T4_SUM, form.ENROLLED_SINCE_START) == 2
    assert value(figs, G_YOUNG_DOMESTIC, form.UNIQUE_SINCE_START, "kv") == 1
    assert value(figs, G_DOMESTIC, form.UNIQUE_SINCE_START, "kv") == 0
    assert value(figs, form.T4_SUM, form.UNIQUE_SINCE_START) == 1


def test_table_4_places_each_enrolment_in_its_reporting_period():
    figs = t.table_4(prepared(dict(enrolled="2008-07-31"), dict(person_id="P2", enrolled="2008-08-01")), PERIODS)
    assert value(figs, G_DOMESTIC, "080501-080731", "kv") == 1
    assert value(figs, G_DOMESTIC, "080801-080930", "kv") == 1
    assert value(figs, form.T4_SUM_GENDER, "080801-080930", "kv") == 1
    assert value(figs, form.T4_SUM, "081001-081231") == 0


# --- exit reasons -----------------------------------------------------------------------

def test_exit_reasons_for_the_period_and_since_start_with_shares():
    figs = t.exit_reasons(prepared(dict(exited="2009-05-02", reason="1"),
                                   dict(person_id="P2", exited="2009-02-01", reason="2"),
                                   dict(person_id="P3", exited="2009-06-01", reason="1"),
                                   dict(person_id="P4", exited="2009-06-02", reason="5")), PERIOD)
    assert value(figs, "1-Arbete", "Perioden") == 2
    assert value(figs, "Summa", "Perioden") == 3
    assert value(figs, "1-Arbete", "Perioden andel") == pytest.approx(2 / 3)
    assert value(figs, "2-Studier", "Sedan starten") == 1
    assert value(figs, "Summa", "Sedan starten andel") == 1
    assert value(figs, "4-Okänd orsak", "Perioden andel") == 0


def test_no_exits_gives_zero_shares_not_an_error():
    figs = t.exit_reasons(prepared(dict()), PERIOD)
    assert value(figs, "Summa", "Perioden") == 0
    assert value(figs, "Summa", "Perioden andel") == 0


# --- results ----------------------------------------------------------------------------

def test_goals_count_all_young_and_all_foreign_born():
    figs = results(dict(birth_date="1990-01-01"),
                   dict(person_id="P2", birth_date="1990-01-01", born="Utrikes", benefit="Introduktionsersättning"),
                   dict(person_id="P3", born="Utrikes", gender="M"))
    assert value(figs, "Ungdomar 16-24 år", "Utfall") == 2
    assert value(figs, "Utrikesfödda", "Utfall") == 2
    assert value(figs, "Inrikesfödda 25-64 år", "Utfall") == 0
    assert value(figs, "Kvinnor", "Andel") == pytest.approx(2 / 3)
    assert value(figs, "Kvinnor", "Andel av mål") == pytest.approx((2 / 3) / 0.5)
    assert value(figs, "Nyinskrivna deltagare", "Andel av mål") == pytest.approx(3 / 135)


def test_an_exit_exactly_90_days_before_the_period_end_is_due():
    end = PERIOD.end
    figs = results(dict(exited=str((end - pd.Timedelta(days=90)).date()), reason="1", follow_up="Arbete"),
                   dict(person_id="P2", exited=str((end - pd.Timedelta(days=89)).date()), reason="1"),
                   dict(person_id="P3", exited="2008-12-01", reason="3"))
    assert value(figs, "Utskrivna mer än 90 dagar", "Utfall") == 2
    assert value(figs, "I arbete 90 dagar efter utskrivning", "Utfall") == 1
    assert value(figs, "I arbete 90 dagar efter utskrivning", "Andel") == 0.5
    assert value(figs, "Ej uppföljda", "Utfall") == 1


def test_participants_in_the_period_new_and_re_enrolled():
    figs = results(dict(enrolled="2008-06-01", exited="2008-09-01", reason="4"),
                   dict(enrolled="2009-05-05"),
                   dict(person_id="P2", enrolled="2009-01-01", exited="2009-05-01", reason="1", gender="M"),
                   dict(person_id="P3", enrolled="2009-01-01", exited="2009-04-30", reason="1"))
    assert value(figs, "Deltagare under perioden", "Utfall") == 2
    assert value(figs, "Deltagare under perioden", "Utfall", "m") == 1
    assert value(figs, "Deltagare under perioden", G_DOMESTIC, "kv") == 1
    assert value(figs, "Nyinskrivna under perioden", "Utfall") == 1
    assert value(figs, "Återinskrivna bland deltagarna", "Utfall") == 1


def contacts(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([r[0] for r in rows]).astype("datetime64[ns]"),
                         "organisation": pd.Series([r[1] for r in rows], dtype="string"),
                         "type": pd.Series([r[2] for r in rows], dtype="string")})


def test_employer_names_differing_only_in_case_and_spaces_are_one_organisation():
    figs = results(dict(), contacts=contacts(("2009-01-05", "Bygg  AB", "Företag"),
                                             ("2009-05-05", "bygg ab", "Övrig"),
                                             ("2009-05-06", " BYGG AB ", "Företag")))
    assert value(figs, "Arbetsgivarkontakter", "Utfall") == 1
    assert value(figs, "Företag", "Utfall") == 1
    assert value(figs, "Övrig", "Utfall") == 0
    assert value(figs, "Nya arbetsgivarkontakter under perioden", "Utfall") == 0


def test_first_contact_of_the_day_is_the_one_higher_up_and_later_contacts_are_ignored():
    figs = results(dict(), contacts=contacts(("2009-05-05", "Vården", "Landsting"),
                                             ("2009-05-05", "vården", "Övrig"),
                                             ("2009-07-01", "Ny AB", "Företag")))
    assert value(figs, "Landsting", "Utfall") == 1
    assert value(figs, "Övrig", "Utfall") == 0
    assert value(figs, "Arbetsgivarkontakter", "Utfall") == 1
    assert value(figs, "Nya arbetsgivarkontakter under perioden", "Utfall") == 1


def test_project_time_counts_start_month_to_period_end_month_inclusive():
    assert t.project_months(PROJECT_START, pd.Timestamp("2011-04-30"), PERIOD) == (14, 36)
