"""The report's tables, one pure function per table, each returning its figures in long form.

Every function takes typed frames (never files) and returns rows of
`Tabell, Rad, Kolumn, Kön, Värde`: the `Siffror` sheet is their concatenation, and
the writer lays out each table sheet from the same rows. Sum rows are counted
from the enrolments directly, not added up from the group rows, so that
`pipeline.count.checks` compares two independent counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.period import (
    NO_MONTH, Period, enrolment_numbers, follow_up_due, month_number, person_codes,
)
from schemas import form
from schemas.form import GENDERS, GOAL, GROUP_LABELS, OUTCOME, SHARE, SHARE_OF_GOAL
from schemas.register import CONTACT_TYPES, REASON_LABELS, normalise_labels

# --- shared helpers ----------------------------------------------------------------------

def figures(table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with Rad, Kolumn, Kön, Värde as one table's figures."""
    return rows.assign(Tabell=table)[form.FIGURE_COLUMNS].reset_index(drop=True)


def prepare(enrolments: pd.DataFrame) -> pd.DataFrame:
    """Add what every table counts by: the output gender label, the target group as a Categorical,
    each enrolment's number for its person (0 = first) and the months of enrolment and exit."""
    person = person_codes(enrolments["person_id"])
    number = enrolment_numbers(person, enrolments["enrolled"])
    kon = pd.Categorical.from_codes(_codes(enrolments["gender"], ["K", "M"]), categories=list(GENDERS))
    group = pd.Categorical.from_codes(_codes(enrolments["group"], list(GROUP_LABELS)), categories=list(GROUP_LABELS))
    return enrolments.assign(kon=kon, person=person, enrolment_number=number, group=group,
                             enrolled_month=month_number(enrolments["enrolled"]),
                             exited_month=month_number(enrolments["exited"]))


# what the tables count by, once prepared: no Deltagar-ID, coach or birth date reaches them (a person is a
# number that tells enrolments of one person apart, and nothing else)
COUNTED_COLUMNS = ["enrolled", "exited", "reason", "follow_up", "born", "group", "kon", "person", "enrolment_number",
                   "enrolled_month", "exited_month"]


def _codes(values: pd.Series, categories: list) -> np.ndarray:
    """Each value's position in `categories` (-1 for none), without converting a prepared column again."""
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == list(categories):
        return values.cat.codes.to_numpy()
    if categories == list(range(len(categories))) and pd.api.types.is_integer_dtype(values.dtype):
        raw = values.to_numpy()
        return np.where((raw >= 0) & (raw < len(categories)), raw, -1)
    return pd.Categorical(values, categories=categories).codes


def _count(frame: pd.DataFrame, by: list[str], categories: dict[str, list]) -> pd.Series:
    """Counts by `by`, with every combination of the given categories present (zeros too).

    One np.bincount over the combined category codes: a 1,000,000-row frame costs milliseconds.
    """
    sizes = [len(categories[k]) for k in by]
    cells = int(np.prod(sizes))
    flat = np.zeros(len(frame), dtype=np.int64)
    outside = np.zeros(len(frame), dtype=bool)
    for key, size in zip(by, sizes):
        codes = _codes(frame[key], categories[key])
        flat = flat * size + codes
        outside |= codes < 0
    # rows outside the categories are counted in one extra cell, which is dropped
    counts = np.bincount(np.where(outside, cells, flat), minlength=cells + 1)[:cells]
    if len(by) == 1:
        index = pd.CategoricalIndex(categories[by[0]], categories=categories[by[0]], name=by[0])
    else:
        index = pd.MultiIndex.from_product([pd.CategoricalIndex(categories[k], categories=categories[k])
                                            for k in by], names=by)
    return pd.Series(counts, index=index)


def _distinct(codes: np.ndarray) -> int:
    """How many distinct non-negative integer codes (persons): one bincount, no sort or hash."""
    return int(np.count_nonzero(np.bincount(codes[codes >= 0]))) if len(codes) else 0


def _long(counts: pd.Series, names: dict[str, str], fixed: dict[str, str]) -> pd.DataFrame:
    """A count Series with a MultiIndex to long rows; `names` maps index levels to Rad/Kolumn/Kön."""
    rows = counts.rename("Värde").reset_index().rename(columns=names)
    for column, value in fixed.items():
        rows[column] = value
    rows["Värde"] = rows["Värde"].astype("float64")
    return rows


# --- Table 1 -----------------------------------------------------------------------------

def table_1_months(project_start: pd.Timestamp, period: Period) -> pd.PeriodIndex:
    first = max(pd.Timestamp(year=period.end.year, month=1, day=1), project_start)
    return pd.period_range(first, period.end, freq="M")


def monthly_participants(enrolments: pd.DataFrame, months: pd.PeriodIndex, by: list[str]) -> pd.Series:
    """Enrolments active at least one day of each month, by `by` and month position (0..n-1).

    Each enrolment adds one from its first active month and removes one after its last, so a
    running sum over the months gives every month's count in one pass, however many rows.
    """
    base, n = months[0].ordinal, len(months)
    enrolled_m = enrolments["enrolled_month"].to_numpy() - base
    exited = enrolments["exited_month"].to_numpy()
    exited_m = np.where(exited == NO_MONTH, n - 1 + base, exited) - base
    first, last = np.clip(enrolled_m, 0, None), np.clip(exited_m, None, n - 1)
    active = first <= last
    rows = enrolments.loc[active, by]
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "m": list(range(n + 1))}
    starts = _count(rows.assign(m=first[active]), by + ["m"], cats)
    stops = _count(rows.assign(m=last[active] + 1), by + ["m"], cats)
    running = starts - stops
    if by:
        return running.unstack("m").cumsum(axis=1).iloc[:, :n].stack()
    return running.cumsum().iloc[:n]


def table_1(enrolments: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Participants per month: enrolled at least one day of the month, by group and gender."""
    labels = dict(enumerate(form.month_label(m, months) for m in months))

    def monthly(by: list[str]) -> pd.Series:
        return monthly_participants(enrolments, months, by).rename(index=labels, level="m")

    groups = _long(monthly(["group", "kon"]), {"group": "Rad", "m": "Kolumn", "kon": "Kön"}, {})
    by_gender = _long(monthly(["kon"]), {"m": "Kolumn", "kon": "Kön"}, {"Rad": form.T1_SUM_GENDER})
    total = _long(monthly([]), {"m": "Kolumn"}, {"Rad": form.T1_SUM, "Kön": ""})
    return figures(form.T1, pd.concat([groups, by_gender, total]))


def text_figures(enrolments: pd.DataFrame, project_start: pd.Timestamp, period: Period) -> pd.DataFrame:
    """The figures the status report's text needs that no table has (filed under Resultat).

    The mean number of participants per month over the months from the project start to
    the period end (Table 1's monthly count, exact), and the persons enrolled more than once.
    """
    months = pd.period_range(project_start, period.end, freq="M")
    by_gender = monthly_participants(enrolments, months, ["kon"]).groupby(level="kon", observed=False).mean()
    total = monthly_participants(enrolments, months, []).mean()
    average = form.AVERAGE_PER_MONTH
    repeated = int((enrolments["enrolment_number"] == 1).sum())  # each such person has exactly one second enrolment
    rows = [(average, OUTCOME, kon, float(by_gender.get(kon, 0.0))) for kon in GENDERS]
    rows += [(average, OUTCOME, "", float(total)), (form.MORE_THAN_ONCE, OUTCOME, "", float(repeated))]
    return figures(form.RESULTS, pd.DataFrame(rows, columns=["Rad", "Kolumn", "Kön", "Värde"]))


# --- Table 2 -----------------------------------------------------------------------------

def table_2(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Exits from the period's first to its last day, by calendar month, group and gender."""
    months = period.months
    labels = [form.month_label(m, months) for m in months]
    exits = enrolments[enrolments["exited"].between(period.start, period.end)]
    exits = exits.assign(month=exits["exited_month"] - months[0].ordinal)
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "month": list(range(len(labels)))}
    named = dict(enumerate(labels))

    def counted(by: list[str]) -> pd.Series:
        counts = _count(exits, by, cats)
        return counts.rename(index=named, level="month") if "month" in by else counts

    groups = _long(counted(["group", "month", "kon"]), {"group": "Rad", "month": "Kolumn", "kon": "Kön"}, {})
    by_gender = _long(counted(["month", "kon"]), {"month": "Kolumn", "kon": "Kön"}, {"Rad": form.T2_SUM_GENDER})
    by_month = _long(counted(["month"]), {"month": "Kolumn"}, {"Rad": form.T2_SUM_MONTH, "Kön": ""})
    period_gender = _long(counted(["kon"]), {"kon": "Kön"}, {"Rad": form.T2_PERIOD_GENDER, "Kolumn": form.PERIOD_COLUMN})
    period_total = pd.DataFrame({"Rad": [form.T2_PERIOD], "Kolumn": [form.PERIOD_COLUMN], "Kön": [""],
                                 "Värde": [float(len(exits))]})
    return figures(form.T2, pd.concat([groups, by_gender, by_month, period_gender, period_total]))


# --- Table 4 -----------------------------------------------------------------------------

def table_4(enrolments: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """New enrolments per reporting period so far; enrolments and unique persons since the start."""
    labels = [p.label for p in periods]
    columns = labels + [form.ENROLLED_SINCE_START, form.UNIQUE_SINCE_START]
    starts = pd.DatetimeIndex([p.start for p in periods])
    position = starts.searchsorted(enrolments["enrolled"].to_numpy(), side="right") - 1
    inside = (position >= 0) & (enrolments["enrolled"] <= periods[-1].end).to_numpy()
    within = enrolments.loc[inside, ["group", "kon", "enrolment_number"]].assign(period=position[inside])
    first = within[within["enrolment_number"] == 0]
    since, unique = len(labels), len(labels) + 1  # the two "sedan starten" columns, by position
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "period": list(range(len(columns)))}
    names = {"group": "Rad", "period": "Kolumn", "kon": "Kön"}
    parts = []
    passes = ((within, list(range(len(labels)))), (within.assign(period=since), [since]),
              (first.assign(period=unique), [unique]))
    for frame, keep in passes:
        for by, fixed in ((["group", "period", "kon"], {}), (["period", "kon"], {"Rad": form.T4_SUM_GENDER}),
                          (["period"], {"Rad": form.T4_SUM, "Kön": ""})):
            counts = _count(frame, by, cats)
            kept = counts[counts.index.get_level_values("period").isin(keep)]
            parts.append(_long(kept.rename(index=dict(enumerate(columns)), level="period"), names, fixed))
    return figures(form.T4, pd.concat(parts))


# --- Exit reasons ------------------------------------------------------------------------

def exit_reasons(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Exits by reason for the period and since the start, counts and shares (0..1)."""
    exited = enrolments[enrolments["exited"].notna()]
    parts = []
    for frame, column, share_column in ((exited[exited["exited"] >= period.start], form.PERIOD_COLUMN,
                                         form.PERIOD_SHARE), (exited, form.SINCE_START, form.SINCE_START_SHARE)):
        counts = frame["reason"].map(REASON_LABELS).value_counts().reindex(form.REASON_ROWS, fill_value=0)
        total = float(len(frame))
        counts = pd.concat([counts.astype("float64"), pd.Series({form.REASONS_SUM: total})])
        shares = counts / total if total else counts * 0.0
        parts.append(pd.DataFrame({"Rad": counts.index, "Kolumn": column, "Värde": counts.to_numpy()}))
        parts.append(pd.DataFrame({"Rad": shares.index, "Kolumn": share_column, "Värde": shares.to_numpy()}))
    return figures(form.REASONS, pd.concat(parts).assign(Kön=""))


# --- Resultat ----------------------------------------------------------------------------

def project_months(project_start: pd.Timestamp, project_end: pd.Timestamp, period: Period) -> tuple[int, int]:
    """Months of project time passed (start month to period-end month, inclusive) and in all."""
    start = project_start.to_period("M").ordinal
    return period.end.to_period("M").ordinal - start + 1, project_end.to_period("M").ordinal - start + 1


def results(enrolments: pd.DataFrame, contacts: pd.DataFrame, period: Period, goals: dict[str, float],
            months_passed: int, months_total: int) -> pd.DataFrame:
    """Goals with outcome, participants of the period, 90-day follow-up and employer contacts."""
    rows: list[tuple[str, str, str, float]] = []

    def count_goal(row: str, outcome: float, goal: float | None):
        rows.append((row, OUTCOME, "", outcome))
        if goal is not None:
            rows.extend([(row, GOAL, "", goal), (row, SHARE_OF_GOAL, "", outcome / goal if goal else 0.0)])

    def share_goal(row: str, outcome: float, of: float, goal: float):
        share = outcome / of if of else 0.0
        rows.extend([(row, OUTCOME, "", outcome), (row, SHARE, "", share), (row, GOAL, "", goal),
                     (row, SHARE_OF_GOAL, "", share / goal if goal else 0.0)])

    group = enrolments["group"]
    total = float(len(enrolments))
    count_goal(form.ENROLLED, total, goals["goal_enrolled"])
    count_goal(form.YOUNG, float(group.isin(form.YOUNG_GROUPS).sum()), goals["goal_young"])
    count_goal(form.DOMESTIC_ADULTS, float((group == form.ADULT_DOMESTIC.label).sum()), goals["goal_domestic_adults"])
    count_goal(form.FOREIGN, float((enrolments["born"] == "Utrikes").sum()), goals["goal_foreign"])
    women = float((enrolments["kon"] == "kv").sum())
    share_goal(form.WOMEN, women, total, goals["goal_women_share"])
    men = float((enrolments["kon"] == "m").sum())
    rows.extend([(form.MEN, OUTCOME, "", men), (form.MEN, SHARE, "", men / total if total else 0.0)])
    exits = enrolments[enrolments["exited"].notna()]
    rows.append((form.EXITED, OUTCOME, "", float(len(exits))))
    share_goal(form.TO_WORK_OR_STUDIES, float(exits["reason"].isin(["1", "2"]).sum()),
               float(len(exits)), goals["goal_work_or_studies_share"])
    count_goal(form.PROJECT_TIME, float(months_passed), float(months_total))
    rows += participant_rows(enrolments, period)
    rows += period_exit_rows(enrolments, period)
    rows += follow_up_rows(enrolments, period, goals["goal_work_90_share"])
    rows += contact_rows(contacts, period, goals["goal_employer_contacts"])
    frame = pd.DataFrame(rows, columns=["Rad", "Kolumn", "Kön", "Värde"])
    return figures(form.RESULTS, frame.astype({"Värde": "float64"}))


def participants_in_period(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    return enrolments[(enrolments["enrolled"] <= period.end)
                      & (enrolments["exited"].isna() | (enrolments["exited"] >= period.start))]


def participant_rows(enrolments: pd.DataFrame, period: Period) -> list[tuple]:
    active = participants_in_period(enrolments, period)
    row = form.PARTICIPANTS
    by_group = _count(active, ["group", "kon"], {"group": list(GROUP_LABELS), "kon": list(GENDERS)})
    by_gender = _count(active, ["kon"], {"kon": list(GENDERS)})
    return ([(row, OUTCOME, "", float(len(active)))]
            + [(row, OUTCOME, kon, float(n)) for kon, n in by_gender.items()]
            + [(row, g, kon, float(n)) for (g, kon), n in by_group.items()]
            + [(form.PERSONS_IN_PERIOD, OUTCOME, "", float(_distinct(active["person"].to_numpy()))),
               (form.NEW_IN_PERIOD, OUTCOME, "", float((active["enrolled"] >= period.start).sum())),
               (form.RE_ENROLLED, OUTCOME, "", float((active["enrolment_number"] > 0).sum())),
               (form.RE_ENROLLED_NEW, OUTCOME, "",
                float(((active["enrolled"] >= period.start) & (active["enrolment_number"] > 0)).sum()))])


def period_exit_rows(enrolments: pd.DataFrame, period: Period) -> list[tuple]:
    """Exits of the period by group and gender (Table 2 without its months), for the text."""
    exits = enrolments[enrolments["exited"].between(period.start, period.end)]
    row = form.EXITS_IN_PERIOD
    by_group = _count(exits, ["group", "kon"], {"group": list(GROUP_LABELS), "kon": list(GENDERS)})
    by_gender = _count(exits, ["kon"], {"kon": list(GENDERS)})
    return ([(row, OUTCOME, "", float(len(exits)))] + [(row, OUTCOME, kon, float(n)) for kon, n in by_gender.items()]
            + [(row, g, kon, float(n)) for (g, kon), n in by_group.items()])


def follow_up_rows(enrolments: pd.DataFrame, period: Period, goal: float) -> list[tuple]:
    due = enrolments[follow_up_due(enrolments["exited"], period.end)]
    in_work = float((due["follow_up"] == "Arbete").sum())
    share = in_work / len(due) if len(due) else 0.0
    return [(form.DUE_90, OUTCOME, "", float(len(due))),
            (form.IN_WORK_90, OUTCOME, "", in_work),
            (form.IN_WORK_90, SHARE, "", share),
            (form.IN_WORK_90, GOAL, "", goal),
            (form.IN_WORK_90, SHARE_OF_GOAL, "", share / goal if goal else 0.0),
            (form.NOT_FOLLOWED_UP, OUTCOME, "", float(due["follow_up"].isna().sum()))]


def organisation_key(names: pd.Series) -> pd.Series:
    """Organisation names compared ignoring case and repeated spaces (worked out once per distinct name)."""
    names = names.astype("category")
    distinct = pd.Series(names.cat.categories, dtype="string")
    keys = normalise_labels(distinct)
    return pd.Series(keys.array.take(names.cat.codes.to_numpy(), allow_fill=True), index=names.index)


def first_contacts(contacts: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Each organisation's first contact up to `end`: earliest date, then highest in the sheet."""
    upto = contacts[contacts["date"] <= end]
    keyed = upto.assign(key=organisation_key(upto["organisation"]))
    order = np.lexsort((np.arange(len(keyed)), keyed["date"].to_numpy()))
    return keyed.iloc[order].drop_duplicates("key")


def contact_rows(contacts: pd.DataFrame, period: Period, goal: float) -> list[tuple]:
    first = first_contacts(contacts, period.end)
    distinct = float(len(first))
    by_type = first["type"].value_counts().reindex(list(CONTACT_TYPES), fill_value=0)
    return ([(form.CONTACTS, OUTCOME, "", distinct),
             (form.CONTACTS, GOAL, "", goal),
             (form.CONTACTS, SHARE_OF_GOAL, "", distinct / goal if goal else 0.0),
             (form.NEW_CONTACTS, OUTCOME, "", float((first["date"] >= period.start).sum()))]
            + [(t, OUTCOME, "", float(n)) for t, n in by_type.items()])
