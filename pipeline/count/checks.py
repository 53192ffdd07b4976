"""The report's self-checks (`Kontroller`): every table cross-checked against its parts and its twins.

Each check compares figures of the long form against each other: sums against
their parts, Table 2 against the exit reasons, Table 4 against `Inskrivna sedan
starten`, unique against enrolled, participants of the period against Table 1.
A failed check is a bug in the pipeline, never in the register.
"""

from __future__ import annotations

import pandas as pd

from pipeline.count.figures import Figures
from pipeline.count.text import allowed_numbers, numbers_in
from schemas.form import GROUP_LABELS
from schemas.register import CONTACT_TYPES
from schemas import form
from schemas import form_plus as fp

CHECK_COLUMNS = ["Kontroll", "Jämförelser", "Avvikelser", "Exempel", "Resultat"]
OK, FAILED = "OK", "FEL"


Key = tuple  # a figure's key within its table: (Rad, Kolumn, Kön), or the levels a check keeps of it
Values = dict  # Key -> value


def _by_table(figs: Figures) -> dict[str, Values]:
    """Each table's values by (Rad, Kolumn, Kön), made once for all the checks: plain dicts, since a
    report has the same few hundred figures whatever the register's size (the first of a key written
    twice; the key check says so)."""
    tables: dict[str, Values] = {}
    for table, row, column, gender, value in figs.rows:
        tables.setdefault(table, {}).setdefault((row, column, gender), value)
    return tables


def _series(tables: dict[str, Values], table: str, rows=None, columns=None, gender=None) -> Values:
    """Values of one table by (Rad, Kolumn, Kön), filtered."""
    return {key: v for key, v in tables.get(table, {}).items()
            if (rows is None or key[0] in rows) and (columns is None or key[1] in columns)
            and (gender is None or key[2] in gender)}


def _keep(values: Values, levels: list[int]) -> Values:
    """The values keyed by some of their key's levels (each kept key must stay unique)."""
    return {tuple(key[i] for i in levels): v for key, v in values.items()}


def _by(values: Values, levels: list[int], how=sum) -> Values:
    """The values grouped by some of their key's levels, summed (or `how`)."""
    grouped: dict[Key, list[float]] = {}
    for key, v in values.items():
        grouped.setdefault(tuple(key[i] for i in levels), []).append(v)
    return {key: how(vs) for key, vs in grouped.items()}


def _one(value: float | None) -> Values:
    return {("",): value}


def _row(name: str, left: Values, right: Values, relation: str = "==") -> dict:
    keys = list(dict.fromkeys([*left, *right]))
    bad = []
    for key in keys:
        a, b = left.get(key), right.get(key)
        missing = a is None or b is None or a != a or b != b  # absent, or NaN
        if missing or (abs(a - b) > 1e-9 if relation == "==" else a > b + 1e-9):
            bad.append(key)
    example = ""
    if bad:
        key = bad[0]
        shown = key[0] if len(key) == 1 else key
        example = f"{shown}: {left.get(key)} {relation} {right.get(key)}"
    return {"Kontroll": name, "Jämförelser": len(keys), "Avvikelser": len(bad), "Exempel": example,
            "Resultat": FAILED if bad else OK}


def _plus(*parts: Values) -> Values:
    """Values added key by key (a key missing in one part is missing in the sum)."""
    keys = [k for k in parts[0] if all(k in p for p in parts[1:])]
    return {k: sum(p[k] for p in parts) for k in keys}


RAD, KOLUMN, KON = 0, 1, 2


def run_checks(figs: Figures | pd.DataFrame, period_months: list[str], text: list[tuple[str, str]] = (),
               period_in_table_1: bool = True) -> pd.DataFrame:
    """All self-checks on the report's figures; `period_months` are the period's Table 1 labels.

    `text` is Textförslag: every number it states must be a figure of the report. A period
    that starts before Table 1's first month (one spanning December and January) is not
    wholly in Table 1 (`period_in_table_1` false): its participants are then no sum of Table
    1's months, and that bound is not checked.
    """
    groups = list(GROUP_LABELS)
    gender = list(form.GENDERS)
    rows = []
    figs = Figures.of(figs)
    tables = _by_table(figs)

    t1_groups = _series(tables, form.T1, groups, gender=gender)
    t1_gender = _keep(_series(tables, form.T1, [form.T1_SUM_GENDER]), [KOLUMN, KON])
    t1_total = _keep(_series(tables, form.T1, [form.T1_SUM]), [KOLUMN])
    rows.append(_row("Tabell 1: Summa (kvinnor/män) = summan av målgrupperna", _by(t1_groups, [KOLUMN, KON]),
                     t1_gender))
    rows.append(_row("Tabell 1: Summa = kvinnor + män", _by(t1_gender, [0]), t1_total))

    t2_groups = _series(tables, form.T2, groups, gender=gender)
    t2_gender = _keep(_series(tables, form.T2, [form.T2_SUM_GENDER]), [KOLUMN, KON])
    t2_month = _keep(_series(tables, form.T2, [form.T2_SUM_MONTH]), [KOLUMN])
    t2_period_gender = _keep(_series(tables, form.T2, [form.T2_PERIOD_GENDER]), [KON])
    t2_period = sum(_series(tables, form.T2, [form.T2_PERIOD]).values())
    rows.append(_row("Tabell 2: Summa / kön = summan av målgrupperna", _by(t2_groups, [KOLUMN, KON]), t2_gender))
    rows.append(_row("Tabell 2: Summa / månad = kvinnor + män", _by(t2_gender, [0]), t2_month))
    rows.append(_row("Tabell 2: Summa / period kvinnor/män = summan av månaderna", _by(t2_gender, [1]),
                     t2_period_gender))
    rows.append(_row("Tabell 2: Summa / period = kvinnor + män", _one(sum(t2_period_gender.values())),
                     _one(t2_period)))

    reasons = tables.get(form.REASONS, {})
    for column in (form.PERIOD_COLUMN, form.SINCE_START):
        parts = sum(v for (rad, kolumn, _), v in reasons.items() if rad != form.REASONS_SUM and kolumn == column)
        rows.append(_row(f"Utskrivningsorsak {column.lower()}: Summa = summan av orsakerna 1-5",
                         {(column,): parts}, {(column,): reasons.get((form.REASONS_SUM, column, ""))}))
    period_exits = _series(tables, form.RESULTS, [form.EXITS_IN_PERIOD], groups)
    rows.append(_row("Resultat: Utskrivna under perioden = Tabell 2 per målgrupp och kön",
                     _keep(period_exits, [KOLUMN, KON]), _by(t2_groups, [RAD, KON])))
    rows.append(_row("Tabell 2: Summa / period = Utskrivningsorsak för perioden", _one(t2_period),
                     _one(reasons.get((form.REASONS_SUM, form.PERIOD_COLUMN, "")))))

    t4 = tables.get(form.T4, {})
    since = [form.ENROLLED_SINCE_START, form.UNIQUE_SINCE_START]
    t4_groups = {k: v for k, v in t4.items() if k[KOLUMN] not in since and k[RAD] in groups}
    enrolled_since = _keep(_series(tables, form.T4, groups, [form.ENROLLED_SINCE_START]), [RAD, KON])
    unique_since = _keep(_series(tables, form.T4, groups, [form.UNIQUE_SINCE_START]), [RAD, KON])
    rows.append(_row("Tabell 4: perioderna summerar till Inskrivna sedan starten", _by(t4_groups, [RAD, KON]),
                     enrolled_since))
    t4_sum_gender = _keep(_series(tables, form.T4, [form.T4_SUM_GENDER]), [KOLUMN, KON])
    rows.append(_row("Tabell 4: Summa nya deltagare / kön = summan av målgrupperna",
                     _by(_series(tables, form.T4, groups), [KOLUMN, KON]), t4_sum_gender))
    rows.append(_row("Tabell 4: Summa / respektive period = kvinnor + män", _by(t4_sum_gender, [0]),
                     _keep(_series(tables, form.T4, [form.T4_SUM]), [KOLUMN])))
    rows.append(_row("Tabell 4: Unika sedan starten ≤ Inskrivna sedan starten", unique_since, enrolled_since, "<="))

    result = tables.get(form.RESULTS, {})

    def r(rad: str, kolumn: str = form.OUTCOME, kon: str = "") -> Values:
        return _one(result.get((rad, kolumn, kon)))

    t4_total = _one(t4.get((form.T4_SUM, form.ENROLLED_SINCE_START, ""), 0.0))
    rows.append(_row("Resultat: Nyinskrivna deltagare = Tabell 4 Inskrivna sedan starten", r(form.ENROLLED), t4_total))
    rows.append(_row("Resultat: Kvinnor + Män = Nyinskrivna deltagare", _plus(r(form.WOMEN), r(form.MEN)),
                     r(form.ENROLLED)))
    rows.append(_row("Resultat: Utskrivna = Utskrivningsorsak sedan starten", r(form.EXITED),
                     _one(reasons.get((form.REASONS_SUM, form.SINCE_START, "")))))
    by_group = _series(tables, form.RESULTS, [form.PARTICIPANTS], groups)
    rows.append(_row("Deltagare under perioden = summan av målgrupper och kön", _one(sum(by_group.values())),
                     r(form.PARTICIPANTS)))
    in_table_1 = [m for (m,) in t1_total if m in set(period_months)]
    if in_table_1:
        monthly = {k: v for k, v in t1_groups.items() if k[KOLUMN] in in_table_1}
        counted = _keep(by_group, [KOLUMN, KON])  # the group stands in Kolumn there: as Table 1's Rad
        rows.append(_row("Deltagare under perioden ≥ Tabell 1:s största månad i perioden", _by(monthly, [RAD, KON], max),
                         counted, "<="))
        if period_in_table_1:
            rows.append(_row("Deltagare under perioden ≤ summan av Tabell 1:s månader i perioden", counted,
                             _by(monthly, [RAD, KON]), "<="))
    rows.append(_row("Personer under perioden ≤ Deltagare under perioden",
                     r(form.PERSONS_IN_PERIOD), r(form.PARTICIPANTS), "<="))
    rows.append(_row("Nyinskrivna under perioden ≤ Deltagare under perioden",
                     r(form.NEW_IN_PERIOD), r(form.PARTICIPANTS), "<="))
    rows.append(_row("Återinskrivna bland deltagarna ≤ Deltagare under perioden",
                     r(form.RE_ENROLLED), r(form.PARTICIPANTS), "<="))
    rows.append(_row("I arbete 90 dagar + Ej uppföljda ≤ Utskrivna mer än 90 dagar",
                     _plus(r(form.IN_WORK_90), r(form.NOT_FOLLOWED_UP)), r(form.DUE_90), "<="))
    rows.append(_row("Utskrivna mer än 90 dagar ≤ Utskrivna", r(form.DUE_90), r(form.EXITED), "<="))
    rows.append(_row("Arbetsgivarkontakter: typerna summerar till antalet organisationer",
                     _plus(*(r(c) for c in CONTACT_TYPES)), r(form.CONTACTS)))
    rows.append(_row("Nya arbetsgivarkontakter under perioden ≤ Arbetsgivarkontakter",
                     r(form.NEW_CONTACTS), r(form.CONTACTS), "<="))
    rows += _common_checks(figs, text)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _common_checks(figs: Figures, text: list[tuple[str, str]]) -> list[dict]:
    """Every number of Textförslag is a figure of the report; no figure's key occurs twice."""
    allowed = allowed_numbers(figs)
    stated = [(sentence, n) for _, sentence in text for n in numbers_in(sentence)]
    strays = [f"{n} i: {sentence[:60]}" for sentence, n in stated if n not in allowed]
    return [{"Kontroll": "Textförslag: varje tal i texten är en siffra i rapporten",
             "Jämförelser": len(stated), "Avvikelser": len(strays), "Exempel": strays[0] if strays else "",
             "Resultat": FAILED if strays else OK},
            _row("Siffror: ingen nyckel två gånger", _one(float(figs.keys_twice)), _one(0.0))]


def run_indicator_checks(figs: Figures | pd.DataFrame, text: list[tuple[str, str]] = ()) -> pd.DataFrame:
    """ESF+: the identities between the common indicators, for both columns and every gender, the totals
    against the genders, the period against the start, and the goals against the indicators."""
    figs = Figures.of(figs)
    tables = _by_table(figs)
    indicators = tables.get(fp.INDICATORS, {})

    def row(name: str) -> Values:
        """One row of Indikatorer, by (Kolumn, Kön)."""
        return _keep(_series(tables, fp.INDICATORS, [name]), [KOLUMN, KON])

    def since(name: str) -> Values:
        return _keep(_series(tables, fp.INDICATORS, [name], [form.SINCE_START]), [KOLUMN, KON])

    rows = [
        _row("EECO01 = EECO02 + EECO04 + EECO05", row("EECO01"), _plus(row("EECO02"), row("EECO04"), row("EECO05"))),
        _row("EECO03 ≤ EECO02", row("EECO03"), row("EECO02"), "<="),
        _row("EECO09 + EECO10 + EECO11 = EECO01", _plus(row("EECO09"), row("EECO10"), row("EECO11")), row("EECO01")),
        _row("EECO06 + EECO07 + EECO08 ≤ EECO01", _plus(row("EECO06"), row("EECO07"), row("EECO08")), row("EECO01"),
             "<="),
        _row("EECO12 + Vill ej svara: funktionsnedsättning ≤ EECO01", _plus(row("EECO12"), row(fp.DECLINED_DISABILITY)),
             row("EECO01"), "<="),
        _row("EECO15 + Vill ej svara: minoritet ≤ EECO01", _plus(row("EECO15"), row(fp.DECLINED_MINORITY)),
             row("EECO01"), "<="),
        _row("EECR01 + EECR02 + EECR04 ≤ Deltagare som lämnat insatsen",
             _plus(row("EECR01"), row("EECR02"), row("EECR04")), row(fp.LEFT), "<="),
        # the situations at leaving, as Sammanfattning and Textförslag list them, add up to all who left
        _row("EECR01 + EECR02 + EECR04 + annan situation + utan känd situation = Deltagare som lämnat insatsen",
             _plus(row("EECR01"), row("EECR02"), row("EECR04"), row(fp.LEFT_OTHER), row(fp.LEFT_UNKNOWN)),
             row(fp.LEFT)),
        _row("EECR03 ≤ Deltagare som lämnat insatsen", row("EECR03"), row(fp.LEFT), "<="),
        _row("EECR05 ≤ sex månader efter avslut har passerats", row("EECR05"), row(fp.SIX_MONTHS_PASSED), "<="),
        _row("EECR06 ≤ sex månader efter avslut har passerats", row("EECR06"), row(fp.SIX_MONTHS_PASSED), "<="),
        _row("Uppföljning 6 månader saknas ≤ sex månader efter avslut har passerats", row(fp.MISSING_6M),
             row(fp.SIX_MONTHS_PASSED), "<="),
        _row("Sedan starten: sex månader efter avslut har passerats ≤ lämnat insatsen", since(fp.SIX_MONTHS_PASSED),
             since(fp.LEFT), "<="),
        _row("Sedan starten: lämnat insatsen ≤ EECO01", since(fp.LEFT), since("EECO01"), "<="),
        _row("Sedan starten: personer med mer än en inskrivning ≤ EECO01", since(fp.MORE_THAN_ONCE), since("EECO01"),
             "<="),
    ]
    organisation_rows = {i.code for i in fp.ORGANISATION_INDICATORS} | {fp.ORGANISATIONS_SUPPORTED}
    rows.append(_row("EECO18 + EECO19 ≤ Organisationer som fått stöd", _plus(row("EECO18"), row("EECO19")),
                     row(fp.ORGANISATIONS_SUPPORTED), "<="))
    genders = {k: v for k, v in indicators.items() if k[KON] != ""}
    # the organisations have no gender: their total is the figure itself
    totals = _keep({k: v for k, v in indicators.items() if k[KON] == "" and k[RAD] not in organisation_rows},
                   [RAD, KOLUMN])
    rows.append(_row("Indikatorer: Totalt = kvinnor + män + ickebinära", _by(genders, [RAD, KOLUMN]), totals))
    rows.append(_row("Indikatorer: Perioden ≤ Sedan starten",
                     _keep(_series(tables, fp.INDICATORS, columns=[form.PERIOD_COLUMN]), [RAD, KON]),
                     _keep(_series(tables, fp.INDICATORS, columns=[form.SINCE_START]), [RAD, KON]), "<="))
    outcome = _keep(_series(tables, fp.RESULTS, columns=[fp.OUTCOME]), [RAD])
    if outcome:
        since_start = _keep(_series(tables, fp.INDICATORS, columns=[form.SINCE_START], gender=[""]), [RAD])
        rows.append(_row("Resultat: Utfall = Indikatorer sedan starten", outcome,
                         {(code,): since_start.get((code,)) for (code,) in outcome}))
    rows += _common_checks(figs, text)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
