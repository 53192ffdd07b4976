"""The report's self-checks (`Kontroller`): every table cross-checked against its parts and its twins.

Each check compares figures of the long form against each other: sums against
their parts, Table 2 against the exit reasons, Table 4 against `Inskrivna sedan
starten`, unique against enrolled, participants of the period against Table 1.
A failed check is a bug in the pipeline, never in the register.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.count.text import allowed_numbers, numbers_in
from schemas.form import GROUP_LABELS
from schemas.register import CONTACT_TYPES
from schemas import form
from schemas import form_plus as fp

CHECK_COLUMNS = ["Kontroll", "Jämförelser", "Avvikelser", "Exempel", "Resultat"]
OK, FAILED = "OK", "FEL"


def _by_table(figs: pd.DataFrame) -> dict[str, pd.Series]:
    """Each table's values indexed by (Rad, Kolumn, Kön), made once for all the checks."""
    keyed = figs.astype({c: object for c in ("Tabell", "Rad", "Kolumn", "Kön")})
    return {table: part.set_index(["Rad", "Kolumn", "Kön"])["Värde"] for table, part in keyed.groupby("Tabell")}


def _series(tables: dict[str, pd.Series], table: str, rows=None, columns=None, gender=None) -> pd.Series:
    """Values of one table indexed by (Rad, Kolumn, Kön), filtered."""
    part = tables[table]
    keep = np.ones(len(part), dtype=bool)
    for level, wanted in (("Rad", rows), ("Kolumn", columns), ("Kön", gender)):
        if wanted is not None:
            keep &= part.index.get_level_values(level).isin(wanted)
    return part[keep]


def _row(name: str, left: pd.Series, right: pd.Series, relation: str = "==") -> dict:
    left, right = left.align(right, join="outer")
    missing = left.isna() | right.isna()
    if relation == "==":
        bad = missing | ((left - right).abs() > 1e-9)
    else:
        bad = missing | (left > right + 1e-9)
    example = ""
    if bad.any():
        key = bad[bad].index[0]
        example = f"{key}: {left.get(key)} {relation} {right.get(key)}"
    return {"Kontroll": name, "Jämförelser": int(len(bad)), "Avvikelser": int(bad.sum()),
            "Exempel": example, "Resultat": FAILED if bad.any() else OK}


def _by(series: pd.Series, levels: list[str]) -> pd.Series:
    return series.groupby(level=levels).sum()


def run_checks(figs: pd.DataFrame, period_months: list[str], text: list[tuple[str, str]] = (),
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
    tables = _by_table(figs)

    t1_groups = _series(tables, form.T1, groups, gender=gender)
    t1_gender = _series(tables, form.T1, [form.T1_SUM_GENDER]).droplevel("Rad")
    t1_total = _series(tables, form.T1, [form.T1_SUM]).droplevel(["Rad", "Kön"])
    rows.append(_row("Tabell 1: Summa (kvinnor/män) = summan av målgrupperna",
                     _by(t1_groups, ["Kolumn", "Kön"]), t1_gender))
    rows.append(_row("Tabell 1: Summa = kvinnor + män", _by(t1_gender, ["Kolumn"]), t1_total))

    t2_groups = _series(tables, form.T2, groups, gender=gender)
    t2_gender = _series(tables, form.T2, [form.T2_SUM_GENDER]).droplevel("Rad")
    t2_month = _series(tables, form.T2, [form.T2_SUM_MONTH]).droplevel(["Rad", "Kön"])
    t2_period_gender = _series(tables, form.T2, [form.T2_PERIOD_GENDER]).droplevel(["Rad", "Kolumn"])
    t2_period = _series(tables, form.T2, [form.T2_PERIOD])
    rows.append(_row("Tabell 2: Summa / kön = summan av målgrupperna",
                     _by(t2_groups, ["Kolumn", "Kön"]), t2_gender))
    rows.append(_row("Tabell 2: Summa / månad = kvinnor + män", _by(t2_gender, ["Kolumn"]), t2_month))
    rows.append(_row("Tabell 2: Summa / period kvinnor/män = summan av månaderna",
                     _by(t2_gender, ["Kön"]), t2_period_gender))
    rows.append(_row("Tabell 2: Summa / period = kvinnor + män", pd.Series({"": t2_period_gender.sum()}),
                     pd.Series({"": t2_period.sum()})))

    reasons = _series(tables, form.REASONS)
    for column in (form.PERIOD_COLUMN, form.SINCE_START):
        parts = reasons[(reasons.index.get_level_values("Rad") != form.REASONS_SUM)
                        & (reasons.index.get_level_values("Kolumn") == column)]
        total = reasons.loc[(form.REASONS_SUM, column, "")]
        rows.append(_row(f"Utskrivningsorsak {column.lower()}: Summa = summan av orsakerna 1-5",
                         pd.Series({column: parts.sum()}), pd.Series({column: total})))
    period_exits = _series(tables, form.RESULTS, [form.EXITS_IN_PERIOD])
    rows.append(_row("Resultat: Utskrivna under perioden = Tabell 2 per målgrupp och kön",
                     period_exits[period_exits.index.get_level_values("Kolumn").isin(groups)].droplevel("Rad"),
                     _by(t2_groups, ["Rad", "Kön"]).rename_axis(["Kolumn", "Kön"])))
    rows.append(_row("Tabell 2: Summa / period = Utskrivningsorsak för perioden",
                     pd.Series({"": t2_period.sum()}),
                     pd.Series({"": reasons.loc[(form.REASONS_SUM, form.PERIOD_COLUMN, "")]})))

    t4 = _series(tables, form.T4)
    t4_columns = t4.index.get_level_values("Kolumn")
    since = [form.ENROLLED_SINCE_START, form.UNIQUE_SINCE_START]
    t4_periods = t4[~t4_columns.isin(since)]
    t4_groups = t4_periods[t4_periods.index.get_level_values("Rad").isin(groups)]
    enrolled_since = _series(tables, form.T4, groups, [form.ENROLLED_SINCE_START]).droplevel("Kolumn")
    unique_since = _series(tables, form.T4, groups, [form.UNIQUE_SINCE_START]).droplevel("Kolumn")
    rows.append(_row("Tabell 4: perioderna summerar till Inskrivna sedan starten",
                     _by(t4_groups, ["Rad", "Kön"]), enrolled_since))
    t4_all_groups = t4[t4.index.get_level_values("Rad").isin(groups)]
    rows.append(_row("Tabell 4: Summa nya deltagare / kön = summan av målgrupperna",
                     _by(t4_all_groups, ["Kolumn", "Kön"]),
                     _series(tables, form.T4, [form.T4_SUM_GENDER]).droplevel("Rad")))
    rows.append(_row("Tabell 4: Summa / respektive period = kvinnor + män",
                     _by(_series(tables, form.T4, [form.T4_SUM_GENDER]).droplevel("Rad"), ["Kolumn"]),
                     _series(tables, form.T4, [form.T4_SUM]).droplevel(["Rad", "Kön"])))
    rows.append(_row("Tabell 4: Unika sedan starten ≤ Inskrivna sedan starten", unique_since,
                     enrolled_since, "<="))

    result = _series(tables, form.RESULTS)
    r = lambda rad, kolumn=form.OUTCOME, kon="": pd.Series({"": result.loc[(rad, kolumn, kon)]})  # noqa: E731
    t4_total = pd.Series({"": figs.loc[(figs["Tabell"] == form.T4) & (figs["Rad"] == form.T4_SUM)
                                       & (figs["Kolumn"] == form.ENROLLED_SINCE_START), "Värde"].sum()})
    rows.append(_row("Resultat: Nyinskrivna deltagare = Tabell 4 Inskrivna sedan starten",
                     r(form.ENROLLED), t4_total))
    rows.append(_row("Resultat: Kvinnor + Män = Nyinskrivna deltagare",
                     r(form.WOMEN) + r(form.MEN), r(form.ENROLLED)))
    rows.append(_row("Resultat: Utskrivna = Utskrivningsorsak sedan starten", r(form.EXITED),
                     pd.Series({"": reasons.loc[(form.REASONS_SUM, form.SINCE_START, "")]})))

    participants = result.xs(form.PARTICIPANTS, level="Rad")
    by_group = participants[participants.index.get_level_values("Kolumn").isin(groups)]
    rows.append(_row("Deltagare under perioden = summan av målgrupper och kön",
                     pd.Series({"": by_group.sum()}), r(form.PARTICIPANTS)))
    in_table_1 = [m for m in period_months if m in set(t1_total.index)]
    if in_table_1:
        monthly = t1_groups[t1_groups.index.get_level_values("Kolumn").isin(in_table_1)]
        most = monthly.groupby(level=["Rad", "Kön"]).max()
        summed = monthly.groupby(level=["Rad", "Kön"]).sum()
        counted = by_group.rename_axis(["Rad", "Kön"])
        rows.append(_row("Deltagare under perioden ≥ Tabell 1:s största månad i perioden", most, counted, "<="))
        if period_in_table_1:
            rows.append(_row("Deltagare under perioden ≤ summan av Tabell 1:s månader i perioden", counted, summed,
                             "<="))
    rows.append(_row("Personer under perioden ≤ Deltagare under perioden",
                     r(form.PERSONS_IN_PERIOD), r(form.PARTICIPANTS), "<="))
    rows.append(_row("Nyinskrivna under perioden ≤ Deltagare under perioden",
                     r(form.NEW_IN_PERIOD), r(form.PARTICIPANTS), "<="))
    rows.append(_row("Återinskrivna bland deltagarna ≤ Deltagare under perioden",
                     r(form.RE_ENROLLED), r(form.PARTICIPANTS), "<="))
    rows.append(_row("I arbete 90 dagar + Ej uppföljda ≤ Utskrivna mer än 90 dagar",
                     r(form.IN_WORK_90) + r(form.NOT_FOLLOWED_UP),
                     r(form.DUE_90), "<="))
    rows.append(_row("Utskrivna mer än 90 dagar ≤ Utskrivna", r(form.DUE_90), r(form.EXITED), "<="))
    rows.append(_row("Arbetsgivarkontakter: typerna summerar till antalet organisationer",
                     pd.Series({"": sum(result.loc[(c, form.OUTCOME, "")] for c in CONTACT_TYPES)}),
                     r(form.CONTACTS)))
    rows.append(_row("Nya arbetsgivarkontakter under perioden ≤ Arbetsgivarkontakter",
                     r(form.NEW_CONTACTS), r(form.CONTACTS), "<="))
    rows += _common_checks(figs, text)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _common_checks(figs: pd.DataFrame, text: list[tuple[str, str]]) -> list[dict]:
    """Every number of Textförslag is a figure of the report; no figure's key occurs twice."""
    allowed = allowed_numbers(figs)
    stated = [(sentence, n) for _, sentence in text for n in numbers_in(sentence)]
    strays = [f"{n} i: {sentence[:60]}" for sentence, n in stated if n not in allowed]
    keys = figs[["Tabell", "Rad", "Kolumn", "Kön"]]
    return [{"Kontroll": "Textförslag: varje tal i texten är en siffra i rapporten",
             "Jämförelser": len(stated), "Avvikelser": len(strays), "Exempel": strays[0] if strays else "",
             "Resultat": FAILED if strays else OK},
            _row("Siffror: ingen nyckel två gånger", pd.Series({"": float(keys.duplicated().sum())}),
                 pd.Series({"": 0.0}))]


def run_indicator_checks(figs: pd.DataFrame, text: list[tuple[str, str]] = ()) -> pd.DataFrame:
    """ESF+: the identities between the common indicators, for both columns and every gender, the totals
    against the genders, the period against the start, and the goals against the indicators."""
    tables = _by_table(figs)
    indicators = tables[fp.INDICATORS]

    def row(name: str) -> pd.Series:
        """One row of Indikatorer, indexed by (Kolumn, Kön)."""
        return indicators.xs(name, level="Rad")

    def since(name: str) -> pd.Series:
        return row(name).xs(form.SINCE_START, level="Kolumn", drop_level=False)

    rows = [
        _row("EECO01 = EECO02 + EECO04 + EECO05", row("EECO01"), row("EECO02") + row("EECO04") + row("EECO05")),
        _row("EECO03 ≤ EECO02", row("EECO03"), row("EECO02"), "<="),
        _row("EECO09 + EECO10 + EECO11 = EECO01", row("EECO09") + row("EECO10") + row("EECO11"), row("EECO01")),
        _row("EECO06 + EECO07 + EECO08 ≤ EECO01", row("EECO06") + row("EECO07") + row("EECO08"), row("EECO01"),
             "<="),
        _row("EECO12 + Vill ej svara: funktionsnedsättning ≤ EECO01", row("EECO12") + row(fp.DECLINED_DISABILITY),
             row("EECO01"), "<="),
        _row("EECO15 + Vill ej svara: minoritet ≤ EECO01", row("EECO15") + row(fp.DECLINED_MINORITY), row("EECO01"),
             "<="),
        _row("EECR01 + EECR02 + EECR04 ≤ Deltagare som lämnat insatsen",
             row("EECR01") + row("EECR02") + row("EECR04"), row(fp.LEFT), "<="),
        _row("EECR01 + EECR02 + EECR04 + Avslutade utan känd situation ≤ Deltagare som lämnat insatsen",
             row("EECR01") + row("EECR02") + row("EECR04") + row(fp.LEFT_UNKNOWN), row(fp.LEFT), "<="),
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
    genders = indicators[indicators.index.get_level_values("Kön") != ""]
    totals = indicators[indicators.index.get_level_values("Kön") == ""].droplevel("Kön")
    rows.append(_row("Indikatorer: Totalt = kvinnor + män + ickebinära", _by(genders, ["Rad", "Kolumn"]), totals))
    period = indicators.xs(form.PERIOD_COLUMN, level="Kolumn")
    rows.append(_row("Indikatorer: Perioden ≤ Sedan starten", period, indicators.xs(form.SINCE_START, level="Kolumn"),
                     "<="))
    results = tables.get(fp.RESULTS)
    if results is not None:
        outcome = results.xs(fp.OUTCOME, level="Kolumn").droplevel("Kön")
        rows.append(_row("Resultat: Utfall = Indikatorer sedan starten", outcome,
                         totals.xs(form.SINCE_START, level="Kolumn")[outcome.index]))
    rows += _common_checks(figs, text)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
