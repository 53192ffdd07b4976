"""Seeded generator of synthetic registers: the committed sample and the benchmark's registers.

No real people: IDs, coaches and organisations are made up. The generator is
vectorised (numpy), so that a 1,000,000-enrolment register is made in seconds,
and it writes the register as the coaches keep it, with xlsxwriter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.period import follow_up_from
from schemas.register import CONTACT_TYPES, DELTAGARE, KONTAKTER, PERIODER, PROJECT_ITEMS, PROJEKT

REFERENCE_PERIODS = [("2008-05-01", "2008-07-31"), ("2008-08-01", "2008-09-30"), ("2008-10-01", "2008-12-31"),
                     ("2009-01-01", "2009-02-28"), ("2009-03-01", "2009-04-30"), ("2009-05-01", "2009-06-30")]
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
    kontakter: pd.DataFrame


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
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    d = register.deltagare
    as_text = d["enrolled_text"].to_numpy() if "enrolled_text" in d else np.zeros(len(d), dtype=bool)
    enrolled = _cells(d["enrolled"], date=True)
    enrolled[as_text] = pd.to_datetime(d.loc[as_text, "enrolled"]).dt.strftime("%y%m%d").to_numpy()
    deltagare = {c.key: _cells(d[c.key], date=c.kind == "date") for c in DELTAGARE.columns} | {"enrolled": enrolled}
    k = register.kontakter
    sheets = {
        "Deltagare": ([c.header for c in DELTAGARE.columns], [deltagare[c.key] for c in DELTAGARE.columns]),
        "Projekt": ([c.header for c in PROJEKT.columns], [_cells(register.projekt[k_]) for k_ in ("item", "value")]),
        "Perioder": ([c.header for c in PERIODER.columns],
                     [_cells(register.perioder[k_], date=True) for k_ in ("start", "end")]),
        "Arbetsgivarkontakter": ([c.header for c in KONTAKTER.columns],
                                 [_cells(k["date"], date=True), _cells(k["organisation"]), _cells(k["type"])]),
    }
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
