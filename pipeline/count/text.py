"""`Textförslag`: the status report's figure-bearing sentences, built from the report's own figures.

Each sentence is a small pure function of a figure lookup (`Figures`), so that the
text can never disagree with the tables: no sentence counts anything itself.
Swedish as such reports write it: numbers up to twelve in words at the start of a
sentence, whole percentages written `43 %`, singular and plural, and sentences that
still read well when a figure is zero.
"""

from __future__ import annotations

import math
import re
from typing import Callable

import pandas as pd

from pipeline.count.figures import Figures
from pipeline.period import Period
from schemas.form import CONTACT_PHRASES, GROUP_LABELS, REASON_PHRASES
from schemas.register import CONTACT_TYPES, REASON_LABELS
from schemas import form
from schemas import form_plus as fp

Lookup = Callable[..., float]  # a Figures, or any (table, row, column, gender="") -> value

WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december")
GROUP_PHRASES = {g.label: (g.singular, g.plural) for g in form.GROUPS}  # as a sentence names a group
# fixed terms of the form that carry digits but are no figures
FIXED_TERMS = re.compile(r"\b(16-24|25-64|16-64|18-29|18|55) år\b|\b90 dagar\b|\b\d{6}-\d{6}\b|\b\d{4}-\d{2}-\d{2}\b"
                         r"|\bEEC[OR]\d{2}\b|\bISCED \d-\d\b")


# --- wording helpers --------------------------------------------------------------------

def number(n: float, start: bool = False, neuter: bool = False) -> str:
    """A count: in words up to twelve at the start of a sentence, digits otherwise."""
    n = int(round(n))
    if start and n <= 12:
        word = "ett" if (n == 1 and neuter) else WORDS[n]
        return word.capitalize()
    return str(n)


def count(n: float, singular: str, plural: str, start: bool = False, neuter: bool = False) -> str:
    """'1 deltagare', '2 kvinnor', 'En kvinna', 'Inga deltagare'."""
    n = int(round(n))
    if n == 0 and start:
        return f"Inga {plural}"
    return f"{number(n, start, neuter)} {singular if n == 1 else plural}"


def whole_percent(share: float) -> int:
    """Half up, as Excel's `0 %` format shows it (Python's round() would make 12.5 % into 12)."""
    return int(math.floor(share * 100 + 0.5 + 1e-9))


def percent(share: float) -> str:
    return f"{whole_percent(share)} %"


def decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def listing(parts: list[str]) -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " och " + parts[-1]


def gender_split(women: float, men: float) -> str:
    """'6 kvinnor och 6 män', or where all are of one gender 'alla män' ('en man' for one)."""
    if women and men:
        return women_men(women, men)
    n, one, all_of = (women, "en kvinna", "alla kvinnor") if women else (men, "en man", "alla män")
    return one if n == 1 else all_of


def complementary_percents(first: float, second: float) -> tuple[int, int]:
    """Two shares of one whole in whole percent that add up to 100, as readers expect: the one with the
    larger rounding remainder is rounded up, the other down (each is its share rounded down or up)."""
    if abs(first + second - 1) > 1e-9:
        return whole_percent(first), whole_percent(second)
    low_first, low_second = math.floor(first * 100 + 1e-9), math.floor(second * 100 + 1e-9)
    if low_first + low_second == 100:
        return low_first, low_second
    return (low_first + 1, low_second) if first * 100 - low_first >= second * 100 - low_second \
        else (low_first, low_second + 1)


def women_men(women: float, men: float) -> str:
    """'2 kvinnor och 1 man'; a side with none is left out when the other has some ('1 man')."""
    parts = [(women, "kvinna", "kvinnor"), (men, "man", "män")]
    shown = [p for p in parts if p[0]] or parts
    return listing([count(n, singular, plural) for n, singular, plural in shown])


def by_group(women_and_men: dict[str, tuple[float, float]]) -> str:
    """'inrikesfödda ungdomar med försörjningsstöd 2 kvinnor och 1 man; ...' (groups with none left out).

    Each group is told by its women and men, the figures the tables have, never by a sum they lack.
    """
    return "; ".join(f"{GROUP_PHRASES[g][1]} {women_men(w, m)}" for g, (w, m) in women_and_men.items() if w + m)


# --- the sentences ----------------------------------------------------------------------

def participants_per_month(f: Lookup, months: list[tuple[str, int]]) -> str:
    """Participants in each month of the period (Table 1), with the re-enrolled among them."""
    if not months:
        return ""
    parts = [f"{int(f(form.T1, form.T1_SUM, label))} i {MONTH_NAMES[month - 1]}" for label, month in months]
    parts[0] = parts[0].replace(" i ", " deltagare i ", 1)
    re_enrolled = f(form.RESULTS, form.RE_ENROLLED, form.OUTCOME)
    # the re-enrolled belong to the period, not to each month: a sentence of their own
    tail = (f" Under perioden var {count(re_enrolled, 'deltagare', 'deltagare')} återinskrivna." if re_enrolled > 1
            else " Under perioden var en deltagare återinskriven." if re_enrolled else "")
    return f"Projektet hade {listing(parts)}.{tail}"


def average_per_month(f: Lookup) -> str:
    row = form.AVERAGE_PER_MONTH
    return (f"Sedan starten har projektet i genomsnitt haft {decimal(f(form.RESULTS, row, form.OUTCOME))} deltagare per "
            f"månad, varav {decimal(f(form.RESULTS, row, form.OUTCOME, 'kv'))} kvinnor och "
            f"{decimal(f(form.RESULTS, row, form.OUTCOME, 'm'))} män (medelvärdet av antalet deltagare varje månad "
            "från projektstarten till periodens slut).")


def new_in_period(f: Lookup, period_label: str) -> str:
    """New enrolments of the period (Table 4) by gender and group, and the re-enrolments among them."""
    total = f(form.T4, form.T4_SUM, period_label)
    if not total:
        return "Inga nya deltagare skrevs in under perioden."
    women, men = f(form.T4, form.T4_SUM_GENDER, period_label, "kv"), f(form.T4, form.T4_SUM_GENDER, period_label, "m")
    groups = {g: (f(form.T4, g, period_label, "kv"), f(form.T4, g, period_label, "m")) for g in GROUP_LABELS}
    again = f(form.RESULTS, form.RE_ENROLLED_NEW, form.OUTCOME)
    if not again:
        again_text = "Ingen av dem var en återinskrivning."
    elif again == 1:
        again_text = "En av dem var en återinskrivning."
    else:
        again_text = f"{number(again, start=True)} av dem var återinskrivningar."
    return (f"{count(total, 'ny deltagare', 'nya deltagare', start=True)}, {gender_split(women, men)}, skrevs in "
            f"under perioden. Per målgrupp: {by_group(groups)}. {again_text}")


def exits_in_period(f: Lookup) -> str:
    """Exits of the period by group and gender, and by reason."""
    total = f(form.T2, form.T2_PERIOD, form.PERIOD_COLUMN)
    if not total:
        return "Inga deltagare skrevs ut under perioden."
    row = form.EXITS_IN_PERIOD
    groups = {g: (f(form.RESULTS, row, g, "kv"), f(form.RESULTS, row, g, "m")) for g in GROUP_LABELS}
    reasons = [f"{REASON_PHRASES[r]} ({int(f(form.REASONS, r, form.PERIOD_COLUMN))})" for r in REASON_LABELS.values()
               if f(form.REASONS, r, form.PERIOD_COLUMN)]
    women, men = (f(form.T2, form.T2_PERIOD_GENDER, form.PERIOD_COLUMN, kon) for kon in form.GENDERS)
    return (f"{count(total, 'deltagare', 'deltagare', start=True)}, {gender_split(women, men)}, skrevs ut under "
            f"perioden. Per målgrupp: {by_group(groups)}. "
            f"{'Orsaken' if len(reasons) == 1 else 'Orsakerna'} var {listing(reasons)}.")


def participants_in_period(f: Lookup) -> list[str]:
    row = form.PARTICIPANTS
    total = f(form.RESULTS, row, form.OUTCOME)
    if not total:
        return ["Projektet hade inga deltagare under perioden."]
    women, men = f(form.RESULTS, row, form.OUTCOME, "kv"), f(form.RESULTS, row, form.OUTCOME, "m")
    sentences = [f"Under perioden hade projektet {count(total, 'deltagare', 'deltagare')} (inskrivningar), "
                 f"{gender_split(women, men)}."]
    persons = f(form.RESULTS, form.PERSONS_IN_PERIOD, form.OUTCOME)
    if persons != total:
        sentences[0] += (f" De var {int(persons)} olika personer: den som skrivs in igen räknas en gång för varje "
                         "inskrivning.")
    groups = {g: (f(form.RESULTS, row, g, "kv"), f(form.RESULTS, row, g, "m")) for g in GROUP_LABELS}
    sentences.append(f"Per målgrupp: {by_group(groups)}.")
    return sentences


def enrolled_more_than_once(f: Lookup) -> str:
    n = f(form.RESULTS, form.MORE_THAN_ONCE, form.OUTCOME)
    if not n:
        return "Ingen person har skrivits in mer än en gång sedan starten."
    return f"{count(n, 'person', 'personer', start=True)} har skrivits in mer än en gång sedan starten."


def project_time(f: Lookup) -> str:
    passed, total = f(form.RESULTS, form.PROJECT_TIME, form.OUTCOME), f(form.RESULTS, form.PROJECT_TIME, form.GOAL)
    share = f(form.RESULTS, form.PROJECT_TIME, form.SHARE_OF_GOAL)
    return (f"{count(passed, 'månad', 'månader', start=True)} av projektets {int(total)} månader har gått "
            f"({percent(share)}).")


GOAL_SENTENCES = (
    (form.ENROLLED, "deltagare", "deltagare"),
    (form.YOUNG, "ungdomar 16-24 år", "ungdom 16-24 år"),
    (form.DOMESTIC_ADULTS, "inrikesfödda 25-64 år", "inrikesfödd 25-64 år"),
    (form.FOREIGN, "utrikesfödda", "utrikesfödd"),
)


def participant_goal(f: Lookup, row: str, plural: str, singular: str) -> str:
    outcome, goal = f(form.RESULTS, row, form.OUTCOME), f(form.RESULTS, row, form.GOAL)
    of_goal = f(form.RESULTS, row, form.SHARE_OF_GOAL)
    return (f"Sedan starten har {count(outcome, singular, plural)} skrivits in, {percent(of_goal)} av målet "
            f"på {int(goal)}.")


def women_and_men(f: Lookup) -> str:
    women, men = f(form.RESULTS, form.WOMEN, form.OUTCOME), f(form.RESULTS, form.MEN, form.OUTCOME)
    if not women + men:
        return "Inga deltagare har skrivits in ännu."
    women_percent, men_percent = complementary_percents(f(form.RESULTS, form.WOMEN, form.SHARE),
                                                        f(form.RESULTS, form.MEN, form.SHARE))
    return (f"Av inskrivningarna sedan starten avser {int(women)} ({women_percent} %) kvinnor och {int(men)} "
            f"({men_percent} %) män; målet för andelen kvinnor är {percent(f(form.RESULTS, form.WOMEN, form.GOAL))}.")


def exits_since_start(f: Lookup) -> str:
    total = f(form.REASONS, form.REASONS_SUM, form.SINCE_START)
    if not total:
        return "Inga deltagare har skrivits ut sedan starten."
    reasons = [f"{REASON_PHRASES[r]} {int(f(form.REASONS, r, form.SINCE_START))} "
               f"({percent(f(form.REASONS, r, form.SINCE_START_SHARE))})" for r in REASON_LABELS.values()]
    row = form.TO_WORK_OR_STUDIES
    return (f"Sedan starten har {count(total, 'deltagare', 'deltagare')} skrivits ut: {listing(reasons)}. "
            f"Till arbete eller studier gick {int(f(form.RESULTS, row, form.OUTCOME))} ({percent(f(form.RESULTS, row, form.SHARE))}),"
            f" mot målet {percent(f(form.RESULTS, row, form.GOAL))}.")


def follow_up(f: Lookup) -> str:
    due = f(form.RESULTS, form.DUE_90, form.OUTCOME)
    if not due:
        return "Ingen deltagare har ännu varit utskriven i mer än 90 dagar."
    row = form.IN_WORK_90
    in_work, missing = f(form.RESULTS, row, form.OUTCOME), f(form.RESULTS, form.NOT_FOLLOWED_UP, form.OUTCOME)
    first = (f"{count(due, 'deltagare', 'deltagare', start=True)} har varit "
             f"{'utskriven' if due == 1 else 'utskrivna'} i mer än 90 dagar")
    if not missing:
        last = "Alla är uppföljda."
    else:
        last = f"{number(missing, start=True)} är ännu inte {'uppföljd' if missing == 1 else 'uppföljda'}."
    return (f"{first}. Av dem var {int(in_work)} ({percent(f(form.RESULTS, row, form.SHARE))}) i arbete 90 dagar efter "
            f"utskrivningen, mot målet {percent(f(form.RESULTS, row, form.GOAL))}. {last}")


def new_contacts(f: Lookup) -> str:
    n = f(form.RESULTS, form.NEW_CONTACTS, form.OUTCOME)
    if not n:
        return "Projektet fick inga nya arbetsgivarkontakter under perioden."
    return f"Under perioden fick projektet kontakt med {count(n, 'ny arbetsgivare', 'nya arbetsgivare')}."


def contacts_by_type(f: Lookup) -> str:
    total, goal = f(form.RESULTS, form.CONTACTS, form.OUTCOME), f(form.RESULTS, form.CONTACTS, form.GOAL)
    if not total:
        return f"Projektet har ännu inte haft kontakt med någon arbetsgivare (målet är {int(goal)} st)."
    parts = []
    for contact_type in CONTACT_TYPES:
        n = f(form.RESULTS, contact_type, form.OUTCOME)
        singular, plural = CONTACT_PHRASES[contact_type]
        if n:
            parts.append(f"{int(n)} {'inom ' if contact_type == 'Egen kommun' else ''}{singular if n == 1 else plural}")
    return (f"Sedan starten har projektet haft kontakt med {count(total, 'arbetsgivare', 'olika arbetsgivare')}, "
            f"{percent(f(form.RESULTS, form.CONTACTS, form.SHARE_OF_GOAL))} av målet på {int(goal)} st: "
            f"{listing(parts)}.")


# --- the sheet ---------------------------------------------------------------------------

def suggestions(figures: Figures | pd.DataFrame, period: Period,
                table_1_months: pd.PeriodIndex) -> list[tuple[str, str]]:
    """(heading, sentence) rows of Textförslag, in the order of the form's sections."""
    f = Figures.of(figures)
    labels = form.month_labels(table_1_months)
    months = [(labels[m], m.month) for m in period.months if m in labels]
    rows = [("Deltagare", participants_per_month(f, months)),
            ("Deltagare", average_per_month(f)),
            ("Inskrivna och utskrivna", new_in_period(f, period.label)),
            ("Inskrivna och utskrivna", exits_in_period(f)),
            ("Inskrivna och utskrivna", enrolled_more_than_once(f))]
    rows += [("Deltagare och aktiviteter", s) for s in participants_in_period(f)]
    rows += [("Resultat: projekttid", project_time(f))]
    rows += [("Resultat: mål för antal deltagare", participant_goal(f, *goal)) for goal in GOAL_SENTENCES]
    rows += [("Resultat: kvinnor och män", women_and_men(f)),
             ("Resultat: utskrivningar", exits_since_start(f)),
             ("Resultat: i arbete 90 dagar efter utskrivning", follow_up(f)),
             ("Resultat: arbetsgivarkontakter", new_contacts(f)),
             ("Resultat: arbetsgivarkontakter", contacts_by_type(f))]
    return [(heading, sentence) for heading, sentence in rows if sentence]


def numbers_in(sentence: str) -> list[str]:
    """The numbers a sentence states, fixed terms of the form (90 dagar, 16-24 år, dates) aside."""
    return re.findall(r"\d+(?:,\d+)?", FIXED_TERMS.sub("", sentence))


def allowed_numbers(figures: Figures | pd.DataFrame) -> set[str]:
    """Every way a figure of the report may be written: counts, one-decimal means, and shares in whole
    percent, rounded or (so that two shares of one whole add up to 100) rounded down or up."""
    allowed = set()
    for _, row, column, _, v in Figures.of(figures).rows:
        if form.is_share(row, column):
            allowed |= {str(whole_percent(v)), str(math.floor(v * 100 + 1e-9)), str(math.ceil(v * 100 - 1e-9))}
        else:
            allowed.add(str(int(round(v))))
        allowed.add(decimal(v))
    return allowed


# --- ESF+ 2021-2027: the indicators as sentences --------------------------------------------

def genders_of(f: Lookup, row: str, column: str) -> str:
    """'12 kvinnor, 10 män och 1 ickebinär' (a gender with none left out), or 'alla kvinnor'."""
    parts = [(f(fp.INDICATORS, row, column, g), singular, plural)
             for g, singular, plural in (("kv", "kvinna", "kvinnor"), ("m", "man", "män"),
                                         ("ickebinär", "ickebinär", "ickebinära"))]
    shown = [p for p in parts if p[0]]
    if len(shown) == 1:
        n, singular, plural = shown[0]
        return f"en {singular}" if n == 1 else f"alla {plural}"
    return listing([count(n, singular, plural) for n, singular, plural in shown])


def indicator_suggestions(figures: Figures | pd.DataFrame, period: Period) -> list[tuple[str, str]]:
    """(heading, sentence) rows of Textförslag under ESF+, from the indicators' own figures."""
    f = Figures.of(figures)
    since, within = form.SINCE_START, form.PERIOD_COLUMN

    def n(row: str, column: str = since) -> int:
        return int(f(fp.INDICATORS, row, column))

    def c(row: str, column: str = since) -> str:
        return str(n(row, column))

    rows = []
    new = n("EECO01", within)
    rows.append(("Deltagare som trätt in", (
        f"Under perioden {period.label} trädde {count(new, 'ny deltagare', 'nya deltagare')} in i projektet"
        + (f": {genders_of(f, 'EECO01', within)}." if new else ".")
        + f" Sedan starten har {count(n('EECO01'), 'deltagare', 'deltagare')} trätt in.")))
    if n("EECO01"):
        rows += [
            ("Deltagare som trätt in", f"Av de {c('EECO01')} deltagarna sedan starten var {c('EECO02')} arbetslösa "
             f"när de trädde in (varav {c('EECO03')} långtidsarbetslösa), {c('EECO04')} inaktiva och {c('EECO05')} "
             "sysselsatta, inklusive egenföretagare."),
            ("Deltagare som trätt in", f"Vid inträdet var {c('EECO06')} under 18 år, {c('EECO07')} var 18-29 år och "
             f"{c('EECO08')} var 55 år eller äldre."),
            ("Deltagare som trätt in", f"Som högsta utbildning hade {c('EECO09')} grundskola, {c('EECO10')} "
             f"gymnasium eller kortare eftergymnasial utbildning och {c('EECO11')} högskola."),
            ("Deltagare som trätt in", f"Bland deltagarna hade {c('EECO12')} en funktionsnedsättning "
             f"({c(fp.DECLINED_DISABILITY)} ville inte svara), {c('EECO13')} var tredjelandsmedborgare, "
             f"{c('EECO14')} hade utländsk bakgrund och {c('EECO15')} tillhörde en minoritet "
             f"({c(fp.DECLINED_MINORITY)} ville inte svara). Vidare var {c('EECO16')} hemlösa eller utestängda från "
             f"bostadsmarknaden och {c('EECO17')} kom från landsbygdsområden."),
        ]
    def situations(column: str) -> str:
        """Every situation at leaving, so that the parts add up to all who left."""
        return (f"var {c('EECR04', column)} i arbete, {c('EECR02', column)} i utbildning, {c('EECR01', column)} "
                f"sökte arbete och {c(fp.LEFT_OTHER, column)} hade en annan situation; för {c(fp.LEFT_UNKNOWN, column)} "
                "är situationen vid avslut inte känd")

    left = n(fp.LEFT, within)
    if left:
        sentence = (f"Under perioden lämnade {count(left, 'deltagare', 'deltagare')} insatsen. Av dem "
                    f"{situations(within)}. Av dem hade {c('EECR03', within)} fått en kvalifikation.")
    else:
        sentence = "Ingen deltagare lämnade insatsen under perioden."
    rows.append(("Deltagare som lämnat insatsen", sentence))
    rows.append(("Deltagare som lämnat insatsen", (
        f"Sedan starten har {count(n(fp.LEFT), 'deltagare', 'deltagare')} lämnat insatsen. Av dem "
        f"{situations(since)}.") if n(fp.LEFT) else "Ingen deltagare har lämnat insatsen sedan starten."))
    passed = n(fp.SIX_MONTHS_PASSED)
    if passed:
        sentence = (f"Sedan starten har sex månader gått efter avslutet för {count(passed, 'deltagare', 'deltagare')}. "
                    f"Av dem var {c('EECR05')} i arbete och {c('EECR06')} hade en förbättrad situation på "
                    "arbetsmarknaden.")
        if n(fp.MISSING_6M):
            sentence += f" För {c(fp.MISSING_6M)} saknas uppföljningen."
        rows.append(("Sex månader efter avslut", sentence))
    supported = n(fp.ORGANISATIONS_SUPPORTED)
    if supported:
        rows.append((fp.ORGANISATIONS_SUPPORTED, (
            f"Sedan starten har projektet gett stöd till {count(supported, 'organisation', 'organisationer')}, "
            f"varav {c(fp.ORGANISATIONS_SUPPORTED, within)} under perioden. Av dem sedan starten är {c('EECO18')} "
            f"offentliga förvaltningar eller offentliga tjänster (EECO18) och {c('EECO19')} mikroföretag eller små "
            "och medelstora företag (EECO19).")))
    for indicator in fp.GOAL_INDICATORS:
        goal = f.get(fp.RESULTS, indicator.code, fp.GOAL)
        if goal is None:
            continue
        share = f.get(fp.RESULTS, indicator.code, fp.SHARE_OF_GOAL)
        reached = f", {percent(share)} av målet på {int(goal)}." if share is not None else f"; målet är {int(goal)}."
        rows.append(("Mål", f"{indicator.code} {indicator.label}: {c(indicator.code)} sedan starten{reached}"))
    return rows
