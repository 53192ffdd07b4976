"""Every rule of the register: sheets and headers, cells, rows, persons, periods, the chosen period.

Validation takes the register as read (`pipeline.read.reader`), has it typed
(`pipeline.check.parse`, which records the cells it cannot type) and judges it: the
sheets and header rows, each column against the Pandera models of `schemas.models`
(required cells, allowed codes), then the rules between cells, rows, persons and sheets
(exit before enrolment, target groups, overlapping enrolments, gap-free periods), and the
report period asked for. Every rule returns `Problem`s; all are found in one pass and
raised together. This is the one place where a rule is added.
"""

from __future__ import annotations

import functools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.check.parse import (
    ProjectValues, holds, parse_contacts, parse_enrolments, parse_organisations, parse_periods, parse_profile,
    parse_project, parse_text,
)
from pipeline.problems import ERROR, NOTICE, WARNING, Problem, RegisterInvalid, UsageError
from pipeline.period import (
    Period, calendar_parts, entry_positions, follow_up_from, in_person_order, person_codes, situation_due,
    six_months_after,
)
from pipeline.read.reader import PARALLEL_ROWS, RawSheet, ReadRegister
from schemas.models import SchemaErrors, all_schemas, sheet_schema, without_hypothesis
from schemas.form import GROUP_LABELS, GROUPS, MAX_AGE, MIN_AGE, YOUNG_MAX_AGE
from schemas import form_plus
from schemas.register import (
    DEFAULT_PROFILE, DELTAGARE, ESF_2007, FEW, KONTAKTER, ORGANISATIONER, PERIODER, PROFILE_ITEM, PROFILES, PROJEKT,
    Profile, Sheet,
    header_key,
)


@dataclass
class Project:
    name: str
    case_number: str
    owner: str
    start: pd.Timestamp
    end: pd.Timestamp
    goals: dict[str, float]


@dataclass
class Register:
    """A validated register: typed frames indexed by Excel row, ready for counting."""

    project: Project
    periods: pd.DataFrame  # start, end
    enrolments: pd.DataFrame  # person_id, gender, birth_date, born, benefit, enrolled, exited, reason, follow_up, coach, age, group
    contacts: pd.DataFrame  # date, organisation, type
    rows_read: int = 0
    blank_rows: int = 0
    problems: list[Problem] = field(default_factory=list)  # warnings and notices
    profile: Profile = DEFAULT_PROFILE
    # ESF+ `Organisationer` (org_key, type, first_support, ...), or None where the register has no such sheet
    organisations: pd.DataFrame | None = None


def validate_register(read: ReadRegister, today: date | None = None) -> Register:
    today_ts = pd.Timestamp(today or date.today())
    sheets = read.sheets
    chosen: list[Problem] = []
    profile = parse_profile(sheets.get(PROJEKT.name), chosen)
    problems = structure_problems(read, profile) + [p for raw in sheets.values() for p in raw.problems] + chosen
    if read.twice or any(p.severity == ERROR for p in problems if p.row <= _header_row(sheets, p.sheet)):
        # without its sheets and columns the register cannot be typed; the cells are judged once they are there
        rows = sheets[DELTAGARE.name].rows_read if DELTAGARE.name in sheets else 0
        raise RegisterInvalid(problems, rows, sheets=sheets)
    project = project_rules(sheets[PROJEKT.name], parse_project(sheets[PROJEKT.name], problems, profile.items),
                            problems, profile)
    periods = period_rules(sheets[PERIODER.name], parse_periods(sheets[PERIODER.name], problems), project,
                           problems)
    enrolments = enrolment_problems(sheets[DELTAGARE.name], project, today_ts, problems, profile)
    if profile.sheet(KONTAKTER.name) is not None:
        contacts = contact_problems(sheets[KONTAKTER.name], today_ts, problems)
    else:
        contacts = pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"), "organisation": pd.Series([], dtype="string"),
                                 "type": pd.Categorical([])})
    organisations = None
    if profile.sheet(ORGANISATIONER.name) is not None and ORGANISATIONER.name in sheets:
        organisations = organisation_problems(sheets[ORGANISATIONER.name], project, today_ts, problems)
    rows_read = sheets[DELTAGARE.name].rows_read
    if rows_read == 0:
        problems.append(Problem(NOTICE, DELTAGARE.name, "", "", "Bladet har inga inskrivningar ännu; rapporten "
                                "visar nollor."))
    blank = sum(raw.blank_rows for raw in sheets.values())
    if any(p.severity == ERROR for p in problems):
        raise RegisterInvalid(problems, rows_read, sheets)
    return Register(project, periods, enrolments, contacts, rows_read, blank,
                    sorted(set(problems), key=Problem.sort_key), profile, organisations)


def _header_row(sheets: dict[str, RawSheet], name: str) -> int:
    raw = sheets.get(name)
    return raw.header_row if raw else 1 << 30


# --- sheets and header rows ------------------------------------------------------------

def structure_problems(read: ReadRegister, profile: Profile = DEFAULT_PROFILE) -> list[Problem]:
    """Missing sheets, empty sheets, and what each header row lacks, repeats or does not know, as the
    profile declares its sheets and columns."""
    wanted = [profile.sheet(sheet.name) for sheet in read.missing
              if profile.sheet(sheet.name) is not None and not profile.sheet(sheet.name).optional]
    problems = [Problem(ERROR, sheet.name, "", "", f"Bladet {sheet.name} saknas i registret. Lägg till det "
                        f"(kolumner: {', '.join(c.header for c in sheet.columns)}).") for sheet in wanted]
    problems += [Problem(ERROR, name, "", "", f"Registret har flera blad som heter {name}: "
                         f"{' och '.join(repr(n) for n in names)}. Namnen skiljer sig bara i versaler eller "
                         "mellanslag, så det går inte att veta vilket som gäller. Ta bort eller byt namn på de andra.")
                 for name, names in read.twice.items()]
    for raw in read.sheets.values():
        name, headers, row = raw.sheet.name, raw.headers, raw.header_row
        declared = profile.sheet(name)
        if declared is None:
            problems.append(Problem(NOTICE, name, "", "", f"Bladet {name} används inte i programperiod "
                                    f"{profile.name} och läses inte."))
            continue
        if raw.empty and raw.sheet.may_be_empty:  # a sheet that may have no rows may have no header either
            problems.append(Problem(NOTICE, name, "", "", f"Bladet {name} är tomt; det räknas som ett blad utan "
                                    "rader."))
            continue
        if raw.empty:
            problems.append(Problem(ERROR, name, "", "", "Bladet är tomt: rubrikraden saknas."))
            continue
        problems += [Problem(NOTICE, name, reference, value, f"Det sammanfogade området {reference} läses som sitt "
                             "värde i varje cell det täcker.") for reference, value in raw.merged]
        problems += [Problem(NOTICE, name, f"{row}:{row}", "", f"Rad {row} är en Excel-tabells summarad och räknas "
                             "inte som en inskrivning.") for row in raw.totals]
        if headers.rows_above:
            problems.append(Problem(NOTICE, name, f"{row}:{row}", "", f"Rubrikraden är rad {row}. Det som står "
                                    "ovanför den (till exempel en rubrik) läses inte."))
        problems += [Problem(NOTICE, name, cell, "", "Kolumnen har ingen rubrik och läses inte.")
                     for cell in headers.unnamed]
        problems += unknown_header_problems(raw, headers.unknown)
        problems += [Problem(ERROR, name, cell, text, f"Kolumnen {raw.sheet.header_lookup()[header_key(text)].header} "
                             f"finns två gånger (även i {first}). Ta bort eller byt namn på den ena.")
                     for cell, text, first in headers.repeated]
        keys = {c.key for c in declared.columns}
        missing = [column for column in declared.columns if column.required and column.key not in raw.letters]
        problems += [Problem(ERROR, name, f"{row}:{row}", "", f"Kolumnen {column.header} saknas i rubrikraden "
                             f"(rad {row}).") for column in missing]
        other = next((p for p in PROFILES.values() if p is not profile and p.sheet(name) is not None), None)
        if missing and other is not None and all(c.key in raw.letters for c in other.sheet(name).columns if c.required):
            # the usual slip: the register of one programme period, the Programperiod of the other
            unstated = f" ({PROFILE_ITEM} saknas i bladet Projekt)" if profile is DEFAULT_PROFILE else ""
            problems.append(Problem(NOTICE, name, f"{row}:{row}", "", f"Rubrikraden har kolumnerna för "
                                    f"programperiod {other.name}, men registret gäller programperiod "
                                    f"{profile.name}{unstated}. Skriv {PROFILE_ITEM} {other.name} i bladet Projekt "
                                    f"om registret gäller den, eller använd registermallen för {profile.name}."))
        problems += [Problem(NOTICE, name, f"{raw.letters[column.key]}{row}", column.header,
                             f"Kolumnen {column.header} används inte i programperiod {profile.name} och läses inte.")
                     for column in raw.sheet.columns if column.key in raw.letters and column.key not in keys]
    return problems


def unknown_header_problems(raw: RawSheet, unknown: list[tuple[str, str]]) -> list[Problem]:
    """An unknown header is read as nothing (a notice), unless it seems to be a declared column the sheet lacks:
    then it is an error naming it, as dropping it would count every value in it as missing."""
    problems = []
    for cell, text in unknown:
        lacking = [c for c in raw.sheet.resembled(text) if c.key not in raw.letters]
        if lacking:
            names = " eller ".join(c.header for c in lacking)
            problems.append(Problem(ERROR, raw.sheet.name, cell, text, (
                f"Rubriken liknar kolumnen {names}, som saknas, men är inte skriven som den. Skriv rubriken "
                f"{lacking[0].header}, så läses kolumnen; är det en annan kolumn, ge den en rubrik som inte liknar "
                "registrets.")))
        else:
            problems.append(Problem(NOTICE, raw.sheet.name, cell, text, "Okänd kolumn; den läses inte."))
    return problems


# --- Projekt ---------------------------------------------------------------------------

def project_rules(raw: RawSheet, parsed: ProjectValues, problems: list[Problem],
                  profile: Profile = DEFAULT_PROFILE) -> Project:
    """Every required item present, none twice; the project ends after it starts."""
    values = parsed.values
    for item in profile.items:
        rows = parsed.rows[item.key]
        if len(rows) == 0 and item.required:
            problems.append(Problem(ERROR, raw.sheet.name, "", "",
                                    f"Uppgiften {item.label} saknas. Lägg till en rad med "
                                    f"{item.label} i kolumnen Uppgift och t.ex. {item.example} i Värde."))
        elif len(rows) > 1:
            problems.append(Problem(ERROR, raw.sheet.name, raw.cell("item", rows[1]), item.label,
                                    f"Uppgiften {item.label} finns flera gånger (rad "
                                    f"{', '.join(map(str, rows))}). Behåll en."))
    if values.get("start") is not None and values.get("end") is not None and values["end"] < values["start"]:
        problems.append(Problem(ERROR, raw.sheet.name, "", "", "Projektslut ligger före Projektstart."))
    goals = {i.key: values.get(i.key) for i in profile.items if i.kind in ("count", "share")}
    return Project(values.get("name") or "", values.get("case_number") or "", values.get("owner") or "",
                   values.get("start"), values.get("end"), goals)


# --- Perioder --------------------------------------------------------------------------

def period_rules(raw: RawSheet, periods: pd.DataFrame, project: Project, problems: list[Problem]) -> pd.DataFrame:
    """Every period complete, in order, without gaps or overlaps, the first starting at Projektstart."""
    name = raw.sheet.name
    for key in ("start", "end"):
        for row in raw.frame.index[raw.frame[key].isna()]:
            problems.append(Problem(ERROR, name, raw.cell(key, row), "",
                                    f"{PERIODER.column(key).header} saknas."))
    if periods.empty:
        problems.append(Problem(ERROR, name, "", "", "Bladet Perioder har inga perioder. "
                                "Lägg till rapportperioderna med Från och Till."))
        return periods
    # a sheet of a few dozen periods: numpy arrays, as pandas costs more per call than the comparisons do
    rows = periods.index.to_numpy()
    start, end = (periods[key].to_numpy(dtype="datetime64[ns]") for key in ("start", "end"))
    if np.isnat(start).any() or np.isnat(end).any():
        return periods
    for i in np.flatnonzero(end < start):
        problems.append(Problem(ERROR, name, raw.cell("end", rows[i]), _d(end[i]), "Till ligger före Från."))
    expected_start = end[:-1] + np.timedelta64(1, "D")  # of each period after the first
    for i in np.flatnonzero(start[1:] != expected_start) + 1:
        kind = "ett glapp" if start[i] > expected_start[i - 1] else "en överlappning"
        problems.append(Problem(ERROR, name, raw.cell("start", rows[i]), _d(start[i]),
                                f"Perioderna har {kind}: föregående period slutar {_d(end[i - 1])}, "
                                f"så denna ska börja {_d(expected_start[i - 1])}."))
    if project.start is not None and start[0] != project.start.to_datetime64():
        problems.append(Problem(ERROR, name, raw.cell("start", rows[0]), _d(start[0]),
                                f"Den första perioden måste börja på Projektstart ({_d(project.start)})."))
    return periods.reset_index(drop=True)


def _true(mask: pd.Series):
    """A boolean mask where a missing comparison (an empty cell) counts as false."""
    return mask.fillna(False).to_numpy(dtype=bool)


def _d(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


# --- Deltagare -------------------------------------------------------------------------

def enrolment_problems(raw: RawSheet, project: Project, today: pd.Timestamp,
                       problems: list[Problem], profile: Profile = DEFAULT_PROFILE) -> pd.DataFrame:
    """The enrolments typed and judged: the model's column rules, then the rules between cells and rows."""
    sheet = profile.deltagare
    ids = parse_text(raw, sheet.column("person_id"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the look-alike IDs are folded by pyarrow, which releases the GIL: on the other core, from the start (at
        # a million rows it takes as long as the rest of this function); a small sheet's here, as handing work
        # to a thread costs more than it saves
        beside = pool.submit(look_alike_ids, raw, ids) if len(ids) > PARALLEL_ROWS else None
        look_alike = beside.result if beside else functools.partial(look_alike_ids, raw, ids)
        frame = parse_enrolments(raw, problems, sheet)
        already = {p.cell for p in problems if p.sheet == raw.sheet.name}
        problems += model_problems(raw, frame, already, sheet)
        if profile is ESF_2007:
            frame = frame.assign(**derive_groups(frame))
            problems += enrolment_rules(raw, frame, project, today)
        else:
            frame = frame.assign(age=age_at(frame["birth_date"], frame["enrolled"]))
            problems += plus_rules(raw, frame, project, today, sheet)
        problems += look_alike()
    return frame


_WARM: list[bool] = []  # whether this process has warmed Pandera up


def warm_up() -> None:
    """Validate each schema once on an empty sheet, once per process: Pandera sets itself up on its first
    validation, a third of a second that a run spends while fastexcel still loads the register."""
    if _WARM:
        return
    _WARM.append(True)
    with without_hypothesis():
        for _, schema in all_schemas():
            empty = pd.DataFrame({name: pd.Series([], dtype="category") for name in schema.columns})
            schema.validate(empty, lazy=True)


def model_problems(raw: RawSheet, frame: pd.DataFrame, already: set[str], sheet: Sheet) -> list[Problem]:
    """Run the sheet's Pandera schema lazily and turn its failure cases into cell problems."""
    model = sheet_schema(sheet)
    by_key = {c.key: c for c in sheet.columns}
    try:
        # inplace: the schemas coerce nothing, so Pandera need not copy the frame first (a tenth of a second at
        # a million rows)
        model.validate(frame, lazy=True, inplace=True)
        return []
    except SchemaErrors as err:
        cases = err.failure_cases
    problems = []
    for case in cases.itertuples(index=False):
        column = by_key.get(case.column)
        if column is None or pd.isna(case.index):
            raise AssertionError(f"unexpected model failure: {case}")
        cell = raw.cell(column.key, int(case.index))
        if cell in already:
            continue
        if case.check == "not_nullable":
            message = f"{column.header} saknas. Fyll i {column.expected_text()}."
            value = ""
        else:
            message = f"{column.header} har ett värde som inte är tillåtet. Skriv {column.expected_text()}."
            value = str(case.failure_case)
        problems.append(Problem(ERROR, raw.sheet.name, cell, value, message))
    return problems


GROUP_TYPE = pd.CategoricalDtype(pd.Index(GROUP_LABELS, dtype="str"))  # an enrolment's target group


def derive_groups(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Age at enrolment in whole years and the form's target group of each enrolment (NA for none)."""
    age = age_at(frame["birth_date"], frame["enrolled"])
    young = (age <= YOUNG_MAX_AGE).fillna(False).to_numpy(dtype=bool)
    born, benefit = (pd.Categorical(frame[key]) for key in ("born", "benefit"))  # as parsed they are already
    # the group of each (young, Född, Ersättning) as one table, looked up by the rows' codes at once; an empty
    # cell's code -1 takes the table's last place, which no group has
    by_codes = np.full((2, len(born.categories) + 1, len(benefit.categories) + 1), -1, dtype=np.int64)
    born_at = _positions(born.categories, [g.born for g in GROUPS])
    benefit_at = _positions(benefit.categories, [g.benefit for g in GROUPS])
    for number, g in reversed(list(enumerate(GROUPS))):  # reversed: where two groups could match, the first wins
        b, e = born_at[number], benefit_at[number]
        if b >= 0 and e >= 0:
            by_codes[int(g.young), b, e] = number
    codes = by_codes[young.astype(np.intp), born.codes, benefit.codes]
    group = pd.Categorical.from_codes(codes, dtype=GROUP_TYPE, validate=False)
    return {"age": age, "group": pd.Series(group, index=frame.index, copy=False)}


def _positions(categories: pd.Index, texts: list[str]) -> list[int]:
    """Where each of `texts` stands among a column's categories (-1 if nowhere): a handful of them as a list,
    as pandas costs more per call."""
    if len(categories) <= FEW:
        listed = categories.tolist()
        return [listed.index(text) if text in listed else -1 for text in texts]
    return categories.get_indexer(texts).tolist()


def age_at(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years between birth and `on`; a birthday on that day counts (NA where either date is missing)."""
    born_year, born_month, born_day, born_missing = calendar_parts(birth)
    year, month, day, missing = calendar_parts(on)
    before_birthday = (month * 32 + day) < (born_month * 32 + born_day)
    missing = missing | born_missing
    years = np.where(missing, 0, year - born_year - before_birthday)
    return pd.Series(pd.arrays.IntegerArray(years.astype(np.int64), missing), index=birth.index, copy=False)


def _at(raw: RawSheet, key: str, row: int) -> str:
    """Where a message points: the cell of that column on the row, or, for an optional column the sheet lacks,
    that it is missing."""
    return raw.cell(key, row) if key in raw.letters else f"kolumnen {raw.sheet.column(key).header} saknas"


def _flagger(raw: RawSheet, f: pd.DataFrame, out: list[Problem]):
    """`flag(mask, key, message, severity)`: a Problem at column `key` of every row where `mask` holds, with
    the cell's value; `message` is a text or a function of the row."""
    def flag(mask, key: str, message, severity=ERROR):
        for row in f.index[_true(mask) if isinstance(mask, pd.Series) else mask]:
            value = f.at[row, key]
            text = _d(value) if f[key].dtype.kind == "M" else ("" if pd.isna(value) else str(value))
            said = message(row) if callable(message) else message
            if key in raw.letters:
                out.append(Problem(severity, raw.sheet.name, raw.cell(key, row), text, said))
            else:  # an optional column the sheet lacks, which the row needs: said at the header row
                header = raw.header_row
                out.append(Problem(severity, raw.sheet.name, f"{header}:{header}", "", f"Kolumnen "
                                   f"{raw.sheet.column(key).header} saknas i rubrikraden (rad {header}). {said}"))
    return flag


def _dates(f: pd.DataFrame, key: str) -> np.ndarray:
    return f[key].to_numpy(dtype="datetime64[ns]")


def _filled(values: pd.Series) -> np.ndarray:
    return values.notna().to_numpy()


def dates_rules(raw: RawSheet, f: pd.DataFrame, project: Project, today: pd.Timestamp, out: list[Problem]) -> None:
    """The dates of an enrolment, in every profile: exit after entry, entry after Projektstart; warnings for
    dates after today and exits after Projektslut. (NaT compares false: an empty date breaks no rule here.)"""
    flag = _flagger(raw, f, out)
    enrolled, exited = _dates(f, "enrolled"), _dates(f, "exited")
    flag(exited < enrolled, "exited", lambda row:
         f"Utskriven ligger före Inskriven ({raw.cell('enrolled', row)}: {_d(f.at[row, 'enrolled'])}).")
    if project.start is not None:
        flag(enrolled < project.start.to_datetime64(), "enrolled",
             f"Inskriven ligger före Projektstart ({_d(project.start)}).")
    for key in ("enrolled", "exited", "birth_date"):
        flag(_dates(f, key) > today.to_datetime64(), key, f"Datumet ligger efter dagens datum ({_d(today)}).", WARNING)
    if project.end is not None:
        flag(exited > project.end.to_datetime64(), "exited", f"Utskriven ligger efter Projektslut ({_d(project.end)}).",
             WARNING)


def enrolment_rules(raw: RawSheet, f: pd.DataFrame, project: Project, today: pd.Timestamp) -> list[Problem]:
    out: list[Problem] = []
    flag = _flagger(raw, f, out)
    exited, reason = _filled(f["exited"]), _filled(f["reason"])
    # a cell the parser could not type is empty in `f` but not in the sheet: it has its own error already
    exit_cell_empty, reason_cell_empty = ~_filled(raw.frame["exited"]), ~_filled(raw.frame["reason"])
    cell = lambda key, row: _at(raw, key, row)  # noqa: E731
    dates_rules(raw, f, project, today, out)
    flag(exited & ~reason & reason_cell_empty, "reason", lambda row:
         f"Utskrivningsorsak saknas trots att Utskriven är ifylld ({cell('exited', row)}). Ange orsak 1-5.")
    flag(reason & ~exited & exit_cell_empty, "reason", lambda row:
         f"Utskrivningsorsak är ifylld men Utskriven saknas ({cell('exited', row)}). Fyll i "
         "utskrivningsdatum eller töm orsaken.")
    followed_up = _filled(f["follow_up"])
    flag(followed_up & ~exited & exit_cell_empty, "follow_up", lambda row:
         "Uppföljning 90 dagar är ifylld men personen är inte utskriven ("
         + (f"{raw.cell('exited', row)} är tom)." if "exited" in raw.letters else "kolumnen Utskriven saknas)."))
    age = f["age"]
    ages = age.to_numpy(dtype="float64", na_value=np.nan)
    flag((ages < MIN_AGE) | (ages > MAX_AGE), "birth_date", lambda row:
         f"Åldern vid inskrivningen ({cell('enrolled', row)}: {_d(f.at[row, 'enrolled'])}) är {age.at[row]} år; "
         "projektet tar emot 16-64 år.")
    known = (holds(f["born"], ["Inrikes", "Utrikes"]) & holds(f["benefit"], ["Försörjningsstöd", "Introduktionsersättning"])
             & (ages >= MIN_AGE) & (ages <= MAX_AGE))
    flag(known & ~_filled(f["group"]), "benefit", lambda row: (
        f"{f.at[row, 'born']} född ({cell('born', row)}) med {f.at[row, 'benefit']} vid {age.at[row]} års ålder "
        f"är ingen målgrupp i ansökan. Födelsedatum {_d(f.at[row, 'birth_date'])} ({cell('birth_date', row)}), "
        f"inskriven {_d(f.at[row, 'enrolled'])} ({cell('enrolled', row)}). Målgrupperna är inrikesfödda med försörjningsstöd (16-64 år), utrikesfödda 16-24 år med "
        "introduktionsersättning och utrikesfödda 25-64 år med försörjningsstöd eller introduktionsersättning."))
    out += person_rules(raw, f)
    recent = followed_up & (follow_up_from(f["exited"]) > today.to_datetime64())
    flag(recent, "follow_up", "Uppföljningen är ifylld trots att det har gått mindre än 90 dagar sedan "
         "utskrivningen. Kontrollera att den gäller rätt inskrivning.", WARNING)
    return out


def plus_rules(raw: RawSheet, f: pd.DataFrame, project: Project, today: pd.Timestamp, sheet: Sheet) -> list[Problem]:
    """ESF+: the entry columns on the person's first enrolment and the same on every later one, what is recorded
    at and after leaving only after an exit, the improved situation only for those employed at entry, the
    six-month follow-up not before its time, and the age at entry."""
    out: list[Problem] = []
    flag = _flagger(raw, f, out)
    dates_rules(raw, f, project, today, out)
    entry = entry_positions(person_codes(f["person_id"]), f["enrolled"])
    first = entry == np.arange(len(f))
    entry_row = f.index.to_numpy()[entry]

    def who(row) -> str:
        person = f.at[row, "person_id"]
        return f"Deltagar-ID {person}" if pd.notna(person) else "Personen"

    for column in sheet.columns:
        if not column.at_entry:
            continue
        key, header = column.key, column.header
        flag(first & f[key].isna().to_numpy() & raw.frame[key].isna().to_numpy(), key,
             f"{header} saknas. Fyll i {column.expected_text()} på personens första inskrivning.")
        codes = f[key].cat.codes.to_numpy()
        codes = np.where(codes < len(column.allowed), codes, -1)  # a value outside the list has its own error
        entry_codes = codes[entry]
        flag(~first & (codes >= 0) & (entry_codes >= 0) & (codes != entry_codes), key, lambda row, key=key, header=header:
             f"{who(row)} har {header} {f.at[entry_row[f.index.get_loc(row)], key]} på sin första inskrivning "
             f"({raw.cell(key, entry_row[f.index.get_loc(row)])}). Uppgifterna vid inträdet hör till den första "
             "inskrivningen: en senare inskrivning upprepar dem eller lämnar cellen tom.")
    not_exited = (f["exited"].isna() & raw.frame["exited"].isna()).to_numpy()
    for key in ("exit_situation", "qualification", "situation_6m"):
        flag(f[key].notna().to_numpy() & not_exited, key, lambda row, key=key:
             f"{sheet.column(key).header} är ifylld men Utskriven saknas ({_at(raw, 'exited', row)}). Fyll i "
             "utskrivningsdatum eller töm cellen.")
    flag(f["qualification"].notna().to_numpy() & ~not_exited & f["exit_situation"].isna().to_numpy()
         & raw.frame["exit_situation"].isna().to_numpy(), "qualification", lambda row:
         f"Kvalifikation vid avslut är ifylld men Situation vid avslut saknas ({_at(raw, 'exit_situation', row)}). "
         "Fyll i båda eller töm kvalifikationen.")
    # the status at entry by its code (a million texts made and compared cost a fifth of these rules)
    status = f["labour_status"]
    status_at_entry = status.cat.codes.to_numpy()[entry]
    improved = f["improved_6m"].notna().to_numpy()
    employed = holds(status, ["Sysselsatt"])[entry]
    known = status_at_entry >= 0
    flag(improved & known & ~employed, "improved_6m", lambda row:
         f"Förbättrad situation 6 månader gäller bara den som var sysselsatt vid inträdet; {who(row)} "
         f"var {status.cat.categories[status_at_entry[f.index.get_loc(row)]]} "
         f"({raw.cell('labour_status', entry_row[f.index.get_loc(row)])}). Töm cellen.")
    flag(improved & f["situation_6m"].isna().to_numpy() & raw.frame["situation_6m"].isna().to_numpy(), "improved_6m",
         lambda row: f"Förbättrad situation 6 månader är ifylld men Situation 6 månader saknas "
                     f"({_at(raw, 'situation_6m', row)}). Fyll i uppföljningen eller töm cellen.")
    six = six_months_after(f["exited"])
    flag(f["situation_6m"].notna() & (six > today), "situation_6m", lambda row:
         f"Situation 6 månader är ifylld, men sex månader efter utskrivningen ({_at(raw, 'exited', row)}: "
         f"{_d(f.at[row, 'exited'])}) är först {_d(six.at[row])}. Uppföljningen görs tidigast den dagen.")
    age = f["age"]
    ages = age.to_numpy(dtype="float64", na_value=np.nan)
    # ESF+ takes children (EECO06) and older participants: only an impossible age is an error
    born_after = first & (_dates(f, "birth_date") > _dates(f, "enrolled"))
    too_old = first & (ages > form_plus.MAX_AGE)
    unusual = first & ~born_after & ~too_old & ((ages < MIN_AGE) | (ages > MAX_AGE))
    at_entry = lambda row: (f"Åldern vid inträdet ({raw.cell('enrolled', row)}: {_d(f.at[row, 'enrolled'])}) "  # noqa: E731
                            f"är {age.at[row]} år")
    flag(born_after, "birth_date", lambda row: f"Födelsedatum ligger efter Inskriven ({raw.cell('enrolled', row)}: "
         f"{_d(f.at[row, 'enrolled'])}). Kontrollera Födelsedatum.")
    flag(too_old, "birth_date", lambda row: f"{at_entry(row)}, över {form_plus.MAX_AGE} år. Kontrollera "
         "Födelsedatum.")
    flag(unusual, "birth_date", lambda row: f"{at_entry(row)}, utanför {MIN_AGE}-{MAX_AGE} år. Det är tillåtet i "
         "ESF+ (barn räknas i EECO06), men kontrollera att Födelsedatum stämmer.", WARNING)
    out += person_rules(raw, f, same_keys=("birth_date",))
    return out


def reported_period_problems(read: ReadRegister, register: Register, period: Period) -> list[Problem]:
    """The rules that depend on the period reported (ESF+): a situation at leaving is due 28 days after the
    exit, so it is missing only when that day is on or before the period's end."""
    if register.profile is ESF_2007:
        return []
    raw, f = read.sheets[DELTAGARE.name], register.enrolments
    out: list[Problem] = []
    flag = _flagger(raw, f, out)
    due = situation_due(f["exited"], period.end) & (f["exited"] <= period.end)
    if "exit_situation" not in raw.letters:  # the column itself is missing: said once, at the header row
        if due.any():
            row = raw.header_row
            n = int(due.sum())
            exits = "1 utskrivning ligger" if n == 1 else f"{n} utskrivningar ligger"
            out.append(Problem(ERROR, raw.sheet.name, f"{row}:{row}", "", f"Kolumnen Situation vid avslut saknas i "
                               f"rubrikraden (rad {row}), men {exits} minst 28 dagar före periodens slut "
                               f"({_d(period.end)}) och behöver en situation vid avslut."))
        return out
    flag(due & f["exit_situation"].isna(), "exit_situation", lambda row:
         f"Situation vid avslut saknas. Utskriven {_d(f.at[row, 'exited'])} ({_at(raw, 'exited', row)}) ligger "
         f"minst 28 dagar före periodens slut ({_d(period.end)}); fyll i situationen när deltagaren lämnade.")
    return out


def _comparable(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """A column's values at the positions `rows` as integers that are equal where the values are (-1 where
    empty): a Categorical's codes, a date's nanoseconds."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()[rows].astype(np.int64)
    raw = values.to_numpy(dtype="datetime64[ns]")[rows].view(np.int64)
    return np.where(raw == np.iinfo(np.int64).min, -1, raw)


def person_rules(raw: RawSheet, f: pd.DataFrame, same_keys=("gender", "birth_date", "born")) -> list[Problem]:
    """Enrolments of one Deltagar-ID: no overlap in time, one value of each of `same_keys` (Kön, Födelsedatum
    and Född). Worked out on integer codes, in the order of person, date and row."""
    name, out = raw.sheet.name, []
    enrolled = f["enrolled"].to_numpy(dtype="datetime64[ns]")
    person = person_codes(f["person_id"])
    ok = (person >= 0) & ~np.isnat(enrolled)
    # every person has a count, the last one too when its rows lack a date
    counts = np.bincount(person[ok], minlength=int(person.max()) + 1 if len(person) else 0)
    repeated = np.flatnonzero(ok & (counts[np.clip(person, 0, None)] > 1 if len(counts) else False))
    if not len(repeated):
        return out
    order = in_person_order(repeated, person, enrolled)
    rows = f.index.to_numpy()[order]
    who = person[order]
    exited = f["exited"].to_numpy(dtype="datetime64[ns]")[order]
    same = np.r_[False, who[1:] == who[:-1]]
    prev_exit = np.r_[np.datetime64("NaT", "ns"), exited[:-1]]
    overlap = same & (np.isnat(prev_exit) | (prev_exit >= enrolled[order]))
    for i in np.flatnonzero(overlap):
        row, other = int(rows[i]), int(rows[i - 1])
        exit_text = f"utskriven {_d(f.at[other, 'exited'])}" if pd.notna(f.at[other, "exited"]) else "ännu inte utskriven"
        out.append(Problem(ERROR, name, raw.cell("enrolled", row), _d(f.at[row, "enrolled"]),
                           f"Deltagar-ID {f.at[row, 'person_id']} är redan inskriven på rad {other} (inskriven "
                           f"{_d(f.at[other, 'enrolled'])}, {exit_text}). En återinskrivning måste börja efter "
                           "föregående utskrivning."))
    first = np.maximum.accumulate(np.where(~same, np.arange(len(order)), 0))  # each one's person's first, by position
    for key in same_keys:
        header = raw.sheet.column(key).header
        values = _comparable(f[key], order)
        differs = (values != values[first]) & (values >= 0) & (values[first] >= 0)
        for i in np.flatnonzero(differs):
            row, first_row = int(rows[i]), int(rows[first[i]])
            value = f.at[row, key]
            shown = _d(value) if key == "birth_date" else str(value)
            first_shown = _d(f.at[first_row, key]) if key == "birth_date" else str(f.at[first_row, key])
            out.append(Problem(ERROR, name, raw.cell(key, row), shown,
                               f"Deltagar-ID {f.at[row, 'person_id']} har {header} {first_shown} på rad "
                               f"{first_row}. Samma person ska ha samma {header} i alla inskrivningar."))
    return out


# a dash that is no hyphen-minus (hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign, the small
# and full-width hyphen-minus): Excel shows N‑008 and N-008 alike
OTHER_DASHES = r"[\x{2010}-\x{2015}\x{2212}\x{fe63}\x{ff0d}]"


# a Swedish personal identity number (personnummer, or a coordination number) in any of its forms:
# 19510417-1235, 510417-1235, 195104171235, 5104171235 (a + for a person over 100)
PERSONNUMMER = r"^(?:19|20)?[0-9]{6}[-+]?[0-9]{4}$"


def ten_digits(text: str) -> str | None:
    """The ten digits of a personnummer written in any form, if its check digit (Luhn) holds; else None."""
    digits = re.sub(r"[-+]", "", str(text))
    if not re.fullmatch(PERSONNUMMER, str(text).strip()) or len(digits) not in (10, 12):
        return None
    digits = digits[-10:]
    return digits if luhn_check_digit(digits[:9]) == int(digits[9]) else None


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit of `digits` (as Swedish personal and organisation numbers have it): every other digit
    from the first doubled, the digits of the products summed."""
    total = 0
    for i, digit in enumerate(int(d) for d in digits):
        product = digit * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def personnummer_in_ids(raw: RawSheet, ids: pd.Series, numbers: set[str]) -> list[Problem]:
    """A warning when `Deltagar-ID` holds personnummer (`numbers`, as written): they reach the internal files
    (the worklist, the error workbook), where the template asks for a pseudonym."""
    if not numbers:
        return []
    is_number = ids.isin(list(numbers))
    first_row = int(ids.index[is_number.to_numpy()][0])
    return [Problem(WARNING, raw.sheet.name, raw.cell("person_id", first_row), str(ids.loc[first_row]), (
        f"Deltagar-ID är ett personnummer på {int(is_number.sum())} rader. Personnumren hamnar i de interna filerna "
        "(uppföljningslistan, felboken); registermallen ber om en pseudonym, till exempel N-001, med en "
        "kodnyckel som förvaras för sig."))]


def look_alike_ids(raw: RawSheet, ids: pd.Series) -> list[Problem]:
    """IDs (the typed `Deltagar-ID` column, indexed by Excel row) that differ only by case, spaces, the kind of
    dash or leading zeros (`N-044` and `n-44`, `044` and `44`, `N-8` and `N–8`), or are one personnummer in two
    forms, look like one person in Excel but count as two: each is named
    with the cell of the first, for the coach to decide. Worked out on the distinct IDs only."""
    ids = ids if isinstance(ids.dtype, pd.CategoricalDtype) else ids.astype("category")
    # by pyarrow on the distinct IDs: a million of them in a fraction of a second. Only the IDs with a space or
    # a leading zero are rewritten (found in one pass; the rest are only lowercased), in the same two steps.
    texts = pa.array(ids.cat.categories.array, pa.string())
    folded = pc.utf8_lower(texts)
    numbers = pc.match_substring_regex(folded, PERSONNUMMER)
    warned = []
    if pc.any(numbers).as_py():  # each form of a Swedish personal identity number as its ten digits
        written = texts.filter(numbers).to_pylist()
        tens = [ten_digits(text) for text in written]
        folded = pc.replace_with_mask(folded, numbers, pa.array(
            [ten or text.lower() for ten, text in zip(tens, written)], pa.string()))
        warned = personnummer_in_ids(raw, ids, {text for ten, text in zip(tens, written) if ten})
    special = pc.match_substring_regex(folded, r"\s|(^|[^0-9])0[0-9]|" + OTHER_DASHES)
    if pc.any(special).as_py():
        rewritten = pc.replace_substring_regex(folded.filter(special), r"\s+", "")
        rewritten = pc.replace_substring_regex(rewritten, OTHER_DASHES, "-")
        rewritten = pc.replace_substring_regex(rewritten, r"(^|[^0-9])0+([0-9])", r"\1\2")
        folded = pc.replace_with_mask(folded, special, rewritten)
    if len(pc.unique(folded)) == len(folded):
        return warned  # the usual case, found by hashing in pyarrow (`unique` hashes faster than `count_distinct`)
    distinct = pd.Series(ids.cat.categories, dtype="string")
    clashing = pd.Series(folded.to_pandas()).duplicated(keep=False).to_numpy()
    if not clashing.any():
        return warned
    codes = ids.cat.codes.to_numpy()
    first_rows = pd.Series(ids.index.to_numpy()).groupby(codes).min()  # each distinct ID's first row
    out = []
    folded = pd.Series(folded.to_pandas(), index=distinct.index)
    for _, group in folded[clashing].groupby(folded[clashing]):
        variants = sorted(group.index, key=lambda category: first_rows[category])
        first = variants[0]
        first_cell = raw.cell("person_id", int(first_rows[first]))
        first_ten = ten_digits(distinct[first])
        for other in variants[1:]:
            if first_ten is not None and ten_digits(distinct[other]) == first_ten:
                out.append(Problem(ERROR, raw.sheet.name, raw.cell("person_id", int(first_rows[other])),
                                   distinct[other], f"Deltagar-ID {distinct[other]} är samma personnummer som "
                                   f"{distinct[first]} ({first_cell}), skrivet på ett annat sätt, så de räknas som två "
                                   "personer. Skriv ID:t likadant på alla rader, helst som en pseudonym i stället för "
                                   "personnumret."))
                continue
            out.append(Problem(ERROR, raw.sheet.name, raw.cell("person_id", int(first_rows[other])), distinct[other],
                               f"Deltagar-ID {distinct[other]} ser ut som {distinct[first]} ({first_cell}) men är "
                               "skrivet på ett annat sätt (versaler, mellanslag, bindestreck eller inledande nollor), så de räknas "
                               "som två personer. Är det samma person? Skriv då ID:t likadant på alla rader; annars "
                               "ge personerna tydligt olika ID."))
    return out + warned


# --- Arbetsgivarkontakter --------------------------------------------------------------

def contact_problems(raw: RawSheet, today: pd.Timestamp, problems: list[Problem]) -> pd.DataFrame:
    frame = parse_contacts(raw, problems)
    already = {p.cell for p in problems if p.sheet == raw.sheet.name}
    problems += model_problems(raw, frame, already, KONTAKTER)
    for row in frame.index[_true(frame["date"] > today)]:
        problems.append(Problem(WARNING, raw.sheet.name, raw.cell("date", row), _d(frame.at[row, "date"]),
                                f"Datumet ligger efter dagens datum ({_d(today)})."))
    return frame


# --- Organisationer (ESF+) -------------------------------------------------------------

ORGANISATION_NUMBER = re.compile(r"(?:16)?(\d{6})-?(\d{4})")


def organisation_key(text: str) -> tuple[str | None, str | None]:
    """An organisation number as it is compared (ten digits, no hyphen, no `16` prefix) and, where it is no valid
    number, what is wrong with it, in Swedish."""
    match = ORGANISATION_NUMBER.fullmatch(re.sub(r"\s+", "", text))
    if match is None:
        return None, ("Organisationsnumret ska skrivas NNNNNN-NNNN eller med tio siffror (även med 16 först, tolv "
                      "siffror).")
    digits = match.group(1) + match.group(2)
    check = luhn_check_digit(digits[:9])
    if int(digits[9]) != check:
        return None, (f"Kontrollsiffran stämmer inte: efter de nio första siffrorna ska den sista vara {check}, inte "
                      f"{digits[9]}. Kontrollera numret.")
    return digits, None


def organisation_problems(raw: RawSheet, project: Project, today: pd.Timestamp,
                          problems: list[Problem]) -> pd.DataFrame:
    """`Organisationer`, typed and judged by cell: the number's form and check digit, one `Typ` per organisation,
    `Första stöd` within the project's start and today. Each distinct number is judged once."""
    frame = parse_organisations(raw, problems)
    already = {p.cell for p in problems if p.sheet == raw.sheet.name}
    problems += model_problems(raw, frame, already, ORGANISATIONER)
    out: list[Problem] = []
    flag = _flagger(raw, frame, out)
    numbers = frame["org_number"]
    judged = [organisation_key(text) for text in numbers.cat.categories.tolist()] + [(None, None)]
    codes = numbers.cat.codes.to_numpy()
    keys = pd.Series([key for key, _ in judged], dtype="string").to_numpy(dtype=object)[codes]
    wrong = np.array([message is not None for _, message in judged])[codes]
    flag(wrong, "org_number", lambda row: judged[numbers.cat.codes.at[row]][1])
    frame["org_key"] = pd.array(keys, dtype="string")
    # one Typ per organisation: every row against the first row of its number
    typed = frame[frame["org_key"].notna() & frame["type"].notna()]
    first_row = typed.index.to_series().groupby(typed["org_key"].to_numpy()).transform("first")
    first_type = typed["type"].astype("string").groupby(typed["org_key"].to_numpy()).transform("first")
    other = typed.index[(typed["type"].astype("string") != first_type).to_numpy(dtype=bool)]
    flag(frame.index.isin(other), "type", lambda row:
         f"Organisationsnummer {frame.at[row, 'org_number']} har Typ {first_type.at[row]} i "
         f"{raw.cell('type', first_row.at[row])}. En organisation har en typ: rätta den ena av cellerna.")
    support = _dates(frame, "first_support")
    if project.start is not None:
        flag(support < project.start.to_datetime64(), "first_support",
             f"Första stöd ligger före Projektstart ({_d(project.start)}).")
    flag(support > today.to_datetime64(), "first_support",
         f"Första stöd ligger efter dagens datum ({_d(today)}). Skriv dagen då stödet gavs.")
    problems += out
    return frame


# --- the report period -----------------------------------------------------------------

def choose_period(periods: pd.DataFrame, chosen: tuple[pd.Timestamp, pd.Timestamp] | None, today: date) -> Period:
    """The period asked for, which must be one of `Perioder`, or the latest that has ended. Asking for
    a period the register does not have is a usage error: nothing is written."""
    listed = ", ".join(f"{s:%Y-%m-%d}..{e:%Y-%m-%d}" for s, e in zip(periods["start"], periods["end"]))
    if chosen is None:
        ended = periods[periods["end"] < pd.Timestamp(today)]
        if ended.empty:
            raise UsageError(f"Ingen period i bladet Perioder har tagit slut ännu. Ange perioden med "
                             f"PERIOD=FRÅN..TILL; registrets perioder är {listed}.")
        last = ended.iloc[-1]
        return Period(last["start"], last["end"])
    match = periods[(periods["start"] == chosen[0]) & (periods["end"] == chosen[1])]
    if match.empty:
        raise UsageError(f"Perioden {chosen[0]:%Y-%m-%d}..{chosen[1]:%Y-%m-%d} finns inte i registrets blad "
                         f"Perioder. Välj en av registrets perioder: {listed}.")
    return Period(chosen[0], chosen[1])
