"""The register's format, declared once.

Every sheet and column of the coaches' register is declared here: its Swedish
header and accepted aliases, its kind (identifier, text, code or date), its
allowed values with their accepted spellings, and a description. The reader's
header mapping, the code normalisation, the Pandera model of the parsed
`Deltagare` sheet (`schemas.models`), the template's dropdowns, the error
texts and the README's column table are all derived from these declarations.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal["id", "text", "code", "date"]


SPACES = r"\s+"
# up to this many distinct values, a column's values are judged one by one in plain Python (pandas costs more per
# call than a handful of values do); beyond it, by pandas or pyarrow at once
FEW = 256


def normalise_label(text: str) -> str:
    """Fold a header or code as a coach may write it: Unicode form (NFC), case, surrounding and repeated spaces."""
    return re.sub(SPACES, " ", unicodedata.normalize("NFC", str(text))).strip().casefold()


# words a coach adds to a header without changing what it says ("Uppföljning efter 90 dagar", "Situation
# efter 6 månader"); left out of every header and every declared spelling alike before they are matched
FILLER_WORDS = frozenset({"efter", "vid", "inom", "om", "per", "på", "i", "av", "för", "den", "det", "de"})


@functools.lru_cache(maxsize=8192)  # the same few headers and labels, register after register
def header_key(text: str) -> str:
    """A header as it is matched: `normalise_label` (a line break from Alt+Enter is a space), a word hyphenated
    at a line break joined again ("Upp-" + line break + "följning"), and the filler words left out."""
    joined = re.sub(r"(\w)-[ \t]*\r?\n\s*(\w)", r"\1\2", str(text))
    label = normalise_label(joined)
    kept = [word for word in label.split(" ") if word not in FILLER_WORDS]
    return " ".join(kept) or label


# what Python's `\s` matches in text (str.isspace), as RE2 writes it: RE2's own `\s` is ASCII only, and a
# no-break space pasted from the web must fold as it does in `normalise_label`
SPACE_RUN_RE2 = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
                 r"\x{3000}]+")


def categories_in(categories, wanted):
    """Whether each of a Categorical's `categories` (a pandas Index) is one of `wanted`, as a numpy bool array: a
    code column's few distinct texts (up to FEW) one by one, more by pandas at once. The rows take it by their
    codes: judging each row would hash a million of them."""
    import numpy as np

    if len(categories) <= FEW:
        wanted = wanted if isinstance(wanted, (set, frozenset)) else set(wanted)
        return np.fromiter((c in wanted for c in categories.tolist()), dtype=bool, count=len(categories))
    return categories.isin(list(wanted))


def normalise_labels(texts):
    """`normalise_label` of every text of a pandas string Series (missing stays missing): the Unicode form,
    the spaces and the ends by pyarrow in three passes, then `casefold`, which pyarrow lacks, text by text
    (a plain method call; a regular expression per text cost ten times as much)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    spaced = pc.replace_substring_regex(pc.utf8_normalize(pa.array(texts, pa.string()), "NFC"), SPACE_RUN_RE2, " ")
    folded = [None if text is None else text.casefold() for text in pc.utf8_trim(spaced, " ").to_pylist()]
    return pd.Series(folded, index=texts.index, dtype="string")


@dataclass(frozen=True)
class Column:
    """One column of a register sheet."""

    key: str
    header: str
    kind: Kind
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # canonical value -> accepted spellings (matched with normalise_label)
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    listed: tuple[str, ...] = ()  # what the template's dropdown offers, where not the canonical values
    # recorded at the person's entry (ESF+): required on their first enrolment only; a later one repeats it or
    # leaves it empty
    at_entry: bool = False

    @property
    def allowed(self) -> list[str]:
        return list(self.codes)

    @property
    def choices(self) -> list[str]:
        """The values a coach picks from in the template (each one an accepted spelling)."""
        return list(self.listed) or self.allowed

    def code_lookup(self) -> dict[str, str]:
        """Every accepted spelling (normalised) mapped to its canonical value."""
        lookup: dict[str, str] = {}
        for canonical, variants in self.codes.items():
            for spelling in (canonical, *variants):
                lookup[normalise_label(spelling)] = canonical
        return lookup

    def expected_text(self) -> str:
        """What the column accepts, in Swedish, for messages and the template."""
        if self.kind == "code":
            return " eller ".join([", ".join(self.allowed[:-1]), self.allowed[-1]]) if len(self.allowed) > 1 \
                else self.allowed[0]
        if self.kind == "date":
            return "ett datum (datumcell, ÅÅÅÅ-MM-DD eller ÅÅMMDD)"
        return "text" if self.kind == "text" else "text eller nummer"


@dataclass(frozen=True)
class Sheet:
    """One sheet of the register, with its columns in the template's order."""

    name: str
    columns: tuple[Column, ...]
    description: str
    may_be_empty: bool = False
    optional: bool = False  # a register of the profile may leave the sheet out (ESF+: Organisationer)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_lookup(self) -> dict[str, Column]:
        """Every accepted spelling of the sheet's headers, as `header_key` folds it."""
        return self._header_lookup

    @functools.cached_property
    def _header_lookup(self) -> dict[str, Column]:  # made once per sheet (a frozen dataclass keeps a __dict__)
        return {header_key(spelling): column for column in self.columns
                for spelling in (column.header, *column.aliases)}

    def resembled(self, header: str) -> list[Column]:
        """The columns an unknown header seems to be: those whose header's first word it holds (`Uppföljning`
        in "Uppföljning 3 mån"), a word long enough to say what the column is."""
        words = set(header_key(header).split(" "))
        return [c for c in self.columns if len(first := header_key(c.header).split(" ")[0]) >= 5 and first in words]


GENDER = Column(
    "gender", "Kön", "code", "Kön: K (kvinna) eller M (man).", required=True,
    codes={"K": ("kv", "kvinna", "kvinnor", "k"), "M": ("m", "man", "män")},
)
REASONS = {
    "1": ("1-Arbete", "Arbete", "1 Arbete", "1 - Arbete"),
    "2": ("2-Studier", "Studier", "2 Studier", "2 - Studier"),
    "3": ("3-Annan orsak", "Annan orsak", "3 Annan orsak", "3 - Annan orsak"),
    "4": ("4-Okänd orsak", "Okänd orsak", "4 Okänd orsak", "4 - Okänd orsak"),
    "5": ("5-Projekt fullföljt", "Projekt fullföljt", "5 Projekt fullföljt", "5 - Projekt fullföljt"),
}
REASON_LABELS = {code: variants[0] for code, variants in REASONS.items()}

DELTAGARE = Sheet(
    "Deltagare",
    (
        Column("person_id", "Deltagar-ID", "id",
               "Personens stabila pseudonym; en återinskrivning använder samma ID.",
               required=True, aliases=("DeltagarID", "Deltagar ID", "ID")),
        GENDER,
        Column("birth_date", "Födelsedatum", "date", "Födelsedatum.", required=True,
               aliases=("Födelsedag",)),
        Column("born", "Född", "code", "Född i Sverige (Inrikes) eller utomlands (Utrikes).",
               required=True, aliases=("Födelseland",),
               codes={"Inrikes": ("inrikes född", "inrikesfödd"),
                      "Utrikes": ("utrikes född", "utrikesfödd")}),
        Column("benefit", "Ersättning", "code", "Ersättning vid inskrivningen.", required=True,
               codes={"Försörjningsstöd": ("fs",), "Introduktionsersättning": ("intro", "ie")}),
        Column("enrolled", "Inskriven", "date", "Inskrivningsdatum.", required=True,
               aliases=("Inskrivningsdatum", "Inskriven datum")),
        Column("exited", "Utskriven", "date", "Utskrivningsdatum; tomt så länge personen är inskriven.",
               aliases=("Utskrivningsdatum", "Utskriven datum")),
        Column("reason", "Utskrivningsorsak", "code",
               "Orsak till utskrivning, 1-5; krävs när Utskriven är ifylld, annars tom.",
               aliases=("Orsak",), codes=REASONS, listed=tuple(REASON_LABELS.values())),
        Column("follow_up", "Uppföljning 90 dagar", "code",
               "Situationen 90 dagar efter utskrivning; tom tills uppföljningen är gjord.",
               aliases=("Uppföljning 90 dgr", "Uppföljning"),
               codes={"Arbete": (), "Studier": (), "Annat": (), "Ej nådd": ("ej nadd",)}),
        Column("coach", "Coach", "text", "Ansvarig coach (frivillig).", aliases=("Handledare",)),
    ),
    "En rad per inskrivning.",
)

PERIODER = Sheet(
    "Perioder",
    (
        Column("start", "Från", "date", "Periodens första dag.", required=True,
               aliases=("Fr.o.m.", "From")),
        Column("end", "Till", "date", "Periodens sista dag.", required=True,
               aliases=("T.o.m.", "Tom")),
    ),
    "Rapportperioderna som avtalats med ESF-rådet, i ordning och utan glapp.",
)

CONTACT_TYPES = ("Företag", "Landsting", "Egen kommun", "Annan kommun",
                 "Frivillig organisation", "Övrig")

KONTAKTER = Sheet(
    "Arbetsgivarkontakter",
    (
        Column("date", "Datum", "date", "Datum för kontakten.", required=True),
        Column("organisation", "Organisation", "text", "Arbetsgivarens namn.", required=True,
               aliases=("Arbetsgivare",)),
        Column("type", "Typ", "code", "Typ av arbetsgivare.", required=True,
               codes={t: () for t in CONTACT_TYPES}),
    ),
    "En rad per kontakt med en arbetsgivare.",
    may_be_empty=True,
)

PROJEKT = Sheet(
    "Projekt",
    (
        Column("item", "Uppgift", "text", "Uppgiftens namn.", required=True),
        Column("value", "Värde", "text", "Uppgiftens värde.", required=True),
        Column("note", "Förklaring", "text", "Vad uppgiften är (mallen fyller i den; den läses inte).",
               aliases=("Kommentar", "Beskrivning")),
    ),
    "Projektets uppgifter och kvantifierade mål, en per rad.",
)


@dataclass(frozen=True)
class ProjectItem:
    """One row of the `Projekt` sheet."""

    key: str
    label: str
    kind: Literal["text", "date", "count", "share"]
    example: str
    required: bool = True  # a goal of ESF+ is optional: without it, Resultat shows the outcome alone


PROJECT_ITEMS = (
    ProjectItem("name", "Projektnamn", "text", "Navigator"),
    ProjectItem("case_number", "Diarienummer", "text", "2008-3040063"),
    ProjectItem("owner", "Projektägare", "text", "Krokoms kommun"),
    ProjectItem("start", "Projektstart", "date", "2008-05-01"),
    ProjectItem("end", "Projektslut", "date", "2011-04-30"),
    ProjectItem("goal_enrolled", "Mål deltagare", "count", "135"),
    ProjectItem("goal_young", "Mål ungdomar 16-24 år", "count", "60"),
    ProjectItem("goal_domestic_adults", "Mål inrikesfödda 25-64 år", "count", "25"),
    ProjectItem("goal_foreign", "Mål utrikesfödda", "count", "50"),
    ProjectItem("goal_women_share", "Mål andel kvinnor", "share", "50 %"),
    ProjectItem("goal_work_or_studies_share", "Mål arbete eller studier vid utskrivning", "share", "70 %"),
    ProjectItem("goal_work_90_share", "Mål i arbete 90 dagar efter utskrivning", "share", "28 %"),
    ProjectItem("goal_employer_contacts", "Mål arbetsgivarkontakter", "count", "60"),
)

SHEETS = (DELTAGARE, PROJEKT, PERIODER, KONTAKTER)  # the 2007-2013 register, in the template's order


# --- ESF+ 2021-2027: the common indicators of Regulation (EU) 2021/1057, Annex I ----------------

YES_NO = {"Ja": (), "Nej": ()}
YES_NO_DECLINED = {"Ja": (), "Nej": (), "Vill ej svara": ()}
GENDER_PLUS = Column(
    "gender", "Kön", "code", "Kön: K (kvinna), M (man) eller Ickebinär.", required=True, at_entry=True,
    codes={"K": ("kv", "kvinna", "kvinnor", "k"), "M": ("m", "man", "män"),
           "Ickebinär": ("X", "NB", "icke-binär", "icke binär")},
)
UNKNOWN_SITUATION = "Okänd"  # counted beside the indicators, with an empty one, as not known
EXIT_SITUATIONS = {"Arbete": (), "Studier": (), "Arbetssökande": (), "Annat": (), UNKNOWN_SITUATION: ()}
LABOUR_STATUS = Column(
    "labour_status", "Arbetsmarknadsstatus", "code", "Ställning på arbetsmarknaden vid inträdet.",
    required=True, at_entry=True,
    codes={"Arbetslös": (), "Långtidsarbetslös": (), "Inaktiv": (), "Sysselsatt": ("Egenföretagare",)},
    listed=("Arbetslös", "Långtidsarbetslös", "Inaktiv", "Sysselsatt", "Egenföretagare"))
# what the template's dropdown offers: each level with its Swedish words (a list validation's values hold no comma)
EDUCATION_WORDS = {"ISCED 0-2": "ISCED 0-2 (högst grundskola)",
                   "ISCED 3-4": "ISCED 3-4 (gymnasium eller kortare eftergymnasial)",
                   "ISCED 5-8": "ISCED 5-8 (högskola eller universitet)"}
EDUCATION = Column(
    "education", "Utbildningsnivå", "code",
    "Högsta avslutade utbildning vid inträdet: ISCED 0-2 grundskola eller kortare, ISCED 3-4 gymnasium eller "
    "eftergymnasial utbildning kortare än två år, ISCED 5-8 högskola eller universitet.",
    required=True, at_entry=True,
    codes={"ISCED 0-2": ("Förgymnasial", EDUCATION_WORDS["ISCED 0-2"]),
           "ISCED 3-4": ("Gymnasial", "Eftergymnasial kortare än 2 år", EDUCATION_WORDS["ISCED 3-4"]),
           "ISCED 5-8": ("Eftergymnasial", "Högskola", EDUCATION_WORDS["ISCED 5-8"])},
    listed=tuple(EDUCATION_WORDS.values()))
ENTRY_QUESTIONS = (
    Column("disability", "Funktionsnedsättning", "code", "Har deltagaren en funktionsnedsättning?",
           required=True, at_entry=True, codes=YES_NO_DECLINED),
    Column("citizenship", "Medborgarskap", "code", "Medborgarskap vid inträdet.", required=True, at_entry=True,
           codes={"Sverige": (), "EU/EES": (), "Tredjeland": (), "Statslös": ()}),
    Column("foreign_background", "Utländsk bakgrund", "code", "Har deltagaren utländsk bakgrund?",
           required=True, at_entry=True, codes=YES_NO),
    Column("minority", "Minoritet", "code", "Tillhör deltagaren en minoritet (inklusive marginaliserade grupper "
           "som romer)?", required=True, at_entry=True, codes=YES_NO_DECLINED),
    Column("homeless", "Hemlöshet", "code", "Hemlös eller utestängd från bostadsmarknaden?", required=True,
           at_entry=True, codes=YES_NO),
    Column("rural", "Landsbygd", "code", "Bor deltagaren i ett landsbygdsområde?", required=True, at_entry=True,
           codes=YES_NO),
)
EXIT_SITUATION = Column(
    "exit_situation", "Situation vid avslut", "code",
    "Situationen när deltagaren lämnar insatsen; krävs 28 dagar efter Utskriven, tom utan Utskriven.",
    codes=EXIT_SITUATIONS)
QUALIFICATION = Column(
    "qualification", "Kvalifikation vid avslut", "code",
    "Ja om deltagaren fått en kvalifikation: ett formellt resultat av en bedömning och validering av ett behörigt "
    "organ (ett intyg om deltagande räknas inte). Fylls i med Situation vid avslut.", codes=YES_NO)
SITUATION_6M = Column(
    "situation_6m", "Situation 6 månader", "code",
    "Situationen sex månader efter utskrivningen; tom tills uppföljningen är gjord.",
    codes={"Arbete": (), "Ej arbete": (), "Okänd": ()})
IMPROVED_6M = Column(
    "improved_6m", "Förbättrad situation 6 månader", "code",
    "Bara för den som var sysselsatt vid inträdet. Ja vid byte från osäker till stadigvarande anställning, från "
    "undersysselsättning till heltid, till ett arbete som kräver högre kompetens eller vid befordran (inte bara "
    "högre lön).", codes=YES_NO)

_D = {c.key: c for c in DELTAGARE.columns}
DELTAGARE_PLUS = Sheet(
    "Deltagare",
    (_D["person_id"], GENDER_PLUS, _D["birth_date"], _D["enrolled"], _D["exited"], LABOUR_STATUS, EDUCATION,
     *ENTRY_QUESTIONS, EXIT_SITUATION, QUALIFICATION, SITUATION_6M, IMPROVED_6M, _D["coach"]),
    "En rad per inskrivning. Uppgifterna vid inträdet fylls i på personens första inskrivning.",
)

# `Projekt` under ESF+: the project's facts, and a goal per indicator where the project has one
PLUS_INDICATOR_CODES = tuple(f"EECO{n:02d}" for n in range(1, 18)) + tuple(f"EECR{n:02d}" for n in range(1, 7))
ORGANISATION_CODES = ("EECO18", "EECO19")  # the entity indicators: organisations supported, not persons
GOAL_CODES = PLUS_INDICATOR_CODES[:17] + ORGANISATION_CODES + PLUS_INDICATOR_CODES[17:]  # Annex I's order
PLUS_EXAMPLES = {"name": "Kompetens i Jämtland", "case_number": "2024/00123", "owner": "Region Jämtland Härjedalen",
                 "start": "2024-01-01", "end": "2026-12-31"}  # today's programme, not 2009's
PLUS_PROJECT_ITEMS = tuple(replace(item, example=PLUS_EXAMPLES[item.key]) for item in PROJECT_ITEMS[:5]) + (
    ProjectItem("programme", "Programperiod", "text", "2021-2027"),) + tuple(
    ProjectItem(f"goal_{code}", f"Mål {code}", "count", "100" if code.startswith("EECO0") else "20", required=False)
    for code in GOAL_CODES)

# --- Organisationer (ESF+): the organisations supported, for EECO18 and EECO19 ---------------

PUBLIC_ADMINISTRATION = "Offentlig förvaltning"
SMALL_AND_MEDIUM = ("Mikroföretag", "Litet företag", "Medelstort företag")
ORGANISATION_TYPES = {PUBLIC_ADMINISTRATION: ("Kommun", "Region", "Myndighet", "Offentlig"),
                      **{kind: () for kind in SMALL_AND_MEDIUM}, "Stort företag": (), "Ideell organisation": (),
                      "Annan": ()}
ORGANISATIONER = Sheet(
    "Organisationer",
    (
        Column("org_number", "Organisationsnummer", "id",
               "Organisationsnumret, NNNNNN-NNNN eller tio siffror; den sista siffran är en kontrollsiffra.",
               required=True, aliases=("Org.nr", "Orgnr", "Org nr", "Organisationsnr")),
        Column("name", "Namn", "text", "Organisationens namn.", required=True,
               aliases=("Organisation", "Organisationsnamn")),
        Column("type", "Typ", "code",
               "Typ av organisation. Offentlig förvaltning räknas i EECO18; mikroföretag, små och medelstora "
               "företag i EECO19.", required=True, codes=ORGANISATION_TYPES),
        Column("first_support", "Första stöd", "date", "Dagen då projektet första gången gav organisationen stöd.",
               required=True, aliases=("Första stödet", "Datum för första stöd", "Första stöddatum")),
    ),
    "En rad per organisation som fått stöd (en rad per tillfälle går också). Frivilligt blad: behövs när "
    "projektet ger stöd till organisationer, till exempel kompetensutveckling för anställda.",
    may_be_empty=True,
    optional=True,
)


# --- the profiles ----------------------------------------------------------------------------

PROFILE_ITEM = "Programperiod"  # the optional `Projekt` item that chooses the profile


@dataclass(frozen=True)
class Profile:
    """A programme period's register: its sheets (in the template's order) and `Projekt` items."""

    name: str  # as `Programperiod` states it
    sheets: tuple[Sheet, ...]
    items: tuple[ProjectItem, ...]
    title: str  # what the report is called

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def deltagare(self) -> Sheet:
        return self.sheets[0]


ESF_2007 = Profile("2007-2013", SHEETS, PROJECT_ITEMS, "ESF-lägesrapport")
ESF_PLUS = Profile("2021-2027", (DELTAGARE_PLUS, PROJEKT, PERIODER, ORGANISATIONER), PLUS_PROJECT_ITEMS,
                   "ESF+ indikatorer")
PROFILES = {profile.name: profile for profile in (ESF_2007, ESF_PLUS)}
DEFAULT_PROFILE = ESF_2007  # a register without Programperiod: every register written before ESF+


def _read_as() -> Sheet:
    """`Deltagare` as the reader maps it: every column of every profile, a header required where every
    profile requires it (the header row is found by those); which columns a register must have is
    validation's to say, once it knows the profile."""
    columns: dict[str, Column] = {}
    for profile in PROFILES.values():
        for column in profile.deltagare.columns:
            columns.setdefault(column.key, column)
    everywhere = {key for key in columns
                  if all(any(c.key == key and c.required for c in p.deltagare.columns) for p in PROFILES.values())}
    return Sheet(DELTAGARE.name, tuple(replace(c, required=c.key in everywhere) for c in columns.values()),
                 DELTAGARE.description)


READ_SHEETS = (_read_as(), PROJEKT, PERIODER, KONTAKTER, ORGANISATIONER)  # what the reader looks for in any register


def column_reference_markdown() -> str:
    """The README's tables of register columns, one per profile, generated from the declarations above."""
    lines = ["Descriptions are in Swedish, as the template shows them to coaches. Codes are matched "
             "ignoring case and spaces.", ""]
    for profile in PROFILES.values():
        lines += [f"### Programperiod {profile.name}", ""]
        lines += _profile_markdown(profile)
    return "\n".join(lines) + "\n"


def _profile_markdown(profile: Profile) -> list[str]:
    lines = []
    for sheet in profile.sheets:
        optional = " (optional)" if sheet.optional else ""
        lines += [f"#### Sheet `{sheet.name}`{optional}", "", sheet.description, "",
                  "| column | required | accepted values | description |", "|---|---|---|---|"]
        for column in sheet.columns:
            accepted = column.expected_text()
            if column.kind == "code":
                accepted = "; ".join(
                    f"`{code}`" + (f" (also {', '.join(f'`{v}`' for v in variants)})" if variants else "")
                    for code, variants in column.codes.items())
            aliases = f" (also {', '.join(f'`{a}`' for a in column.aliases)})" if column.aliases else ""
            required = "first enrolment" if column.at_entry else "yes" if column.required else "no"
            lines.append(f"| `{column.header}`{aliases} | {required} "
                         f"| {accepted} | {column.description} |")
        lines.append("")
    lines += ["Rows of `Projekt` (`Uppgift` → `Värde`):", "",
              "| Uppgift | kind | required | example |", "|---|---|---|---|"]
    lines += [f"| `{item.label}` | {item.kind} | {'yes' if item.required else 'no'} | {item.example} |" for item in profile.items]
    return lines + [""]
