"""ESF+ 2021-2027: the register as persons, and the common indicators of a period.

`persons` turns the enrolments as they stood at the period end into one row per person:
their entry (first enrolment), whether and when they left (every enrolment ended; the
last one's exit), and the results recorded on that final exit row. `indicators` counts
each indicator of `schemas.form_plus` and the figures beside it, by gender, for the
period and since the start; `goals` sets the project's goals against them. All of it is
integer codes, masks and bincounts: no loop per person or enrolment, and no Deltagar-ID
reaches the figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.check.parse import holds
from pipeline.count.figures import Long, block, rows_figures, table_figures
from pipeline.period import Period, enrolment_numbers, person_codes, six_months_after
from schemas import form_plus as fp
from schemas.form import SINCE_START
from schemas.register import DELTAGARE_PLUS, EXIT_SITUATIONS, UNKNOWN_SITUATION

ENTRY_COLUMNS = tuple(c.key for c in DELTAGARE_PLUS.columns if c.at_entry and c.key != "gender")
RESULT_COLUMNS = ("exit_situation", "qualification", "situation_6m", "improved_6m")
GENDER_CODES = list(fp.GENDER_OF_CODE)  # K, M, Ickebinär: 0, 1, 2


def persons(enrolments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per person of the enrolments (the register as it stood at the period end, `as_of`)."""
    if enrolments.empty:
        return pd.DataFrame({"gender": np.zeros(0, np.int64), "entered": pd.Series([], dtype="datetime64[ns]"),
                             "age": np.zeros(0), "left": np.zeros(0, bool),
                             "leaving": pd.Series([], dtype="datetime64[ns]"), "enrolments": np.zeros(0, np.int64),
                             "last_row": np.zeros(0, np.int64), "re_enrolled_in_period": np.zeros(0, bool),
                             **{k: pd.Categorical([]) for k in ENTRY_COLUMNS + RESULT_COLUMNS}})
    codes = person_codes(enrolments["person_id"])
    present = np.zeros(codes.max() + 1, dtype=bool)
    present[codes] = True
    person = (np.cumsum(present) - 1)[codes]  # 0 .. persons-1
    number = enrolment_numbers(person, enrolments["enrolled"])
    count = np.bincount(person)
    positions = np.arange(len(person))
    entry_pos = np.empty(len(count), dtype=np.int64)
    entry_pos[person[number == 0]] = positions[number == 0]
    last = number == count[person] - 1
    last_pos = np.empty(len(count), dtype=np.int64)
    last_pos[person[last]] = positions[last]
    exited = enrolments["exited"]
    open_enrolments = np.bincount(person, weights=exited.isna().to_numpy(), minlength=len(count))
    left = open_enrolments == 0
    leaving = exited.to_numpy(dtype="datetime64[ns]")[last_pos]
    leaving[~left] = np.datetime64("NaT")
    re_enrolled = (number > 0) & (enrolments["enrolled"] >= period.start).to_numpy()
    gender = enrolments["gender"]
    gender_code = pd.Index(GENDER_CODES).get_indexer(gender.cat.categories)[gender.cat.codes.to_numpy()[entry_pos]]
    # each column taken at the entry or final row as it is (a Categorical stays one: no text per person)
    return pd.DataFrame({
        "gender": gender_code,
        "entered": enrolments["enrolled"].to_numpy()[entry_pos],
        "age": enrolments["age"].to_numpy(dtype="float64", na_value=np.nan)[entry_pos],
        **{key: enrolments[key].array.take(entry_pos) for key in ENTRY_COLUMNS},
        "left": left,
        "leaving": leaving,
        **{key: enrolments[key].array.take(last_pos) for key in RESULT_COLUMNS},
        "enrolments": count,
        "last_row": enrolments.index.to_numpy()[last_pos],  # the Excel row of the final enrolment (the worklist's)
        "re_enrolled_in_period": np.bincount(person, weights=re_enrolled, minlength=len(count)) > 0,
    })


def _within(dates: pd.Series, start, end) -> np.ndarray:
    return ((dates >= start) & (dates <= end)).to_numpy(dtype=bool)


def six_months_passed(people: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """Persons who have left and whose six-month point is on or before `end` (EECR05 and EECR06 count among
    them; the worklist asks for their follow-up)."""
    return people["left"].to_numpy(dtype=bool) & (six_months_after(people["leaving"]) <= end).to_numpy(dtype=bool)


def indicator_masks(people: pd.DataFrame, period: Period) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(Rad, who counts in Perioden, who counts Sedan starten) for every indicator and the figures beside them."""
    all_persons = np.ones(len(people), dtype=bool)
    entered_in = _within(people["entered"], period.start, period.end)
    left = people["left"].to_numpy(dtype=bool)
    left_in = left & _within(people["leaving"], period.start, period.end)
    six_passed = six_months_passed(people, period.end)
    six_in = six_passed & (six_months_after(people["leaving"]) >= period.start).to_numpy(dtype=bool)
    age = people["age"].to_numpy(dtype="float64")
    rows = []
    for indicator in fp.ALL_INDICATORS:
        if indicator.ages is not None:
            chosen = (age >= indicator.ages[0]) & (age <= indicator.ages[1])
        elif indicator.column is not None:
            chosen = holds(people[indicator.column], indicator.values)
        else:
            chosen = all_persons
        if not indicator.result:
            since, within = all_persons, entered_in
        elif indicator.six_months:
            since, within = six_passed, six_in
        else:
            since, within = left, left_in
        rows.append((indicator.code, chosen & within, chosen & since))
    unknown = ~holds(people["exit_situation"], tuple(s for s in EXIT_SITUATIONS if s != UNKNOWN_SITUATION))
    missing_6m = pd.isna(people["situation_6m"]).to_numpy(dtype=bool)
    more_than_once = people["enrolments"].to_numpy() > 1
    rows += [
        (fp.DECLINED_DISABILITY, *(m & holds(people["disability"], ("Vill ej svara",)) for m in (entered_in, all_persons))),
        (fp.DECLINED_MINORITY, *(m & holds(people["minority"], ("Vill ej svara",)) for m in (entered_in, all_persons))),
        (fp.LEFT, left_in, left),
        (fp.LEFT_OTHER, *(m & holds(people["exit_situation"], ("Annat",)) for m in (left_in, left))),
        (fp.LEFT_UNKNOWN, left_in & unknown, left & unknown),
        (fp.SIX_MONTHS_PASSED, six_in, six_passed),
        (fp.MISSING_6M, six_in & missing_6m, six_passed & missing_6m),
        (fp.MORE_THAN_ONCE, more_than_once & people["re_enrolled_in_period"].to_numpy(dtype=bool), more_than_once),
    ]
    return rows


def indicators(people: pd.DataFrame, period: Period) -> Long:
    """Every indicator (`Rad` its code) and the figures beside it (`Rad` their label), in long form: Perioden
    and Sedan starten, per gender and in total."""
    rows = indicator_masks(people, period)
    masks = np.stack([m for _, within, since in rows for m in (within, since)]) if len(people) else \
        np.zeros((2 * len(rows), 0), dtype=bool)
    gender = people["gender"].to_numpy()
    by_gender = np.column_stack([masks[:, gender == g].sum(axis=1) for g in range(len(fp.GENDERS))])
    # the total counted on its own (every person has one of the genders), so Kontroller compares two counts
    counts = np.column_stack([by_gender, masks.sum(axis=1)]).reshape(len(rows), 2, len(fp.GENDERS) + 1)
    return table_figures(fp.INDICATORS, [block(counts, [("Rad", [name for name, _, _ in rows]), ("Kolumn", fp.COLUMNS),
                                                      ("Kön", [*fp.GENDERS, ""])])])


def goals(figures: Long, project_goals: dict[str, float | None]) -> Long:
    """Resultat: each indicator with a goal (`Mål EECO01` ...), its outcome since the start, the goal and the
    share of it reached; `figures` hold the organisations' too."""
    # the indicators' few hundred figures as plain rows: a pandas filter and index cost more than the whole pass
    since = {row: value for row, column, gender, value in zip(figures["Rad"].tolist(), figures["Kolumn"].tolist(),
                                                              figures["Kön"].tolist(), figures["Värde"].tolist())
             if column == SINCE_START and gender == ""}
    rows = []
    for indicator in fp.GOAL_INDICATORS:
        goal = project_goals.get(f"goal_{indicator.code}")
        if goal is None:
            continue
        outcome = since[indicator.code]
        rows += [(indicator.code, fp.OUTCOME, "", outcome), (indicator.code, fp.GOAL, "", goal)]
        if goal > 0:
            rows.append((indicator.code, fp.SHARE_OF_GOAL, "", outcome / goal))
    return rows_figures(fp.RESULTS, rows)
