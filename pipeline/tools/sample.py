"""Seeded generator of synthetic registers: the committed sample and the benchmark's registers.

No real people: IDs, coaches and organisations are made up. The generator is
vectorised (numpy), so that a 1,000,000-enrolment register is made in seconds,
and it writes the register as the coaches keep it, with xlsxwriter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.period import SITUATION_DAYS, follow_up_from, six_months_after
from schemas.register import (
    CONTACT_TYPES, DELTAGARE, DELTAGARE_PLUS, KONTAKTER, ORGANISATION_TYPES, ORGANISATIONER, PERIODER,
    PLUS_PROJECT_ITEMS, PROJECT_ITEMS, PROJEKT, Sheet,
)

REFERENCE_PERIODS = [("2008-05-01", "2008-07-31"), ("2008-08-01", "2008-09-30"), ("2008-10-01", "2008-12-31"),
                     ("2009-01-01", "2009-02-28"), ("2009-03-01", "2009-04-30"), ("2009-05-01", "2009-06-30")]
SAMPLE_CREATED = datetime(2026, 1, 1)
COACHES = ("Coach Alfa", "Coach Beta", "Coach Gamma", "Coach Delta")
# target groups as (young, born, benefit) with their share of first enrolments
GROUP_MIX = [((True, "Inrikes", "Försörjningsstöd"), 0.30), ((True, "Utrikes", "Introduktionsersättning"), 0.15),
             ((False, "Inrikes", "Försörjningsstöd"), 0.20), ((False, "Utrikes", "Försörjningsstöd"), 0.20),
             ((False, "Utrikes", "Introduktionsersättning"), 0.15)]


@dataclass
class SampleRegister:
    deltagare: pd.DataFrame
    projekt: pd.DataFrame
    perioder: pd.DataFrame
    kontakter: pd.DataFrame | None  # None under ESF+, which has no such sheet
    sheet: Sheet = DELTAGARE  # the declaration of its Deltagare sheet
    organisationer: pd.DataFrame | None = None  # ESF+: the organisations supported, if the project has any


def bimonthly_periods(start: str, end: str) -> list[tuple[str, str]]:
    """The reference periods, then two-month periods up to `end`."""
    periods = [p for p in REFERENCE_PERIODS if p[1] <= end]
    cursor = pd.Timestamp(periods[-1][1]) + pd.Timedelta(days=1) if periods else pd.Timestamp(start)
    while cursor <= pd.Timestamp(end):
        stop = cursor + pd.DateOffset(months=2) - pd.Timedelta(days=1)
        periods.append((f"{cursor:%Y-%m-%d}", f"{stop:%Y-%m-%d}"))
        cursor = stop + pd.Timedelta(days=1)
    return periods


def generate(n_enrolments: int, seed: int = 2008, last_day: str = "2009-06-30",
             project_end: str = "2011-04-30", variants: bool = True) -> SampleRegister:
    """A valid register of about `n_enrolments` enrolments, all dates on or before `last_day`."""
    rng = np.random.default_rng(seed)
    start, last = pd.Timestamp("2008-05-01"), pd.Timestamp(last_day)
    span = (last - start).days
    n_persons = max(1, int(round(n_enrolments / 1.18)))

    group_index = rng.choice(len(GROUP_MIX), size=n_persons, p=[share for _, share in GROUP_MIX])
    young = np.array([GROUP_MIX[i][0][0] for i in range(len(GROUP_MIX))])[group_index]
    born = np.array([GROUP_MIX[i][0][1] for i in range(len(GROUP_MIX))])[group_index]
    benefit = np.array([GROUP_MIX[i][0][2] for i in range(len(GROUP_MIX))])[group_index]
    first_in = start + pd.to_timedelta(rng.integers(0, max(span - 20, 1), n_persons), unit="D")
    age_years = np.where(young, rng.integers(16, 24, n_persons), rng.integers(25, 60, n_persons))
    birth = first_in - pd.to_timedelta(age_years * 365.25 + rng.integers(30, 330, n_persons), unit="D")
    birth = pd.DatetimeIndex(birth).normalize()
    gender = rng.choice(np.array(["K", "M"]), n_persons, p=[0.45, 0.55])

    def stay(enrolled: pd.DatetimeIndex) -> tuple[pd.Series, pd.Series]:
        length = pd.to_timedelta(rng.integers(20, 330, len(enrolled)), unit="D")
        exited = pd.Series(enrolled + length)
        exited[(exited > last) | (rng.random(len(enrolled)) < 0.15)] = pd.NaT
        reason = pd.Series(rng.choice(np.array(["1", "2", "3", "4", "5"]), len(enrolled),
                                      p=[0.38, 0.17, 0.2, 0.1, 0.15]))
        return exited, reason.where(exited.notna())

    exit_1, reason_1 = stay(pd.DatetimeIndex(first_in))
    again = exit_1.notna().to_numpy() & (rng.random(n_persons) < 0.35)
    second_in = pd.Series(exit_1 + pd.to_timedelta(rng.integers(14, 150, n_persons), unit="D"))
    again &= (second_in <= last).to_numpy()
    exit_2, reason_2 = stay(pd.DatetimeIndex(second_in))
    ids = np.char.add("N", np.char.zfill(np.arange(1, n_persons + 1).astype(str), 6))

    def rows(mask: np.ndarray, enrolled, exited, reason) -> pd.DataFrame:
        return pd.DataFrame({"person_id": ids[mask], "gender": gender[mask], "birth_date": birth[mask],
                             "born": born[mask], "benefit": benefit[mask],
                             "enrolled": pd.DatetimeIndex(enrolled)[mask], "exited": pd.Series(exited)[mask].to_numpy(),
                             "reason": pd.Series(reason)[mask].to_numpy(), "row_order": np.flatnonzero(mask)})

    everyone = np.ones(n_persons, dtype=bool)
    frame = pd.concat([rows(everyone, first_in, exit_1, reason_1), rows(again, second_in, exit_2, reason_2)])
    frame = frame.sort_values(["enrolled", "row_order"], kind="stable").reset_index(drop=True)
    frame = frame.iloc[:n_enrolments].copy()
    # a re-enrolment keeps the benefit; its age decides its group, which stays a target group
    due = frame["exited"].notna() & (follow_up_from(frame["exited"]) <= last)
    status = pd.Series(rng.choice(np.array(["Arbete", "Studier", "Annat", "Ej nådd"]), len(frame),
                                  p=[0.4, 0.15, 0.3, 0.15]))
    frame["follow_up"] = status.where(due.to_numpy() & (rng.random(len(frame)) < 0.8)).to_numpy()
    frame["coach"] = rng.choice(np.array(COACHES), len(frame))
    if variants:
        frame = _with_variants(frame, rng)

    periods = bimonthly_periods("2008-05-01", last_day)
    n_contacts = max(60, n_enrolments // 10)
    n_orgs = max(30, n_contacts // 3)
    org = rng.integers(0, n_orgs, n_contacts)
    org_type = rng.choice(np.array(CONTACT_TYPES), n_orgs, p=[0.55, 0.05, 0.15, 0.05, 0.1, 0.1])
    names = np.char.add(np.char.add("Arbetsgivare ", np.arange(1, n_orgs + 1).astype(str)), " AB")
    org_names = pd.Series(names[org])
    if variants:
        shout = rng.random(n_contacts) < 0.1
        org_names[shout] = org_names[shout].str.upper().str.replace(" ", "  ", n=1)
    contacts = pd.DataFrame({
        "date": start + pd.to_timedelta(rng.integers(0, span + 1, n_contacts), unit="D"),
        "organisation": org_names, "type": org_type[org]}).sort_values("date", kind="stable")

    values = {item.key: item.example for item in PROJECT_ITEMS} | {"end": project_end}
    projekt = pd.DataFrame({"item": [i.label for i in PROJECT_ITEMS], "value": [values[i.key] for i in PROJECT_ITEMS]})
    perioder = pd.DataFrame({"start": pd.to_datetime([p[0] for p in periods]),
                             "end": pd.to_datetime([p[1] for p in periods])})
    return SampleRegister(frame.drop(columns="row_order"), projekt, perioder, contacts)


def _with_variants(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Write some codes and dates in the other accepted forms, as real registers do."""
    out = frame.astype({"gender": object, "reason": object})
    pick = rng.random(len(out)) < 0.1
    out.loc[pick, "gender"] = out.loc[pick, "gender"].map({"K": "kvinna", "M": "man"})
    named = out["reason"].notna() & (rng.random(len(out)) < 0.3)
    out.loc[named, "reason"] = out.loc[named, "reason"].map({"1": "1-Arbete", "2": "Studier", "3": "3-Annan orsak",
                                                              "4": "Okänd orsak", "5": "5-Projekt fullföljt"})
    out["enrolled_text"] = (rng.random(len(out)) < 0.1)
    return out


# --- ESF+ 2021-2027 ---------------------------------------------------------------------------

PLUS_START, PLUS_LAST_DAY, PLUS_END = "2023-01-01", "2026-06-30", "2027-06-30"
PLUS_GOALS = {"goal_EECO01": "300", "goal_EECO18": "5", "goal_EECO19": "8", "goal_EECO02": "200", "goal_EECO07": "120", "goal_EECR04": "90",
              "goal_EECR05": "100"}
# (values, shares) of each entry column, drawn per person
PLUS_ENTRY = {
    "labour_status": (("Arbetslös", "Långtidsarbetslös", "Inaktiv", "Sysselsatt"), (0.35, 0.3, 0.25, 0.1)),
    "education": (("ISCED 0-2", "ISCED 3-4", "ISCED 5-8"), (0.4, 0.45, 0.15)),
    "disability": (("Ja", "Nej", "Vill ej svara"), (0.2, 0.72, 0.08)),
    "citizenship": (("Sverige", "EU/EES", "Tredjeland", "Statslös"), (0.7, 0.08, 0.2, 0.02)),
    "foreign_background": (("Ja", "Nej"), (0.4, 0.6)),
    "minority": (("Ja", "Nej", "Vill ej svara"), (0.05, 0.85, 0.1)),
    "homeless": (("Ja", "Nej"), (0.05, 0.95)),
    "rural": (("Ja", "Nej"), (0.25, 0.75)),
}
AGE_BANDS = (((16, 17), 0.08), ((18, 29), 0.4), ((30, 54), 0.4), ((55, 64), 0.12))


def half_years(start: str, end: str) -> list[tuple[str, str]]:
    """Reporting periods of six months from `start` to `end`."""
    starts = pd.date_range(start, end, freq="6MS")
    return [(f"{s:%Y-%m-%d}", f"{s + pd.DateOffset(months=6) - pd.Timedelta(days=1):%Y-%m-%d}") for s in starts]


def generate_plus(n_enrolments: int, seed: int = 2021, last_day: str = PLUS_LAST_DAY,
                  variants: bool = True) -> SampleRegister:
    """A valid ESF+ register of about `n_enrolments` enrolments, all dates on or before `last_day`: entry
    columns on each person's first enrolment (a re-enrolment leaves most of them empty), the situation at
    leaving wherever it is due, and six-month follow-ups for most of those whose point has passed."""
    rng = np.random.default_rng(seed)
    start, last = pd.Timestamp(PLUS_START), pd.Timestamp(last_day)
    span = (last - start).days
    n_persons = max(1, int(np.ceil(n_enrolments / 1.05)))  # re-enrolments make up the rest; the latest are cut
    first_in = pd.Series(start + pd.to_timedelta(rng.integers(0, max(span - 20, 1), n_persons), unit="D"))
    band = rng.choice(len(AGE_BANDS), n_persons, p=[share for _, share in AGE_BANDS])
    low, high = (np.array([AGE_BANDS[b][0][i] for b in band]) for i in (0, 1))
    age = rng.integers(low, high + 1)
    birth = pd.DatetimeIndex(first_in - pd.to_timedelta(age * 365.25 + rng.integers(30, 330, n_persons),
                                                        unit="D")).normalize()
    person = {"gender": rng.choice(np.array(["K", "M", "Ickebinär"]), n_persons, p=[0.48, 0.49, 0.03])}
    for key, (values, shares) in PLUS_ENTRY.items():
        person[key] = rng.choice(np.array(values), n_persons, p=shares)

    def stay(enrolled: pd.Series) -> pd.Series:
        exited = enrolled + pd.to_timedelta(rng.integers(30, 300, len(enrolled)), unit="D")
        return exited.mask((exited > last) | (rng.random(len(enrolled)) < 0.12))

    exit_1 = stay(first_in)
    second_in = exit_1 + pd.to_timedelta(rng.integers(14, 120, n_persons), unit="D")
    again = (exit_1.notna() & (rng.random(n_persons) < 0.15) & (second_in <= last)).to_numpy()
    exit_2 = stay(second_in)
    ids = np.char.add("P", np.char.zfill(np.arange(1, n_persons + 1).astype(str), 5))

    def rows(mask: np.ndarray, enrolled: pd.Series, exited: pd.Series, first: bool) -> pd.DataFrame:
        keep = first | (rng.random(int(mask.sum())) < 0.3)  # a re-enrolment repeats the entry columns, or not
        entry = {key: np.where(keep, values[mask], None) for key, values in person.items()}
        return pd.DataFrame({"person_id": ids[mask], "birth_date": birth[mask], "enrolled": enrolled[mask].to_numpy(),
                             "exited": exited[mask].to_numpy(), **entry, "row_order": np.flatnonzero(mask)})

    frame = pd.concat([rows(np.ones(n_persons, dtype=bool), first_in, exit_1, True),
                       rows(again, second_in, exit_2, False)])
    frame = frame.sort_values(["enrolled", "row_order"], kind="stable").reset_index(drop=True).iloc[:n_enrolments]
    n = len(frame)
    exited = pd.Series(frame["exited"].to_numpy(), dtype="datetime64[ns]")
    due = (exited + pd.Timedelta(days=SITUATION_DAYS) <= last).to_numpy()
    told = exited.notna().to_numpy() & (due | (rng.random(n) < 0.5))
    situation = rng.choice(np.array(["Arbete", "Studier", "Arbetssökande", "Annat", "Okänd"]), n,
                           p=[0.3, 0.15, 0.35, 0.1, 0.1])
    frame["exit_situation"] = np.where(told, situation, None)
    frame["qualification"] = np.where(told, rng.choice(np.array(["Ja", "Nej"]), n, p=[0.3, 0.7]), None)
    six_passed = (six_months_after(exited) <= last).to_numpy()
    followed = six_passed & (rng.random(n) < 0.85)
    frame["situation_6m"] = np.where(followed, rng.choice(np.array(["Arbete", "Ej arbete", "Okänd"]), n,
                                                          p=[0.4, 0.45, 0.15]), None)
    employed_at_entry = (person["labour_status"] == "Sysselsatt")[frame["row_order"].to_numpy()]  # by person
    frame["improved_6m"] = np.where(followed & employed_at_entry,
                                    rng.choice(np.array(["Ja", "Nej"]), n, p=[0.5, 0.5]), None)
    frame["coach"] = rng.choice(np.array(COACHES), n)
    if variants:
        pick = rng.random(n) < 0.1
        frame.loc[pick & (frame["labour_status"] == "Sysselsatt").to_numpy(), "labour_status"] = "Egenföretagare"
        frame.loc[pick & (frame["education"] == "ISCED 3-4").to_numpy(), "education"] = "Gymnasial"
        frame.loc[pick & (frame["gender"] == "K").to_numpy(), "gender"] = "kvinna"
    values = {item.key: item.example for item in PLUS_PROJECT_ITEMS} | {
        "name": "Vägen vidare", "case_number": "2023/00417", "owner": "Exempelkommunen", "start": PLUS_START,
        "end": PLUS_END, "programme": "2021-2027"} | PLUS_GOALS
    items = [i for i in PLUS_PROJECT_ITEMS if not i.key.startswith("goal_") or i.key in PLUS_GOALS]
    projekt = pd.DataFrame({"item": [i.label for i in items], "value": [values[i.key] for i in items]})
    periods = half_years(PLUS_START, last_day)
    perioder = pd.DataFrame({"start": pd.to_datetime([p[0] for p in periods]),
                             "end": pd.to_datetime([p[1] for p in periods])})
    return SampleRegister(frame.drop(columns="row_order"), projekt, perioder, None, DELTAGARE_PLUS,
                          organisations(seed, start, last))


ORGANISATION_NAMES = ("Bygg", "Vård", "Data", "Skog", "Turism", "Transport", "Handel", "Energi", "Kultur", "Mat")


def organisation_number(body: int) -> str:
    """A made-up organisation number NNNNNN-NNNN from nine digits, with its Luhn check digit."""
    from pipeline.check.validate import luhn_check_digit

    digits = f"{body:09d}"
    return f"{digits[:6]}-{digits[6:]}{luhn_check_digit(digits)}"


def organisations(seed: int, start: pd.Timestamp, last: pd.Timestamp, n: int = 14) -> pd.DataFrame:
    """The organisations an ESF+ project supported, a row per occasion (some twice), of every type; a random
    generator of their own, so that the participants are the same with or without them."""
    rng = np.random.default_rng(seed + 1)
    numbers = [organisation_number(int(b)) for b in rng.integers(212_000_000, 969_999_999, n)]
    types = rng.choice(np.array(list(ORGANISATION_TYPES)), n, p=[0.3, 0.2, 0.2, 0.1, 0.05, 0.1, 0.05])
    names = [f"{ORGANISATION_NAMES[i % len(ORGANISATION_NAMES)]} {kind.split()[0].lower()} {i + 1}"
             for i, kind in enumerate(types)]
    first = start + pd.to_timedelta(rng.integers(0, (last - start).days, n), unit="D")
    again = rng.random(n) < 0.3  # a second occasion, later: counted once, by the first
    later = first[again] + pd.to_timedelta(rng.integers(20, 200, int(again.sum())), unit="D")
    frame = pd.DataFrame({"org_number": numbers + [x for x, a in zip(numbers, again) if a],
                          "name": names + [x for x, a in zip(names, again) if a],
                          "type": list(types) + list(types[again]),
                          "first_support": list(first) + list(later.where(later <= last, last))})
    return frame.sort_values("first_support", kind="stable").reset_index(drop=True)


BAD_VALUES = {"gender": "X", "enrolled": "2009-02-30", "reason": "9", "born": "Norden", "benefit": "Lön"}


def corrupt(register: SampleRegister, n_cells: int, seed: int = 7) -> SampleRegister:
    """The same register with `n_cells` bad cells, spread over rows and columns (for the benchmark)."""
    rng = np.random.default_rng(seed)
    frame = register.deltagare.astype({key: object for key in BAD_VALUES})
    rows = rng.choice(len(frame), size=min(n_cells, len(frame)), replace=False)
    keys = list(BAD_VALUES)
    for i, key in enumerate(keys):
        chosen = rows[i::len(keys)]
        frame.iloc[chosen, frame.columns.get_loc(key)] = BAD_VALUES[key]
        if key == "enrolled" and "enrolled_text" in frame:
            frame.iloc[chosen, frame.columns.get_loc("enrolled_text")] = False
    frame.loc[frame["reason"] == "9", "exited"] = frame.loc[frame["reason"] == "9", "exited"].fillna(
        pd.Timestamp("2011-01-01"))
    return SampleRegister(frame, register.projekt, register.perioder, register.kontakter)


def write_register(register: SampleRegister, path: Path, constant_memory: bool = False) -> Path:
    """Write the register as an .xlsx the way a coach keeps it: date cells, and some dates as text.

    Every sheet is written row by row, as xlsxwriter's constant-memory mode (used for the
    large benchmark registers) requires.
    """
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    # a fixed time in the document properties: `make sample` writes the same bytes every time
    workbook.set_properties({"created": SAMPLE_CREATED})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    d = register.deltagare
    as_text = d["enrolled_text"].to_numpy() if "enrolled_text" in d else np.zeros(len(d), dtype=bool)
    enrolled = _cells(d["enrolled"], date=True)
    enrolled[as_text] = pd.to_datetime(d.loc[as_text, "enrolled"]).dt.strftime("%y%m%d").to_numpy()
    columns = register.sheet.columns
    deltagare = {c.key: _cells(d[c.key], date=c.kind == "date") for c in columns} | {"enrolled": enrolled}
    k = register.kontakter
    sheets = {
        "Deltagare": ([c.header for c in columns], [deltagare[c.key] for c in columns]),
        "Projekt": ([PROJEKT.column(k_).header for k_ in ("item", "value")],
                    [_cells(register.projekt[k_]) for k_ in ("item", "value")]),
        "Perioder": ([c.header for c in PERIODER.columns],
                     [_cells(register.perioder[k_], date=True) for k_ in ("start", "end")]),
    }
    if k is not None:
        sheets["Arbetsgivarkontakter"] = ([c.header for c in KONTAKTER.columns],
                                          [_cells(k["date"], date=True), _cells(k["organisation"]), _cells(k["type"])])
    o = register.organisationer
    if o is not None:
        sheets[ORGANISATIONER.name] = ([c.header for c in ORGANISATIONER.columns],
                                       [_cells(o[c.key], date=c.kind == "date") for c in ORGANISATIONER.columns])
    for name, (headers, columns) in sheets.items():
        ws = workbook.add_worksheet(name)
        ws.set_column(0, len(headers) - 1, 18)
        ws.write_row(0, 0, headers, bold)
        for r, row in enumerate(zip(*columns), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value, date_format)
    workbook.close()
    return path


def _cells(values: pd.Series, date: bool = False) -> np.ndarray:
    """A column as cell values: Excel serial numbers for dates, strings otherwise, None when empty.

    Text in a date column (a corrupted cell) stays text."""
    if date:
        text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        dates = pd.to_datetime(values.where(~text), errors="coerce")
        serial = (dates - pd.Timestamp("1899-12-30")).dt.days
        cells = np.array([None if pd.isna(v) else float(v) for v in serial], dtype=object)
        cells[text] = values[text].to_numpy()
        return cells
    return np.array([None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values],
                    dtype=object)
