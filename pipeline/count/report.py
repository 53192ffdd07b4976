"""Assembling a report: the register counted for one period into all figures, checks and the worklist.

This is the one place that decides which enrolments each table sees (the register
as it stood at the period end, `period_register`, prepared: `period_enrolments`) and in
which order the tables' figures are joined. The internal worklist is counted from the
same enrolments (it needs them unprepared, so that it can start before the tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.count import indicators as ind
from pipeline.count import tables as t
from pipeline.count.organisations import organisation_figures, organisations
from schemas import form
from schemas.register import ESF_2007, REASON_LABELS
from pipeline.period import SITUATION_DAYS, Period, as_of, follow_up_due, follow_up_from, six_months_after
from pipeline.count.checks import FAILED, run_checks, run_indicator_checks
from pipeline.count.figures import Figures, Long, figures_frame, joined
from pipeline.count.text import indicator_suggestions, suggestions
from pipeline.check.validate import Register
from pipeline.read.reader import TEXT


@dataclass
class Report:
    register: Register
    period: Period
    periods: list[Period]  # reporting periods up to and including this one
    table_1_months: pd.PeriodIndex | None  # None under ESF+, which has no Table 1
    long: Long  # the figures in long form, in the order of Siffror
    checks: pd.DataFrame
    text: list[tuple[str, str]]  # Textförslag: (heading, sentence)
    lookup: Figures  # the figures by their key, made once

    @cached_property
    def figures(self) -> pd.DataFrame:
        """The figures as a frame (Tabell, Rad, Kolumn, Kön, Värde), made when asked for: the workbook is written
        from `lookup`, and only a comparison with an earlier report wants them as a frame."""
        return figures_frame(self.long)

    @cached_property
    def failed_checks(self) -> pd.DataFrame:
        failed = np.flatnonzero(self.checks["Resultat"].to_numpy() == FAILED)
        return self.checks.iloc[failed] if len(failed) else self.checks.iloc[:0]  # (a slice: no rows are taken)

    def value(self, table: str, row: str, column: str, gender: str = "") -> float:
        return self.lookup(table, row, column, gender)


def reporting_periods(register: Register) -> list[Period]:
    periods = register.periods
    return [Period(start, end) for start, end in zip(periods["start"].tolist(), periods["end"].tolist())]


def period_register(register: Register, period: Period) -> pd.DataFrame:
    """The register as it stood at the end of `period` (`period.as_of`)."""
    return as_of(register.enrolments, period.end)


def period_enrolments(register: Register, period: Period,
                       current: pd.DataFrame | None = None) -> "pd.DataFrame | t.Coded":
    """The enrolments every table of `period` counts: the register as it stood at its end (`current`, if
    `period_register` made it already), prepared (2007-2013: `tables.Coded`; ESF+ counts the frame)."""
    current = period_register(register, period) if current is None else current
    return t.prepare(current) if register.profile is ESF_2007 else current


def period_persons(register: Register, enrolments: pd.DataFrame, period: Period) -> pd.DataFrame | None:
    """ESF+: the persons of `period_register` or `period_enrolments` (the same under ESF+: `indicators.persons`),
    made once for the indicators and the worklist; None under 2007-2013, which counts enrolments."""
    return None if register.profile is ESF_2007 else ind.persons(enrolments, period)


def build_report(register: Register, period: Period, enrolments: pd.DataFrame | None = None,
                 people: pd.DataFrame | None = None) -> Report:
    """All figures, checks and text of `period`; `enrolments` are `period_enrolments` and `people`
    `period_persons`, if already made."""
    if register.profile is not ESF_2007:
        return build_indicator_report(register, period, enrolments, people)
    periods = [p for p in reporting_periods(register) if p.start <= period.start]
    # the counted columns as codes, once (`tables.Coded`): no Deltagar-ID, coach or birth date reaches the tables
    enrolments = t.coded(period_enrolments(register, period) if enrolments is None else enrolments)
    months = t.table_1_months(register.project.start, period)
    passed, total = t.project_months(register.project.start, register.project.end, period)
    figs = joined([
        t.table_1(enrolments, months),
        t.table_2(enrolments, period),
        t.table_4(enrolments, periods),
        t.exit_reasons(enrolments, period),
        t.results(enrolments, register.contacts, period, register.project.goals, passed, total),
        t.text_figures(enrolments, register.project.start, period),
    ])
    labels = form.month_labels(months)
    period_months = [labels[m] for m in period.months if m in labels]
    lookup = Figures(figs)
    text = suggestions(lookup, period, months)
    checks = run_checks(lookup, period_months, text, period_in_table_1=set(period.months) <= set(months))
    return Report(register, period, periods, months, figs, checks, text, lookup)


def build_indicator_report(register: Register, period: Period, enrolments: pd.DataFrame | None = None,
                           people: pd.DataFrame | None = None) -> Report:
    """ESF+: the common indicators of `period`, the goals against them, their checks and text."""
    periods = [p for p in reporting_periods(register) if p.start <= period.start]
    enrolments = period_enrolments(register, period) if enrolments is None else enrolments
    counted = joined([ind.indicators(ind.persons(enrolments, period) if people is None else people, period),
                      organisation_figures(organisations(register.organisations, period), period)])
    figs = joined([counted, ind.goals(counted, register.project.goals)])
    lookup = Figures(figs)
    text = indicator_suggestions(lookup, period)
    return Report(register, period, periods, None, figs, run_indicator_checks(lookup, text), text, lookup)


def worklist(register: Register, enrolments: pd.DataFrame, period: Period,
             people: pd.DataFrame | None = None) -> pd.DataFrame:
    """The internal worklist of the register's profile, from `period_register` (the register's own columns: the
    prepared enrolments hold no names or IDs) and `period_persons`."""
    if register.profile is ESF_2007:
        return follow_up_worklist(enrolments, period)
    return situation_worklist(enrolments, period, people)


def situation_worklist(enrolments: pd.DataFrame, period: Period,
                       people: pd.DataFrame | None = None) -> pd.DataFrame:
    """ESF+: exits whose situation at leaving is still missing (due 28 days after the exit), and six-month
    follow-ups due at the period end and not made (of persons who have left, on their final exit), the
    earliest date first."""
    exited = enrolments["exited"]
    missing = np.flatnonzero((exited.notna() & enrolments["exit_situation"].isna()).to_numpy())
    people = ind.persons(enrolments, period) if people is None else people
    passed = ind.six_months_passed(people, period.end)
    final_rows = people.loc[passed & pd.isna(people["situation_6m"]).to_numpy(dtype=bool), "last_row"].to_numpy()
    six = enrolments.index.get_indexer(final_rows)
    # positions in the enrolments, taken once: joining two frames would merge their Categoricals' categories
    # (a million IDs hashed again)
    rows = np.concatenate([missing, six])
    left = exited.to_numpy(dtype="datetime64[ns]")
    dates = np.concatenate([left[missing] + np.timedelta64(SITUATION_DAYS, "D"),
                            six_months_after(exited.iloc[six]).to_numpy(dtype="datetime64[ns]")])
    tasks = np.repeat(np.arange(2), [len(missing), len(six)])
    order = np.lexsort((rows, dates))
    taken = rows[order]
    task_texts = pa.array([f"Situation vid avslut ({SITUATION_DAYS} dagar efter utskrivningen)",
                           "Uppföljning 6 månader"])
    # one meaning per column: the day a situation is due by, or the day a follow-up may be made from
    ordered, task = dates[order], tasks[order]
    never = np.datetime64("NaT")
    return pd.DataFrame({**_who(enrolments, taken), "Utskriven": left[taken],
                         "Att fylla i": _texts_at(task_texts, task),
                         "Fylls i senast": np.where(task == 0, ordered, never),
                         "Uppföljning från": np.where(task == 1, ordered, never)})


def follow_up_worklist(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """From `period_register`: exits due for the 90-day follow-up at the period end and not yet
    followed up, the earliest due first (then by row)."""
    exited = enrolments["exited"].to_numpy(dtype="datetime64[ns]")
    due = np.flatnonzero(follow_up_due(exited, period.end) & enrolments["follow_up"].isna().to_numpy())
    rows = enrolments.index.to_numpy()[due]
    due_from = follow_up_from(exited[due])
    order = np.lexsort((rows, due_from))
    taken = due[order]
    return pd.DataFrame({**_who(enrolments, taken), "Utskriven": exited[taken],
                         "Uppföljning från": due_from[order],
                         "Utskrivningsorsak": _labels_at(enrolments["reason"], REASON_LABELS, taken)})


def _texts_at(per_code, codes: np.ndarray):
    """Texts by their codes (-1: none) as pandas' text, taken from `per_code` (pyarrow strings) by pyarrow: the
    worklist's columns are made without a Python string per row, and its file is written from them as they are."""
    return pd.array(per_code.take(pa.array(codes, mask=codes < 0)), dtype=TEXT)


def _labels_at(codes: pd.Series, labels: dict[str, str], taken: np.ndarray):
    """The rows' codes at the positions `taken` as their labels (none for an empty cell or an unknown code),
    worked out per distinct code."""
    codes = pd.Categorical(codes)  # as parsed, it is one already
    return _texts_at(pa.array([labels.get(code) for code in codes.categories.tolist()], pa.string()),
                     codes.codes[taken])


def _text_at(values: pd.Series, taken: np.ndarray):
    """A text column (a Categorical, as parsed) at the positions `taken`, taken from its categories."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.iloc[taken].to_numpy()
    return _texts_at(pa.array(values.cat.categories.array), values.cat.codes.to_numpy()[taken])


def _who(enrolments: pd.DataFrame, taken: np.ndarray) -> dict:
    """A worklist's first columns, of the enrolments at the positions `taken`: the row, the ID and the coach.
    The rows are taken before the columns become texts: a Categorical of a million IDs made into texts
    whole cost a worklist most of its time."""
    return {"Rad i registret": enrolments.index.to_numpy()[taken],
            "Deltagar-ID": _text_at(enrolments["person_id"], taken),
            "Coach": _text_at(enrolments["coach"], taken)}
