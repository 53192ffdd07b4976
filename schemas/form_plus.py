"""The ESF+ 2021-2027 report, declared once: the common indicators and the figures beside them.

`schemas.form` declares the 2007-2013 lägesrapport; this module declares what the ESF+
profile reports (Regulation (EU) 2021/1057, Annex I): each indicator's code, its Swedish
label, which register column and values it counts at entry or at leaving, the
figures a coordinator needs to trust them, the sheets in order and the counting rules
in Swedish and English. The counting function (`pipeline.count.indicators`), the
checks, the text and the writer all take their labels from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import form
from schemas.form import (
    ABOUT, AS_OF_PERIOD_END, CHECKS, FIGURES, PERIOD_COLUMN, SINCE_START, SUMMARY, TEXT, CountingRule,
)
from schemas.register import GOAL_CODES, ORGANISATION_CODES, PLUS_INDICATOR_CODES, PUBLIC_ADMINISTRATION, SMALL_AND_MEDIUM

INDICATORS = "Indikatorer"  # the sheet, and `Tabell` in Siffror
RESULTS = "Resultat"
COLUMNS = (PERIOD_COLUMN, SINCE_START)
GENDERS = ("kv", "m", "ickebinär")  # `Kön` in Siffror; empty for the total
GENDER_OF_CODE = {"K": "kv", "M": "m", "Ickebinär": "ickebinär"}  # the register's Kön -> Siffror's Kön
GENDER_HEADERS = {"kv": "Kvinnor", "m": "Män", "ickebinär": "Ickebinära", "": "Totalt"}
MAX_AGE = 100  # an age at entry above it is an error, as is a birth after the entry; outside 16-64 a warning
SHEET_ORDER = (SUMMARY, INDICATORS, RESULTS, TEXT, CHECKS, FIGURES, ABOUT)  # Ändringar last, if any


@dataclass(frozen=True)
class Indicator:
    """One common indicator: who of the persons it counts.

    An output indicator (EECO) counts persons by their entry; a result indicator (EECR) persons who
    have left, by their leaving, or (`six_months`) by their six-month point. `column` and `values`
    select those whose entry row (EECO) or final exit row (EECR) holds one of the values; `ages`
    selects by whole years at entry, both ends included.
    """

    code: str
    label: str
    column: str | None = None
    values: tuple[str, ...] = ()
    ages: tuple[int, int] | None = None
    six_months: bool = False
    phrase: str = ""  # how Textförslag names the persons counted

    @property
    def result(self) -> bool:
        return self.code.startswith("EECR")


OUTPUT_INDICATORS = (
    Indicator("EECO01", "Totalt antal deltagare", phrase="deltagare"),
    Indicator("EECO02", "Arbetslösa, inklusive långtidsarbetslösa", "labour_status", ("Arbetslös", "Långtidsarbetslös"),
              phrase="arbetslösa (inklusive långtidsarbetslösa)"),
    Indicator("EECO03", "Långtidsarbetslösa", "labour_status", ("Långtidsarbetslös",), phrase="långtidsarbetslösa"),
    Indicator("EECO04", "Inaktiva", "labour_status", ("Inaktiv",), phrase="inaktiva"),
    Indicator("EECO05", "Sysselsatta, inklusive egenföretagare", "labour_status", ("Sysselsatt",),
              phrase="sysselsatta (inklusive egenföretagare)"),
    Indicator("EECO06", "Barn under 18 år", ages=(0, 17), phrase="under 18 år"),
    Indicator("EECO07", "Unga 18-29 år", ages=(18, 29), phrase="18-29 år"),
    Indicator("EECO08", "Deltagare 55 år och äldre", ages=(55, 200), phrase="55 år eller äldre"),
    Indicator("EECO09", "Högst grundskoleutbildning (ISCED 0-2)", "education", ("ISCED 0-2",),
              phrase="högst grundskoleutbildning"),
    Indicator("EECO10", "Gymnasial eller eftergymnasial utbildning (ISCED 3-4)", "education", ("ISCED 3-4",),
              phrase="gymnasial eller kortare eftergymnasial utbildning"),
    Indicator("EECO11", "Högskoleutbildning (ISCED 5-8)", "education", ("ISCED 5-8",), phrase="högskoleutbildning"),
    Indicator("EECO12", "Deltagare med funktionsnedsättning", "disability", ("Ja",),
              phrase="med funktionsnedsättning"),
    Indicator("EECO13", "Tredjelandsmedborgare", "citizenship", ("Tredjeland", "Statslös"),
              phrase="tredjelandsmedborgare"),
    Indicator("EECO14", "Deltagare med utländsk bakgrund", "foreign_background", ("Ja",),
              phrase="med utländsk bakgrund"),
    Indicator("EECO15", "Minoriteter (inklusive marginaliserade grupper som romer)", "minority", ("Ja",),
              phrase="tillhör en minoritet"),
    Indicator("EECO16", "Hemlösa eller utestängda från bostadsmarknaden", "homeless", ("Ja",),
              phrase="hemlösa eller utestängda från bostadsmarknaden"),
    Indicator("EECO17", "Deltagare från landsbygdsområden", "rural", ("Ja",), phrase="från landsbygdsområden"),
)
RESULT_INDICATORS = (
    Indicator("EECR01", "Deltagare som söker arbete när de lämnar insatsen", "exit_situation", ("Arbetssökande",),
              phrase="sökte arbete"),
    Indicator("EECR02", "Deltagare i utbildning när de lämnar insatsen", "exit_situation", ("Studier",),
              phrase="var i utbildning"),
    Indicator("EECR03", "Deltagare som fått en kvalifikation när de lämnar insatsen", "qualification", ("Ja",),
              phrase="hade fått en kvalifikation"),
    Indicator("EECR04", "Deltagare i arbete, inklusive egenföretagare, när de lämnar insatsen", "exit_situation",
              ("Arbete",), phrase="var i arbete"),
    Indicator("EECR05", "Deltagare i arbete, inklusive egenföretagare, sex månader efter att de lämnat insatsen",
              "situation_6m", ("Arbete",), six_months=True, phrase="i arbete"),
    Indicator("EECR06", "Deltagare med förbättrad situation på arbetsmarknaden sex månader efter att de lämnat "
              "insatsen", "improved_6m", ("Ja",), six_months=True, phrase="med förbättrad situation"),
)
ALL_INDICATORS = OUTPUT_INDICATORS + RESULT_INDICATORS
assert tuple(i.code for i in ALL_INDICATORS) == PLUS_INDICATOR_CODES

# the entity indicators: organisations of the sheet Organisationer, by their first support, without gender
ORGANISATION_INDICATORS = (
    Indicator("EECO18", "Antal offentliga förvaltningar eller offentliga tjänster som fått stöd", "type",
              (PUBLIC_ADMINISTRATION,), phrase="offentliga förvaltningar eller offentliga tjänster"),
    Indicator("EECO19", "Antal mikroföretag samt små och medelstora företag (inklusive kooperativa företag och "
              "sociala företag) som fått stöd", "type", SMALL_AND_MEDIUM,
              phrase="mikroföretag eller små och medelstora företag"),
)
assert tuple(i.code for i in ORGANISATION_INDICATORS) == ORGANISATION_CODES
ORGANISATIONS_SUPPORTED = "Organisationer som fått stöd"  # the heading on Indikatorer, and the Rad of all of them
ORGANISATION_NOTE = ("Organisationer som fått stöd räknar varje organisation (olika organisationsnummer) en gång, "
                     "efter dess första stöd; Perioden räknar dem vars första stöd ligger i perioden. EECO18 och "
                     "EECO19 är två av dess typer.")
GOAL_INDICATORS = tuple(sorted(ALL_INDICATORS + ORGANISATION_INDICATORS, key=lambda i: GOAL_CODES.index(i.code)))
BY_CODE = {i.code: i for i in GOAL_INDICATORS}

# the figures beside the indicators (Siffror: Tabell Indikatorer, Rad the label)
DECLINED_DISABILITY = "Vill ej svara: funktionsnedsättning"
DECLINED_MINORITY = "Vill ej svara: minoritet"
LEFT = "Deltagare som lämnat insatsen"
LEFT_UNKNOWN = "Avslutade utan känd situation vid avslut"
LEFT_OTHER = "Avslutade med annan situation vid avslut"  # Annat: with EECR01, 02, 04 and the unknown, all who left
SIX_MONTHS_PASSED = "Sex månader efter avslut har passerats"
MISSING_6M = "Uppföljning 6 månader saknas"
MORE_THAN_ONCE = "Personer med mer än en inskrivning"
TRUST_ROWS = (DECLINED_DISABILITY, DECLINED_MINORITY, LEFT, LEFT_OTHER, LEFT_UNKNOWN, SIX_MONTHS_PASSED, MISSING_6M,
              MORE_THAN_ONCE)
TRUST_NOTES = {  # whole sentences under the table of Indikatorer
    DECLINED_DISABILITY: "Vill ej svara: funktionsnedsättning räknar dem som inte ville svara; de räknas inte som "
                         "Ja i EECO12.",
    DECLINED_MINORITY: "Vill ej svara: minoritet räknar dem som inte ville svara; de räknas inte som Ja i EECO15.",
    LEFT: "Deltagare som lämnat insatsen har avslutat alla sina inskrivningar; Perioden räknar dem vars sista "
          "utskrivning ligger i perioden.",
    LEFT_OTHER: "Avslutade med annan situation vid avslut har lämnat insatsen med Situation vid avslut Annat; med "
                "EECR01, EECR02, EECR04 och dem utan känd situation blir de alla som lämnat insatsen.",
    LEFT_UNKNOWN: "Avslutade utan känd situation vid avslut har lämnat insatsen med Situation vid avslut tom eller "
                  "Okänd.",
    SIX_MONTHS_PASSED: "Sex månader efter avslut har passerats för dem som EECR05 och EECR06 räknas bland; Perioden "
                       "räknar dem vars sexmånaderspunkt ligger i perioden.",
    MISSING_6M: "Uppföljning 6 månader saknas för dem vars sexmånaderspunkt har passerats men vars Situation 6 "
                "månader är tom.",
    MORE_THAN_ONCE: "Personer med mer än en inskrivning räknas en gång i varje indikator; Perioden räknar dem som "
                    "skrevs in igen under perioden.",
}

# Resultat: goals (`Mål EECO01` ...) against Sedan starten
OUTCOME, GOAL, SHARE_OF_GOAL = "Utfall", "Mål", "Andel av mål"

# Sammanfattning's headline figures: (label, Rad, Kolumn), all of Indikatorer's totals
HEADLINE = (
    ("Nya deltagare under perioden", "EECO01", PERIOD_COLUMN),
    ("Deltagare sedan starten", "EECO01", SINCE_START),
    ("Lämnat insatsen under perioden", LEFT, PERIOD_COLUMN),
    ("Lämnat insatsen sedan starten", LEFT, SINCE_START),
    ("I arbete när de lämnade insatsen, sedan starten", "EECR04", SINCE_START),
    ("Uppföljningar 6 månader som saknas, sedan starten", MISSING_6M, SINCE_START),
    ("Organisationer som fått stöd, sedan starten", ORGANISATIONS_SUPPORTED, SINCE_START),
)

COUNTING_RULES = (
    CountingRule(
        "Varje indikator räknar personer (olika Deltagar-ID), en gång per projekt, hur många gånger de än har "
        "skrivits in.",
        "Every indicator counts **persons** (distinct `Deltagar-ID`), each once per project, however many times "
        "enrolled."),
    CountingRule(
        "Inträdet är personens första inskrivning; ålder (hela år på inträdesdagen), arbetsmarknadsstatus, "
        "utbildning och de andra uppgifterna vid inträdet tas från den raden.",
        "**Entry** is the person's first enrolment; age (whole years on the entry date), status, education and "
        "the other entry columns come from its row."),
    CountingRule(
        "En person har lämnat insatsen när alla hens inskrivningar har ett utskrivningsdatum (Utskriven) senast vid "
        "periodens slut; "
        "resultatet tas från den sista utskrivningen. Den som skrivs in igen har inte lämnat.",
        "A person has **left** when every enrolment has an `Utskriven` on or before the period end; the results "
        "of that final exit row count. A person who re-enrols has not left."),
    CountingRule(
        "Sexmånaderspunkten är Utskriven plus sex kalendermånader (samma dag, eller månadens sista dag). EECR05 "
        "och EECR06 räknar den som passerat den senast vid periodens slut.",
        "The **six-month point** is `Utskriven` plus six calendar months (the same day, or the month's last day). "
        "EECR05 and EECR06 count persons whose point is on or before the period end."),
    CountingRule(
        "Perioden räknar inträden (EECO), avslut (EECR01-04) och sexmånaderspunkter (EECR05-06) under perioden; "
        "Sedan starten räknar alla till periodens slut.",
        "**Perioden** counts entries (EECO), leavings (EECR01-04) and six-month points (EECR05-06) in the period; "
        "**Sedan starten** counts all up to the period end."),
    AS_OF_PERIOD_END,
    CountingRule(
        "Varje siffra delas upp på kvinnor, män och ickebinära; Totalt är summan av de tre.",
        "Each figure is broken down into `kv`, `m` and `ickebinär`; the total is their sum."),
    CountingRule(
        "EECO18 och EECO19 räknar organisationer i bladet Organisationer (olika organisationsnummer), var och en en "
        "gång efter sitt första stöd, utan uppdelning på kön.",
        "EECO18 and EECO19 count the organisations of the sheet `Organisationer` (distinct organisation numbers), "
        "each once by its earliest `Första stöd`, without a gender breakdown."),
)

# what Om rapporten says an ESF+ figure means, beside the counting rules (the spec's words, in Swedish)
DEFINITIONS = (
    "En kvalifikation (EECR03) är ett formellt resultat av en bedömning och validering, där ett behörigt organ har "
    "fastställt att deltagaren har nått ett visst resultat. Ett intyg om deltagande är ingen kvalifikation.",
    "En förbättrad situation (EECR06) gäller den som var sysselsatt vid inträdet: ett byte från osäker till "
    "stadigvarande anställning, från undersysselsättning till heltid, till ett arbete som kräver högre kompetens "
    "eller mer ansvar, eller en befordran. Bara högre lön räknas inte.",
    "SCB räknar deltagarna från befolkningsregistren, där kön är kvinna eller man. Projektets egna siffror bygger "
    "på vad deltagarna själva har uppgett och har också ickebinära, så de behöver inte vara desamma som SCB:s.",
)
NO_ORGANISATIONS = ("Registret har inget blad Organisationer, så EECO18 och EECO19 är 0. Lägg till bladet om "
                    "projektet ger stöd till organisationer.")


def counting_rules_markdown() -> str:
    """The README's counting rules of the ESF+ profile, the English twins of those `Om rapporten` states."""
    return form.counting_rules_markdown(COUNTING_RULES)
