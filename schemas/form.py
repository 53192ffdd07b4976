"""The status report's form, declared once: its target groups, tables, rows, columns and labels.

`schemas.register` declares what coaches write; this module declares what the report
says. Each table of the form has its identity (the sheet's name, which is `Siffror`'s
`Tabell`), its rows in the form's order (label, the target group counted on the row,
heading or indented sub-row, the goal shown on it) and its sum rows; `Resultat` has its
rows and which goal each is measured against; the report has its sheets in order and
its counting rules in Swedish (for `Om rapporten`) and English (for the README).

The counting functions (`pipeline.count.tables`), the self-checks, the text and the
writer all take their labels and order from here, and every figure is looked up by
these names, so a label is written once. Adding a table is: its declaration here, its
counting function, and a test.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.register import CONTACT_TYPES, REASON_LABELS

GENDERS = ("kv", "m")  # `Kön` in Siffror; empty for both together
MONTH_LABELS = ("Jan", "Feb", "Mars", "April", "Maj", "Juni", "Juli", "Aug", "Sept", "Okt", "Nov", "Dec")
FIGURE_COLUMNS = ["Tabell", "Rad", "Kolumn", "Kön", "Värde"]  # Siffror, one row per figure


def month_labels(months) -> dict:
    """The form's name of each month of a table (`months`, a PeriodIndex), by the month (a pandas Period), in
    order; with the year only if the table spans the same month twice."""
    numbers, years = months.month.tolist(), months.year.tolist()
    twice = len(set(numbers)) < len(numbers)
    return {month: f"{MONTH_LABELS[n - 1]} {year}" if twice else MONTH_LABELS[n - 1]
            for month, n, year in zip(months, numbers, years)}


# --- the target groups ---------------------------------------------------------------------

@dataclass(frozen=True)
class TargetGroup:
    """One of the form's five target groups: who belongs to it, and how the report names it."""

    label: str  # Table 1's row label: the group's name in every table and in Siffror
    young: bool  # 16-24 years at the enrolment (else 25-64)
    born: str  # `Född`
    benefit: str  # `Ersättning`
    singular: str  # one person of the group, as Textförslag names them
    plural: str


YOUNG_DOMESTIC = TargetGroup("Inrikesfödda ungdomar 16-24 år med försörjningsstöd", True, "Inrikes",
                             "Försörjningsstöd", "inrikesfödd ungdom med försörjningsstöd",
                             "inrikesfödda ungdomar med försörjningsstöd")
YOUNG_FOREIGN = TargetGroup("Utrikesfödda ungdomar 16-24 år med introduktionsersättning", True, "Utrikes",
                            "Introduktionsersättning", "utrikesfödd ungdom med introduktionsersättning",
                            "utrikesfödda ungdomar med introduktionsersättning")
ADULT_DOMESTIC = TargetGroup("Inrikesfödda 25-64 år med försörjningsstöd", False, "Inrikes", "Försörjningsstöd",
                             "inrikesfödd 25-64 år med försörjningsstöd", "inrikesfödda 25-64 år med försörjningsstöd")
ADULT_FOREIGN_SUPPORT = TargetGroup("Utrikesfödda 25-64 år med försörjningsstöd", False, "Utrikes",
                                    "Försörjningsstöd", "utrikesfödd 25-64 år med försörjningsstöd",
                                    "utrikesfödda 25-64 år med försörjningsstöd")
ADULT_FOREIGN_INTRO = TargetGroup("Utrikesfödda 25-64 år med introduktionsersättning", False, "Utrikes",
                                  "Introduktionsersättning", "utrikesfödd 25-64 år med introduktionsersättning",
                                  "utrikesfödda 25-64 år med introduktionsersättning")
GROUPS = (YOUNG_DOMESTIC, YOUNG_FOREIGN, ADULT_DOMESTIC, ADULT_FOREIGN_SUPPORT, ADULT_FOREIGN_INTRO)
GROUP_LABELS = tuple(g.label for g in GROUPS)
YOUNG_GROUPS = tuple(g.label for g in GROUPS if g.young)
MIN_AGE, YOUNG_MAX_AGE, MAX_AGE = 16, 24, 64


@dataclass(frozen=True)
class FormRow:
    """A row of a table as the form lays it out."""

    label: str  # as the sheet shows it
    group: str | None = None  # the target group counted on the row; None for a heading of the form
    goal: str | None = None  # the `Projekt` goal shown on the row (Tabell 4's Projektmål)

    @property
    def sub(self) -> bool:
        """An indented `- ...` row under a heading."""
        return self.label.startswith("-")

    @property
    def bold(self) -> bool:
        """A heading of the form, or a row that carries a goal."""
        return self.group is None or self.goal is not None


@dataclass(frozen=True)
class PairTable:
    """A table of the form whose figures stand in `kv`/`m` column pairs: Tables 1, 2 and 4.

    Its figures are counted by one function of `pipeline.count.tables` under `name` (the
    sheet's name and `Siffror`'s `Tabell`), a row per target group, and two sum rows counted
    on their own: per gender (`sum_gender`, whose columns are the table's columns, in order)
    and in all (`sum_total`). The writer lays out every PairTable from this declaration.
    """

    name: str
    rows: tuple[FormRow, ...]
    sum_gender: str
    sum_total: str
    title: tuple[str, str] = ("", "")  # the two header cells over the row labels
    title_row: str = ""  # a row of its own under the header (Tabell 2)
    goal_column: str = ""  # a column of goals after the labels (Tabell 4)
    comment_column: str = ""  # a last column left for comments (Tabell 2)
    period_sums: tuple[str, str] | None = None  # rows of the whole period: women/men in one cell, and in all
    widths: tuple[float, float, float] = (44, 10, 6)  # the label, goal and each figure column
    header_height: float | None = None


T1_SUM_GENDER, T1_SUM = "Summa (kvinnor/män)", "Summa"
T2_SUM_GENDER, T2_SUM_MONTH = "Summa / kön", "Summa / månad"
T2_PERIOD_GENDER, T2_PERIOD = "Summa / period kvinnor/män", "Summa / period"
PERIOD_COLUMN = "Perioden"  # Kolumn of a figure of the whole period
T4_SUM_GENDER, T4_SUM = "Summa nya deltagare / kön", "Summa / respektive period"
ENROLLED_SINCE_START, UNIQUE_SINCE_START = "Inskrivna sedan starten", "Unika sedan starten"

TABLE_1 = PairTable(
    "Tabell 1", tuple(FormRow(g.label, g.label) for g in GROUPS), T1_SUM_GENDER, T1_SUM,
    title=("Tabell 1:", "Deltagare respektive månad"), widths=(56, 0, 6))
TABLE_2 = PairTable(
    "Tabell 2",
    (FormRow("Ungdomar 16-24 år, varav"),
     FormRow("- inrikesfödda med försörjningsstöd", YOUNG_DOMESTIC.label),
     FormRow("- utrikesfödda med introduktionsersättning", YOUNG_FOREIGN.label),
     FormRow("Personer 25-64 år, varav"),
     FormRow("- inrikesfödda med försörjningsstöd", ADULT_DOMESTIC.label),
     FormRow("- utrikesfödda med försörjningsstöd", ADULT_FOREIGN_SUPPORT.label),
     FormRow("- utrikesfödda med introduktionsersättning", ADULT_FOREIGN_INTRO.label)),
    T2_SUM_GENDER, T2_SUM_MONTH, title_row="Tabell 2: Utskrivna", comment_column="Kommentar",
    period_sums=(T2_PERIOD_GENDER, T2_PERIOD), widths=(44, 0, 6))
TABLE_4 = PairTable(
    "Tabell 4",
    (FormRow("Nyinskrivna deltagare", goal="goal_enrolled"),
     FormRow("Ungdomar 16-24 år", goal="goal_young"),
     FormRow("- Inrikesfödda med försörjningsstöd", YOUNG_DOMESTIC.label),
     FormRow("- Utrikesfödda med introduktionsers.", YOUNG_FOREIGN.label),
     FormRow("Inrikesfödda personer 25-64 år med försörjningsstöd", ADULT_DOMESTIC.label, goal="goal_domestic_adults"),
     FormRow("Utrikesfödda 25-64 år, varav", goal="goal_foreign"),
     FormRow("- med försörjningsstöd", ADULT_FOREIGN_SUPPORT.label),
     FormRow("- med introduktionsersättning", ADULT_FOREIGN_INTRO.label)),
    T4_SUM_GENDER, T4_SUM, title=("Tabell 4: Kvantifierade mål", ""), goal_column="Projektmål",
    widths=(46, 10, 7), header_height=30)
PAIR_TABLES = (TABLE_1, TABLE_2, TABLE_4)
T1, T2, T4 = TABLE_1.name, TABLE_2.name, TABLE_4.name


# --- Utskrivningsorsak -----------------------------------------------------------------------

REASONS = "Utskrivningsorsak"
REASON_ROWS = tuple(REASON_LABELS.values())  # 1-Arbete ... 5-Projekt fullföljt
REASONS_SUM = "Summa"
SINCE_START = "Sedan starten"
PERIOD_SHARE, SINCE_START_SHARE = f"{PERIOD_COLUMN} andel", f"{SINCE_START} andel"
REASON_COLUMNS = (PERIOD_COLUMN, PERIOD_SHARE, SINCE_START, SINCE_START_SHARE)
REASONS_NOTE = "Annan orsak omfattar bland annat flytt, graviditet, sjukdom, missbruk och andra åtgärder."
REASONS_AS_THE_FORM = "Utskrivningsorsak för perioden:"
REASON_PHRASES = {"1-Arbete": "arbete", "2-Studier": "studier", "3-Annan orsak": "annan orsak",
                  "4-Okänd orsak": "okänd orsak", "5-Projekt fullföljt": "projektet fullföljt"}

# --- Resultat --------------------------------------------------------------------------------

RESULTS = "Resultat"
OUTCOME, SHARE, GOAL, SHARE_OF_GOAL = "Utfall", "Andel", "Mål", "Andel av mål"  # Resultat's columns

ENROLLED = "Nyinskrivna deltagare"
YOUNG = "Ungdomar 16-24 år"
DOMESTIC_ADULTS = "Inrikesfödda 25-64 år"
FOREIGN = "Utrikesfödda"
WOMEN, MEN = "Kvinnor", "Män"
EXITED = "Utskrivna"
TO_WORK_OR_STUDIES = "Utskrivna till arbete eller studier"
PROJECT_TIME = "Projekttid"
PARTICIPANTS = "Deltagare under perioden"
PERSONS_IN_PERIOD = "Personer under perioden"  # distinct persons among the participants of the period
NEW_IN_PERIOD = "Nyinskrivna under perioden"
RE_ENROLLED = "Återinskrivna bland deltagarna"
RE_ENROLLED_NEW = "Återinskrivna bland nyinskrivna under perioden"
EXITS_IN_PERIOD = "Utskrivna under perioden"
DUE_90 = "Utskrivna mer än 90 dagar"
IN_WORK_90 = "I arbete 90 dagar efter utskrivning"
NOT_FOLLOWED_UP = "Ej uppföljda"
CONTACTS = "Arbetsgivarkontakter"
NEW_CONTACTS = "Nya arbetsgivarkontakter under perioden"
AVERAGE_PER_MONTH = "Deltagare per månad i genomsnitt"
MORE_THAN_ONCE = "Personer inskrivna mer än en gång"


@dataclass(frozen=True)
class GoalRow:
    """A row of Resultat's goal table: its figure's `Rad`, its label, and whether its goal is a share."""

    row: str
    share: bool = False
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or self.row


RESULT_GOAL_ROWS = (
    GoalRow(ENROLLED), GoalRow(YOUNG), GoalRow(DOMESTIC_ADULTS), GoalRow(FOREIGN), GoalRow(WOMEN, share=True),
    GoalRow(MEN), GoalRow(EXITED), GoalRow(TO_WORK_OR_STUDIES, share=True), GoalRow(IN_WORK_90, share=True),
    GoalRow(CONTACTS), GoalRow(PROJECT_TIME, label="Projekttid (månader)"),
)
RESULT_FOLLOW_UP_ROWS = (DUE_90, IN_WORK_90, NOT_FOLLOWED_UP)
SHARE_COLUMNS = (SHARE, SHARE_OF_GOAL, PERIOD_SHARE, SINCE_START_SHARE)
SHARE_GOAL_ROWS = tuple(g.row for g in RESULT_GOAL_ROWS if g.share)


def is_share(row: str, column: str) -> bool:
    """Whether a figure is a share (0..1), shown in percent: a share column, or the goal of a share goal."""
    return column in SHARE_COLUMNS or (column == GOAL and row in SHARE_GOAL_ROWS)
RESULT_CONTACT_ROWS = (CONTACTS, NEW_CONTACTS, *CONTACT_TYPES)
CONTACT_PHRASES = {"Företag": ("företag", "företag"), "Landsting": ("landsting", "landsting"),
                   "Egen kommun": ("den egna kommunen", "den egna kommunen"),
                   "Annan kommun": ("annan kommun", "andra kommuner"),
                   "Frivillig organisation": ("frivillig organisation", "frivilliga organisationer"),
                   "Övrig": ("övrig", "övriga")}

# --- Sammanfattning: the headline figures (label, Tabell, Rad, Kolumn) -------------------------

HEADLINE = (
    (PARTICIPANTS, RESULTS, PARTICIPANTS, OUTCOME),
    (NEW_IN_PERIOD, RESULTS, NEW_IN_PERIOD, OUTCOME),
    (EXITS_IN_PERIOD, T2, T2_PERIOD, PERIOD_COLUMN),
    (ENROLLED_SINCE_START, T4, T4_SUM, ENROLLED_SINCE_START),
    ("Unika personer sedan starten", T4, T4_SUM, UNIQUE_SINCE_START),
    ("Projektmål deltagare", RESULTS, ENROLLED, GOAL),
    ("Projekttid som har gått (månader)", RESULTS, PROJECT_TIME, OUTCOME),
)

# --- the workbook ------------------------------------------------------------------------------

# the internal workbook's monthly list for SCB (`pipeline.count.months`), as it is written and read back
MONTH_LIST, CHANGED_MONTHS = "Månadsunderlag", "Ändrade månader"
MONTH, EVENT, EVENT_DATE, PERSON, PERSON_GENDER, BIRTH = (
    "Månad", "Händelse", "Datum", "Deltagar-ID", "Kön", "Födelsedatum")

SUMMARY, TEXT, CHECKS, FIGURES, ABOUT, CHANGES = (
    "Sammanfattning", "Textförslag", "Kontroller", "Siffror", "Om rapporten", "Ändringar")
SHEET_ORDER = (SUMMARY, T1, T2, T4, REASONS, RESULTS, TEXT, CHECKS, FIGURES, ABOUT)  # Ändringar last, if any
# the author in the document properties of every report: how an earlier report is told from other workbooks
TOOL_AUTHOR = "ESF-rapportverktyget"
# the keywords in the document properties of every report name its project, so that a search for an earlier
# report of one project need not open the reports of the others (`pipeline.read.earlier`)
CASE_NUMBER_KEYWORD = "Diarienummer: "
# rows of Om rapporten that a later run reads back to find an earlier report of the same project
ABOUT_PROJECT, ABOUT_CASE_NUMBER, ABOUT_OWNER = "Projekt", "Diarienummer", "Projektägare"
ABOUT_PERIOD, ABOUT_CREATED, ABOUT_VERSION = "Period", "Rapporten skapad", "Programversion"
ABOUT_FILE, ABOUT_SHA256 = "Register (fil)", "Registrets SHA-256"


@dataclass(frozen=True)
class CountingRule:
    """One counting rule, as `Om rapporten` states it (Swedish) and as the README does (English)."""

    sv: str
    en: str


COUNTING_RULES = (
    CountingRule(
        "Varje inskrivning räknas för sig; en återinskrivning är en senare inskrivning med samma Deltagar-ID.",
        "Every enrolment counts on its own; a re-enrolment is a later enrolment of the same `Deltagar-ID`."),
    CountingRule(
        "Målgruppen bestäms av åldern på inskrivningsdagen i hela år (16-24 ungdom, 25-64 vuxen; födelsedag på "
        "inskrivningsdagen räknas), Född och Ersättning, och ändras inte under inskrivningen.",
        "An enrolment's target group comes from its own row: age at the enrolment date in whole years (16-24 "
        "young, 25-64 adult; a birthday on the enrolment day counts), `Född` and `Ersättning`. It does not change "
        "during that enrolment."),
    AS_OF_PERIOD_END := CountingRule(
        "Rapporten för en period bortser från inskrivningar efter periodens slut och räknar en utskrivning efter "
        "periodens slut som ännu inte gjord.",
        "A report for a period ignores enrolments after its end and treats an exit after its end as not yet made."),
    CountingRule(
        "Tabell 1: deltagare en månad = inskriven minst en dag av månaden, från januari i periodens slutår (eller "
        "projektstart) till periodens slut.",
        "**Tabell 1**: a participant in a month is enrolled at least one day of it. The months run from January "
        "of the period end's year (or the project start month, if later) to the period end."),
    CountingRule(
        "Tabell 2: utskrivna från periodens första till sista dag, per kalendermånad.",
        "**Tabell 2**: exits from the period's first to its last day, by calendar month."),
    CountingRule(
        "Tabell 4: nyinskrivna per rapportperiod; Inskrivna sedan starten räknar inskrivningar, Unika sedan starten "
        "räknar personer i målgrupp och kön vid första inskrivningen.",
        "**Tabell 4**: new enrolments in each reporting period so far; `Inskrivna sedan starten` counts "
        "enrolments, each in its own group; `Unika sedan starten` counts persons, each in the group and gender of "
        "their first enrolment."),
    CountingRule(
        "Uppföljning 90 dagar: en utskrivning ska följas upp när utskrivningsdatum + 90 dagar ≤ periodens slut.",
        "**90-day follow-up** (in `Resultat`): an exit is due when exit date + 90 days ≤ period end; `Resultat` "
        "shows how many are due, in work, not yet followed up."),
    CountingRule(
        "Arbetsgivarkontakter: olika organisationer (namn utan hänsyn till versaler och extra mellanslag) till "
        "periodens slut, efter typ av första kontakten.",
        "**Employer contacts**: distinct organisations (names compared ignoring case and repeated spaces) contacted "
        "up to the period end, by the type of their first contact (earliest date; on a tie, the row higher up), "
        "and how many were first contacted in the period."),
    CountingRule(
        "Deltagare per månad i genomsnitt: medelvärdet av Tabell 1:s antal deltagare per månad, från "
        "projektstartens månad till periodens slut.",
        "**Participants per month on average** (in `Textförslag`): the mean of Table 1's monthly count over the "
        "months from the project start to the period end."),
    CountingRule(
        "Andelar avrundas till hela procent i visningen men är exakta i Siffror.",
        "Shares are exact in `Siffror` and rounded to whole percent on the sheets."),
)


def counting_rules_markdown(rules: tuple[CountingRule, ...] = COUNTING_RULES) -> str:
    """The README's counting rules, the English twins of those `Om rapporten` states."""
    return "".join(f"- {rule.en}\n" for rule in rules)
