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
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if list(values.cat.categories) == list(categories):
            return codes
        positions = np.append(pd.Index(categories).get_indexer(values.cat.categories), -1)
        return positions[codes]  # code -1 (empty) takes the appended -1
    if categories == list(range(len(categories))) and pd.api.types.is_integer_dtype(values.dtype):
        raw = values.to_numpy()
        return np.where((raw >= 0) & (raw < len(categories)), raw, -1)
    return pd.Index(categories).get_indexer(values)


def _grid(frame: pd.DataFrame, by: list[str], categories: dict[str, list], weights=None) -> np.ndarray:
    """Counts by `by` as an array of one axis per key (every combination, zeros too).

    One np.bincount over the combined category codes: a 1,000,000-row frame costs milliseconds,
    and a small one no pandas call beyond reading its columns.
    """
    sizes = [len(categories[k]) for k in by]
    cells = int(np.prod(sizes)) if sizes else 1
    flat = np.zeros(len(frame), dtype=np.int64)
    outside = np.zeros(len(frame), dtype=bool)
    for key, size in zip(by, sizes):
        codes = _codes(frame[key], categories[key])
        flat = flat * size + codes
        outside |= codes < 0
    # rows outside the categories are counted in one extra cell, which is dropped
    counts = np.bincount(np.where(outside, cells, flat), weights=weights, minlength=cells + 1)[:cells]
    return counts.reshape(sizes)


def _count(frame: pd.DataFrame, by: list[str], categories: dict[str, list]) -> pd.Series:
    """Counts by `by` as a Series indexed by the categories' product (zeros too)."""
    counts = _grid(frame, by, categories).reshape(-1)
    if len(by) == 1:
        index = pd.CategoricalIndex(categories[by[0]], categories=categories[by[0]], name=by[0])
    else:
        index = pd.MultiIndex.from_product([pd.CategoricalIndex(categories[k], categories=categories[k])
                                            for k in by], names=by)
    return pd.Series(counts, index=index)


def _distinct(codes: np.ndarray) -> int:
    """How many distinct non-negative integer codes (persons): one bincount, no sort or hash."""
    return int(np.count_nonzero(np.bincount(codes[codes >= 0]))) if len(codes) else 0


Block = dict[str, np.ndarray]  # a table's figures as columns Rad, Kolumn, Kön, Värde


def _block(counts: np.ndarray, axes: list[tuple[str, list]], fixed: dict[str, str] | None = None) -> Block:
    """An array of counts (one axis per entry of `axes`: the column each axis fills, and its labels) as
    long rows, in the array's order (the first axis slowest), with `fixed` columns set throughout."""
    counts = np.asarray(counts, dtype="float64")
    n = counts.size
    columns: Block = {}
    repeat = n
    for (column, labels), size in zip(axes, counts.shape):
        repeat //= size
        columns[column] = np.tile(np.repeat(np.asarray(labels, dtype=object), repeat), n // (size * repeat))
    for column, value in (fixed or {}).items():
        columns[column] = np.full(n, value, dtype=object)
    columns["Värde"] = counts.reshape(-1)
    return columns


def _table(table: str, blocks: list[Block]) -> pd.DataFrame:
    """One table's figures: its blocks joined into one frame, built once."""
    data = {column: np.concatenate([b[column] for b in blocks]) for column in ("Rad", "Kolumn", "Kön", "Värde")}
    data["Tabell"] = np.full(len(data["Värde"]), table, dtype=object)
    return pd.DataFrame(data, columns=form.FIGURE_COLUMNS)


# --- Table 1 -----------------------------------------------------------------------------

def table_1_months(project_start: pd.Timestamp, period: Period) -> pd.PeriodIndex:
    first = max(pd.Timestamp(year=period.end.year, month=1, day=1), project_start)
    return pd.period_range(first, period.end, freq="M")


def monthly_participants(enrolments: pd.DataFrame, months: pd.PeriodIndex, by: list[str]) -> np.ndarray:
    """Enrolments active at least one day of each month, as an array of one axis per key of `by` and a
    last axis of the months (0..n-1).

    Each enrolment adds one from its first active month and removes one after its last, so a
    running sum over the months gives every month's count in one pass, however many rows.
    """
    base, n = months[0].ordinal, len(months)
    enrolled_m = enrolments["enrolled_month"].to_numpy() - base
    exited = enrolments["exited_month"].to_numpy()
    exited_m = np.where(exited == NO_MONTH, n - 1 + base, exited) - base
    first, last = np.clip(enrolled_m, 0, None), np.clip(exited_m, None, n - 1)
    active = first <= last
    rows = enrolments.loc[active, by] if by else pd.DataFrame(index=enrolments.index[active])
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "m": list(range(n + 1))}
    starts = _grid(rows.assign(m=first[active]), by + ["m"], cats)
    stops = _grid(rows.assign(m=last[active] + 1), by + ["m"], cats)
    return np.cumsum(starts - stops, axis=-1)[..., :n]


def table_1(enrolments: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Participants per month: enrolled at least one day of the month, by group and gender."""
    labels = [form.month_label(m, months) for m in months]
    return _table(form.T1, [
        _block(monthly_participants(enrolments, months, ["group", "kon"]), [("Rad", GROUP_LABELS), ("Kön", GENDERS), ("Kolumn", labels)]),
        _block(monthly_participants(enrolments, months, ["kon"]), [("Kön", GENDERS), ("Kolumn", labels)],
               {"Rad": form.T1_SUM_GENDER}),
        _block(monthly_participants(enrolments, months, []), [("Kolumn", labels)], {"Rad": form.T1_SUM, "Kön": ""}),
    ])


def text_figures(enrolments: pd.DataFrame, project_start: pd.Timestamp, period: Period) -> pd.DataFrame:
    """The figures the status report's text needs that no table has (filed under Resultat).

    The mean number of participants per month over the months from the project start to
    the period end (Table 1's monthly count, exact), and the persons enrolled more than once.
    """
    months = pd.period_range(project_start, period.end, freq="M")
    by_gender = monthly_participants(enrolments, months, ["kon"]).mean(axis=-1)
    total = monthly_participants(enrolments, months, []).mean()
    average = form.AVERAGE_PER_MONTH
    repeated = int((enrolments["enrolment_number"].to_numpy() == 1).sum())  # each has exactly one second enrolment
    return _table(form.RESULTS, [
        _block(by_gender, [("Kön", GENDERS)], {"Rad": average, "Kolumn": OUTCOME}),
        _block([total, repeated], [("Rad", [average, form.MORE_THAN_ONCE])], {"Kolumn": OUTCOME, "Kön": ""}),
    ])


# --- Table 2 -----------------------------------------------------------------------------

def table_2(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Exits from the period's first to its last day, by calendar month, group and gender."""
    months = period.months
    labels = [form.month_label(m, months) for m in months]
    exited = enrolments["exited"]
    exits = enrolments[((exited >= period.start) & (exited <= period.end)).to_numpy()]
    exits = exits.assign(month=exits["exited_month"] - months[0].ordinal)
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "month": list(range(len(labels)))}
    return _table(form.T2, [
        _block(_grid(exits, ["group", "month", "kon"], cats), [("Rad", GROUP_LABELS), ("Kolumn", labels), ("Kön", GENDERS)]),
        _block(_grid(exits, ["month", "kon"], cats), [("Kolumn", labels), ("Kön", GENDERS)],
               {"Rad": form.T2_SUM_GENDER}),
        _block(_grid(exits, ["month"], cats), [("Kolumn", labels)], {"Rad": form.T2_SUM_MONTH, "Kön": ""}),
        _block(_grid(exits, ["kon"], cats), [("Kön", GENDERS)],
               {"Rad": form.T2_PERIOD_GENDER, "Kolumn": form.PERIOD_COLUMN}),
        _block([len(exits)], [("Rad", [form.T2_PERIOD])], {"Kolumn": form.PERIOD_COLUMN, "Kön": ""}),
    ])


# --- Table 4 -----------------------------------------------------------------------------

def table_4(enrolments: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """New enrolments per reporting period so far; enrolments and unique persons since the start."""
    labels = [p.label for p in periods]
    starts = pd.DatetimeIndex([p.start for p in periods])
    position = starts.searchsorted(enrolments["enrolled"].to_numpy(), side="right") - 1
    inside = (position >= 0) & (enrolments["enrolled"] <= periods[-1].end).to_numpy()
    within = enrolments.loc[inside, ["group", "kon", "enrolment_number"]].assign(period=position[inside])
    first = within[within["enrolment_number"].to_numpy() == 0]
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS), "period": list(range(len(labels)))}
    blocks = []
    # the periods, then all enrolments since the start, then the persons (first enrolments) since the start;
    # each with its group rows, its per-gender sum and its total, counted on their own
    for frame, columns, by_period in ((within, labels, True), (within, [form.ENROLLED_SINCE_START], False),
                                      (first, [form.UNIQUE_SINCE_START], False)):
        axis = ["period"] if by_period else []
        groups = _grid(frame, ["group"] + axis + ["kon"], cats)
        groups = groups if axis else groups[:, np.newaxis, :]
        genders = _grid(frame, axis + ["kon"], cats)
        genders = genders if axis else genders[np.newaxis, :]
        totals = _grid(frame, axis, cats) if axis else np.array([len(frame)])
        blocks += [_block(groups, [("Rad", GROUP_LABELS), ("Kolumn", columns), ("Kön", GENDERS)]),
                   _block(genders, [("Kolumn", columns), ("Kön", GENDERS)], {"Rad": form.T4_SUM_GENDER}),
                   _block(totals, [("Kolumn", columns)], {"Rad": form.T4_SUM, "Kön": ""})]
    return _table(form.T4, blocks)


# --- Exit reasons ------------------------------------------------------------------------

def exit_reasons(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Exits by reason for the period and since the start, counts and shares (0..1)."""
    exited = enrolments["exited"].to_numpy()
    codes = _codes(enrolments["reason"], list(REASON_LABELS))
    has_exit = ~np.isnat(exited)
    rows = [*form.REASON_ROWS, form.REASONS_SUM]
    blocks = []
    for chosen, column, share_column in ((has_exit & (exited >= period.start.to_datetime64()), form.PERIOD_COLUMN,
                                          form.PERIOD_SHARE), (has_exit, form.SINCE_START, form.SINCE_START_SHARE)):
        picked = codes[chosen]
        counts = np.bincount(picked[picked >= 0], minlength=len(REASON_LABELS)).astype("float64")
        total = float(chosen.sum())
        counts = np.append(counts, total)
        shares = counts / total if total else counts * 0.0
        blocks += [_block(counts, [("Rad", rows)], {"Kolumn": column, "Kön": ""}),
                   _block(shares, [("Rad", rows)], {"Kolumn": share_column, "Kön": ""})]
    return _table(form.REASONS, blocks)


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

    group = _codes(enrolments["group"], list(GROUP_LABELS))
    kon = _codes(enrolments["kon"], list(GENDERS))
    total = float(len(enrolments))
    young = [GROUP_LABELS.index(g) for g in form.YOUNG_GROUPS]
    count_goal(form.ENROLLED, total, goals["goal_enrolled"])
    count_goal(form.YOUNG, float(np.isin(group, young).sum()), goals["goal_young"])
    count_goal(form.DOMESTIC_ADULTS, float((group == GROUP_LABELS.index(form.ADULT_DOMESTIC.label)).sum()),
               goals["goal_domestic_adults"])
    count_goal(form.FOREIGN, float((_codes(enrolments["born"], ["Utrikes"]) == 0).sum()), goals["goal_foreign"])
    women = float((kon == 0).sum())
    share_goal(form.WOMEN, women, total, goals["goal_women_share"])
    men = float((kon == 1).sum())
    rows.extend([(form.MEN, OUTCOME, "", men), (form.MEN, SHARE, "", men / total if total else 0.0)])
    has_exit = enrolments["exited"].notna().to_numpy()
    reason = _codes(enrolments["reason"], list(REASON_LABELS))
    rows.append((form.EXITED, OUTCOME, "", float(has_exit.sum())))
    share_goal(form.TO_WORK_OR_STUDIES, float((has_exit & np.isin(reason, [0, 1])).sum()),
               float(has_exit.sum()), goals["goal_work_or_studies_share"])
    count_goal(form.PROJECT_TIME, float(months_passed), float(months_total))
    rows += participant_rows(enrolments, period)
    rows += period_exit_rows(enrolments, period)
    rows += follow_up_rows(enrolments, period, goals["goal_work_90_share"])
    rows += contact_rows(contacts, period, goals["goal_employer_contacts"])
    rad, kolumn, kön, värde = zip(*rows)
    return _table(form.RESULTS, [{"Rad": np.array(rad, dtype=object), "Kolumn": np.array(kolumn, dtype=object),
                                  "Kön": np.array(kön, dtype=object), "Värde": np.array(värde, dtype="float64")}])


def _by_group_and_gender(frame: pd.DataFrame, row: str) -> list[tuple]:
    """A row's figures in all, by gender, and by group and gender (the form's order)."""
    cats = {"group": list(GROUP_LABELS), "kon": list(GENDERS)}
    by_group = _grid(frame, ["group", "kon"], cats)
    by_gender = _grid(frame, ["kon"], cats)
    return ([(row, OUTCOME, "", float(len(frame)))] + [(row, OUTCOME, kon, float(n)) for kon, n in zip(GENDERS, by_gender)]
            + [(row, g, kon, float(by_group[i, j])) for i, g in enumerate(GROUP_LABELS) for j, kon in enumerate(GENDERS)])


def participants_in_period(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    exited = enrolments["exited"]
    return enrolments[((enrolments["enrolled"] <= period.end) & (exited.isna() | (exited >= period.start))).to_numpy()]


def participant_rows(enrolments: pd.DataFrame, period: Period) -> list[tuple]:
    active = participants_in_period(enrolments, period)
    new = (active["enrolled"] >= period.start).to_numpy()
    again = active["enrolment_number"].to_numpy() > 0
    return _by_group_and_gender(active, form.PARTICIPANTS) + [
        (form.PERSONS_IN_PERIOD, OUTCOME, "", float(_distinct(active["person"].to_numpy()))),
        (form.NEW_IN_PERIOD, OUTCOME, "", float(new.sum())),
        (form.RE_ENROLLED, OUTCOME, "", float(again.sum())),
        (form.RE_ENROLLED_NEW, OUTCOME, "", float((new & again).sum()))]


def period_exit_rows(enrolments: pd.DataFrame, period: Period) -> list[tuple]:
    """Exits of the period by group and gender (Table 2 without its months), for the text."""
    exited = enrolments["exited"]
    exits = enrolments[((exited >= period.start) & (exited <= period.end)).to_numpy()]
    return _by_group_and_gender(exits, form.EXITS_IN_PERIOD)


def follow_up_rows(enrolments: pd.DataFrame, period: Period, goal: float) -> list[tuple]:
    due = follow_up_due(enrolments["exited"], period.end).to_numpy()
    follow_up = _codes(enrolments["follow_up"], ["Arbete"])
    in_work = float((due & (follow_up == 0)).sum())
    share = in_work / due.sum() if due.sum() else 0.0
    return [(form.DUE_90, OUTCOME, "", float(due.sum())),
            (form.IN_WORK_90, OUTCOME, "", in_work),
            (form.IN_WORK_90, SHARE, "", share),
            (form.IN_WORK_90, GOAL, "", goal),
            (form.IN_WORK_90, SHARE_OF_GOAL, "", share / goal if goal else 0.0),
            (form.NOT_FOLLOWED_UP, OUTCOME, "", float((due & enrolments["follow_up"].isna().to_numpy()).sum()))]


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
