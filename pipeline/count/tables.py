"""The report's tables, one pure function per table, each returning its figures in long form.

Every function takes the enrolments as `prepare` makes them (`Coded`: integer codes and
dates in numpy arrays; a typed frame is prepared first), never files, and returns its
figures in long form (`Tabell, Rad, Kolumn, Kön, Värde`, `figures.Long`): the `Siffror`
sheet is their concatenation, and the writer lays out each table sheet from the same
rows. Sum rows are counted from the enrolments directly, not added up from the group
rows, so that `pipeline.count.checks` compares two independent counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.period import (
    NO_MONTH, Period, enrolment_numbers, follow_up_due, month_number, person_codes,
)
from pipeline.count.figures import Long, block, rows_figures, table_figures
from schemas import form
from schemas.form import GENDERS, GOAL, GROUP_LABELS, OUTCOME, SHARE, SHARE_OF_GOAL
from schemas.register import CONTACT_TYPES, FEW, REASON_LABELS, normalise_label, normalise_labels

# --- shared helpers ----------------------------------------------------------------------

def prepare(enrolments: pd.DataFrame) -> "Coded":
    """The enrolments as every table counts them (`Coded`): gender as kv/m, the target group, the reason and
    follow-up, each enrolment's number for its person (0 = first) and the months of enrolment and exit."""
    person = person_codes(enrolments["person_id"])
    follow_up = enrolments["follow_up"]
    return Coded(dict(
        group=_codes(enrolments["group"], list(GROUP_LABELS)), kon=_codes(enrolments["gender"], ["K", "M"]),
        reason=_codes(enrolments["reason"], list(REASON_LABELS)),
        follow_up_work=_codes(follow_up, ["Arbete"]) == 0, followed_up=follow_up.notna().to_numpy(),
        foreign=_codes(enrolments["born"], ["Utrikes"]) == 0,
        person=person, number=enrolment_numbers(person, enrolments["enrolled"]),
        enrolled=enrolments["enrolled"].to_numpy(dtype="datetime64[ns]"),
        exited=enrolments["exited"].to_numpy(dtype="datetime64[ns]"),
        enrolled_month=month_number(enrolments["enrolled"]), exited_month=month_number(enrolments["exited"])))


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


class Coded:
    """The enrolments a report counts, as integer codes and dates in numpy arrays, made once per report:
    every table counts with a few numpy calls on them, whatever the register's size (a small register
    pays no pandas call per figure). No Deltagar-ID, coach or birth date is among them.

    `where` selects rows without copying: a column of the selection is taken when a table first asks
    for it (at a million rows, copying all twelve columns for every selection cost a fifth of the
    counting, and most tables read two or three of them).
    """

    COLUMNS = (
        "group",  # position in GROUP_LABELS, -1 for none
        "kon",  # position in GENDERS (kv, m), -1 for none
        "reason",  # position in REASON_LABELS (1..5), -1 for none
        "follow_up_work",  # the 90-day follow-up says Arbete
        "followed_up",  # the 90-day follow-up is filled in
        "foreign",  # Född Utrikes
        "person",  # a number per person
        "number",  # the enrolment's number for its person (0 = first)
        "enrolled",  # datetime64[ns]
        "exited",  # datetime64[ns], NaT while enrolled
        "enrolled_month",
        "exited_month",
    )

    def __init__(self, columns: dict[str, np.ndarray], rows: np.ndarray | None = None):
        self._columns = columns  # every column, of all the enrolments
        self._rows = rows  # the positions selected, or None for all

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in Coded.COLUMNS:
            raise AttributeError(name)
        values = self._columns[name] if self._rows is None else self._columns[name][self._rows]
        setattr(self, name, values)  # taken once
        return values

    def __len__(self) -> int:
        return len(self._columns["group"]) if self._rows is None else len(self._rows)

    def where(self, mask: np.ndarray) -> "Coded":
        rows = np.flatnonzero(mask) if self._rows is None else self._rows[mask]
        return Coded(self._columns, rows)


def coded(enrolments: "pd.DataFrame | Coded") -> Coded:
    """The enrolments as `Coded`: prepared (`prepare`) once, and as they are after that."""
    return enrolments if isinstance(enrolments, Coded) else prepare(enrolments)


def _counts(*axes: tuple[np.ndarray, int]) -> np.ndarray:
    """Counts by some codes, as an array of one axis per (codes, size) with one extra cell at the end of each
    axis for the codes outside it (-1, or beyond): every combination (zeros too), in one np.bincount however
    many rows. A count by fewer of the axes is a sum of it over the others, the rows outside them included
    (`_inside(counts.sum(axis=...))`): one pass over the rows gives a table's rows and its sums."""
    shape = [size + 1 for _, size in axes]
    flat = np.zeros(len(axes[0][0]) if axes else 0, dtype=np.intp)
    for codes, size in axes:
        flat *= size + 1
        if len(codes) and (codes.min() < 0 or codes.max() >= size):  # (two passes over the codes, mostly none)
            codes = np.where((codes < 0) | (codes >= size), size, codes)
        flat += codes
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)


def _inside(counts: np.ndarray, axes: int | None = None) -> np.ndarray:
    """`counts` (from `_counts`) without the extra cells of its first `axes` axes (all by default)."""
    axes = counts.ndim if axes is None else axes
    return counts[tuple(slice(0, n - 1) for n in counts.shape[:axes])]


def _grid(*axes: tuple[np.ndarray, int]) -> np.ndarray:
    """Counts by some codes, as an array of one axis per (codes, size); a code outside its axis is not counted."""
    return _inside(_counts(*axes))


G, K = len(GROUP_LABELS), len(GENDERS)


def _distinct(codes: np.ndarray) -> int:
    """How many distinct non-negative integer codes (persons): one bincount, no sort or hash."""
    return int(np.count_nonzero(np.bincount(codes[codes >= 0]))) if len(codes) else 0


# --- Table 1 -----------------------------------------------------------------------------

def table_1_months(project_start: pd.Timestamp, period: Period) -> pd.PeriodIndex:
    first = max(pd.Timestamp(year=period.end.year, month=1, day=1), project_start)
    return pd.period_range(first, period.end, freq="M")


def monthly_participants(enrolments, months: pd.PeriodIndex) -> np.ndarray:
    """Enrolments active at least one day of each month, by group, gender and month (0..n-1), with an extra
    group and gender for those outside the form's (`_counts`): sums over them count everybody.

    Each enrolment adds one from its first active month and removes one after its last, so a
    running sum over the months gives every month's count in one pass, however many rows.
    """
    c = coded(enrolments)
    base, n = months[0].ordinal, len(months)
    exited_m = np.where(c.exited_month == NO_MONTH, n - 1 + base, c.exited_month) - base
    first, last = np.clip(c.enrolled_month - base, 0, None), np.clip(exited_m, None, n - 1)
    active = first <= last
    axes = [(c.group[active], G), (c.kon[active], K)]
    starts = _counts(*axes, (first[active], n + 1))
    stops = _counts(*axes, (last[active] + 1, n + 1))
    return np.cumsum(starts - stops, axis=-1)[..., :n]


def table_1(enrolments, months: pd.PeriodIndex) -> Long:
    """Participants per month: enrolled at least one day of the month, by group and gender."""
    c = coded(enrolments)
    labels = list(form.month_labels(months).values())
    counts = monthly_participants(c, months)
    return table_figures(form.T1, [
        block(_inside(counts, 2), [("Rad", GROUP_LABELS), ("Kön", GENDERS), ("Kolumn", labels)]),
        block(_inside(counts.sum(axis=0), 1), [("Kön", GENDERS), ("Kolumn", labels)], {"Rad": form.T1_SUM_GENDER}),
        block(counts.sum(axis=(0, 1)), [("Kolumn", labels)], {"Rad": form.T1_SUM, "Kön": ""}),
    ])


def text_figures(enrolments, project_start: pd.Timestamp, period: Period) -> Long:
    """The figures the status report's text needs that no table has (filed under Resultat).

    The mean number of participants per month over the months from the project start to
    the period end (Table 1's monthly count, exact), and the persons enrolled more than once.
    """
    c = coded(enrolments)
    months = pd.period_range(project_start, period.end, freq="M")
    counts = monthly_participants(c, months)
    by_gender = _inside(counts.sum(axis=0), 1).mean(axis=-1)
    total = counts.sum(axis=(0, 1)).mean()
    average = form.AVERAGE_PER_MONTH
    repeated = int((c.number == 1).sum())  # each such person has exactly one second enrolment
    return table_figures(form.RESULTS, [
        block(by_gender, [("Kön", GENDERS)], {"Rad": average, "Kolumn": OUTCOME}),
        block([total, repeated], [("Rad", [average, form.MORE_THAN_ONCE])], {"Kolumn": OUTCOME, "Kön": ""}),
    ])


# --- Table 2 -----------------------------------------------------------------------------

def _between(dates: np.ndarray, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    return (dates >= start.to_datetime64()) & (dates <= end.to_datetime64())


def table_2(enrolments, period: Period) -> Long:
    """Exits from the period's first to its last day, by calendar month, group and gender."""
    c = coded(enrolments)
    months = period.months
    labels = list(form.month_labels(months).values())
    exits = c.where(_between(c.exited, period.start, period.end))
    month = (exits.exited_month - months[0].ordinal, len(labels))
    counts = _counts((exits.group, G), month, (exits.kon, K))
    return table_figures(form.T2, [
        block(_inside(counts), [("Rad", GROUP_LABELS), ("Kolumn", labels), ("Kön", GENDERS)]),
        block(_inside(counts.sum(axis=0)), [("Kolumn", labels), ("Kön", GENDERS)], {"Rad": form.T2_SUM_GENDER}),
        block(_inside(counts.sum(axis=(0, 2))), [("Kolumn", labels)], {"Rad": form.T2_SUM_MONTH, "Kön": ""}),
        block(_inside(counts.sum(axis=(0, 1))), [("Kön", GENDERS)],
              {"Rad": form.T2_PERIOD_GENDER, "Kolumn": form.PERIOD_COLUMN}),
        block([len(exits)], [("Rad", [form.T2_PERIOD])], {"Kolumn": form.PERIOD_COLUMN, "Kön": ""}),
    ])


# --- Table 4 -----------------------------------------------------------------------------

def table_4(enrolments, periods: list[Period]) -> Long:
    """New enrolments per reporting period so far; enrolments and unique persons since the start."""
    c = coded(enrolments)
    labels = [p.label for p in periods]
    starts = np.array([p.start.to_datetime64() for p in periods], dtype="datetime64[ns]")
    position = np.searchsorted(starts, c.enrolled, side="right") - 1
    inside = (position >= 0) & (c.enrolled <= periods[-1].end.to_datetime64())
    within = c.where(inside)
    first = within.where(within.number == 0)
    blocks = []
    # the periods, then all enrolments since the start, then the persons (first enrolments) since the start;
    # each with its group rows, its per-gender sum and its total, counted on their own
    for part, columns, period in ((within, labels, (position[inside], len(labels))),
                                  (within, [form.ENROLLED_SINCE_START], None),
                                  (first, [form.UNIQUE_SINCE_START], None)):
        axis = period or (np.zeros(len(part), dtype=np.int8), 1)
        counts = _counts((part.group, G), axis, (part.kon, K))
        blocks += [block(_inside(counts), [("Rad", GROUP_LABELS), ("Kolumn", columns), ("Kön", GENDERS)]),
                   block(_inside(counts.sum(axis=0)), [("Kolumn", columns), ("Kön", GENDERS)],
                          {"Rad": form.T4_SUM_GENDER}),
                   block(_inside(counts.sum(axis=(0, 2))) if period else [len(part)], [("Kolumn", columns)],
                          {"Rad": form.T4_SUM, "Kön": ""})]
    return table_figures(form.T4, blocks)


# --- Exit reasons ------------------------------------------------------------------------

def exit_reasons(enrolments, period: Period) -> Long:
    """Exits by reason for the period and since the start, counts and shares (0..1)."""
    c = coded(enrolments)
    has_exit = ~np.isnat(c.exited)
    rows = [*form.REASON_ROWS, form.REASONS_SUM]
    blocks = []
    for chosen, column, share_column in ((has_exit & (c.exited >= period.start.to_datetime64()), form.PERIOD_COLUMN,
                                          form.PERIOD_SHARE), (has_exit, form.SINCE_START, form.SINCE_START_SHARE)):
        counts = np.append(_grid((c.reason[chosen], len(REASON_LABELS))), float(chosen.sum()))
        total = counts[-1]
        shares = counts / total if total else counts * 0.0
        blocks += [block(counts, [("Rad", rows)], {"Kolumn": column, "Kön": ""}),
                   block(shares, [("Rad", rows)], {"Kolumn": share_column, "Kön": ""})]
    return table_figures(form.REASONS, blocks)


# --- Resultat ----------------------------------------------------------------------------

def project_months(project_start: pd.Timestamp, project_end: pd.Timestamp, period: Period) -> tuple[int, int]:
    """Months of project time passed (start month to period-end month, inclusive) and in all."""
    start = project_start.to_period("M").ordinal
    return period.end.to_period("M").ordinal - start + 1, project_end.to_period("M").ordinal - start + 1


def results(enrolments, contacts: pd.DataFrame, period: Period, goals: dict[str, float],
            months_passed: int, months_total: int) -> Long:
    """Goals with outcome, participants of the period, 90-day follow-up and employer contacts."""
    c = coded(enrolments)
    rows: list[tuple[str, str, str, float]] = []

    def count_goal(row: str, outcome: float, goal: float | None):
        rows.append((row, OUTCOME, "", outcome))
        if goal is not None:
            rows.extend([(row, GOAL, "", goal), (row, SHARE_OF_GOAL, "", outcome / goal if goal else 0.0)])

    def share_goal(row: str, outcome: float, of: float, goal: float):
        share = outcome / of if of else 0.0
        rows.extend([(row, OUTCOME, "", outcome), (row, SHARE, "", share), (row, GOAL, "", goal),
                     (row, SHARE_OF_GOAL, "", share / goal if goal else 0.0)])

    total = float(len(c))
    young = [GROUP_LABELS.index(g) for g in form.YOUNG_GROUPS]
    count_goal(form.ENROLLED, total, goals["goal_enrolled"])
    count_goal(form.YOUNG, float(_grid((c.group, G))[young].sum()), goals["goal_young"])
    count_goal(form.DOMESTIC_ADULTS, float((c.group == GROUP_LABELS.index(form.ADULT_DOMESTIC.label)).sum()),
               goals["goal_domestic_adults"])
    count_goal(form.FOREIGN, float(c.foreign.sum()), goals["goal_foreign"])
    women = float((c.kon == 0).sum())
    share_goal(form.WOMEN, women, total, goals["goal_women_share"])
    men = float((c.kon == 1).sum())
    rows.extend([(form.MEN, OUTCOME, "", men), (form.MEN, SHARE, "", men / total if total else 0.0)])
    has_exit = ~np.isnat(c.exited)
    rows.append((form.EXITED, OUTCOME, "", float(has_exit.sum())))
    by_reason = _grid((np.where(has_exit, c.reason, -1), len(REASON_LABELS)))  # (a bincount: np.isin sorts)
    share_goal(form.TO_WORK_OR_STUDIES, float(by_reason[[0, 1]].sum()),
               float(has_exit.sum()), goals["goal_work_or_studies_share"])
    count_goal(form.PROJECT_TIME, float(months_passed), float(months_total))
    rows += participant_rows(c, period)
    rows += period_exit_rows(c, period)
    rows += follow_up_rows(c, period, goals["goal_work_90_share"])
    rows += contact_rows(contacts, period, goals["goal_employer_contacts"])
    return rows_figures(form.RESULTS, rows)


def _by_group_and_gender(c: Coded, row: str) -> list[tuple]:
    """A row's figures in all, by gender, and by group and gender (the form's order)."""
    counts = _counts((c.group, G), (c.kon, K))
    by_group, by_gender = _inside(counts), _inside(counts.sum(axis=0))
    return ([(row, OUTCOME, "", float(len(c)))] + [(row, OUTCOME, kon, float(n)) for kon, n in zip(GENDERS, by_gender)]
            + [(row, g, kon, float(by_group[i, j])) for i, g in enumerate(GROUP_LABELS) for j, kon in enumerate(GENDERS)])


def participants_in_period(enrolments, period: Period) -> Coded:
    c = coded(enrolments)
    return c.where((c.enrolled <= period.end.to_datetime64())
                   & (np.isnat(c.exited) | (c.exited >= period.start.to_datetime64())))


def participant_rows(enrolments, period: Period) -> list[tuple]:
    active = participants_in_period(enrolments, period)
    new = active.enrolled >= period.start.to_datetime64()
    again = active.number > 0
    return _by_group_and_gender(active, form.PARTICIPANTS) + [
        (form.PERSONS_IN_PERIOD, OUTCOME, "", float(_distinct(active.person))),
        (form.NEW_IN_PERIOD, OUTCOME, "", float(new.sum())),
        (form.RE_ENROLLED, OUTCOME, "", float(again.sum())),
        (form.RE_ENROLLED_NEW, OUTCOME, "", float((new & again).sum()))]


def period_exit_rows(enrolments, period: Period) -> list[tuple]:
    """Exits of the period by group and gender (Table 2 without its months), for the text."""
    c = coded(enrolments)
    return _by_group_and_gender(c.where(_between(c.exited, period.start, period.end)), form.EXITS_IN_PERIOD)


def follow_up_rows(enrolments, period: Period, goal: float) -> list[tuple]:
    c = coded(enrolments)
    due = follow_up_due(c.exited, period.end)
    in_work = float((due & c.follow_up_work).sum())
    share = in_work / due.sum() if due.sum() else 0.0
    return [(form.DUE_90, OUTCOME, "", float(due.sum())),
            (form.IN_WORK_90, OUTCOME, "", in_work),
            (form.IN_WORK_90, SHARE, "", share),
            (form.IN_WORK_90, GOAL, "", goal),
            (form.IN_WORK_90, SHARE_OF_GOAL, "", share / goal if goal else 0.0),
            (form.NOT_FOLLOWED_UP, OUTCOME, "", float((due & ~c.followed_up).sum()))]


def organisation_key(names: pd.Series) -> np.ndarray:
    """Each row's organisation as a number, equal for names that differ only in case and repeated spaces
    (worked out once per distinct name); -1 where there is none."""
    names = pd.Categorical(names)  # as parsed, it is one already
    if len(names.categories) <= FEW:  # the usual case: a few dozen organisations, folded one by one
        keys = [normalise_label(name) for name in names.categories.tolist()]
        numbers = {key: number for number, key in enumerate(dict.fromkeys(keys))}
        per_name = np.array([numbers[key] for key in keys] + [-1], dtype=np.int64)
    else:
        keys = normalise_labels(pd.Series(names.categories, dtype="string"))
        per_name = np.append(pd.factorize(keys)[0], -1)
    return per_name[names.codes]  # code -1 (none) takes the appended -1


def first_contacts(contacts: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """The rows (positions) of each organisation's first contact up to `end`: earliest date, then highest
    in the sheet."""
    dates = contacts["date"].to_numpy(dtype="datetime64[ns]")
    upto = np.flatnonzero(dates <= end.to_datetime64())
    order = upto[np.lexsort((upto, dates[upto]))]
    _, first = np.unique(organisation_key(contacts["organisation"])[order], return_index=True)
    return order[first]


def contact_rows(contacts: pd.DataFrame, period: Period, goal: float) -> list[tuple]:
    first = first_contacts(contacts, period.end)
    distinct = float(len(first))
    by_type = _grid((_codes(contacts["type"], list(CONTACT_TYPES))[first], len(CONTACT_TYPES)))
    new = float((contacts["date"].to_numpy(dtype="datetime64[ns]")[first] >= period.start.to_datetime64()).sum())
    return ([(form.CONTACTS, OUTCOME, "", distinct),
             (form.CONTACTS, GOAL, "", goal),
             (form.CONTACTS, SHARE_OF_GOAL, "", distinct / goal if goal else 0.0),
             (form.NEW_CONTACTS, OUTCOME, "", new)]
            + [(t, OUTCOME, "", float(n)) for t, n in zip(CONTACT_TYPES, by_type)])
