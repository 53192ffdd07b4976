"""The empty register for coaches to start from (`make template`), derived from `schemas.register`.

Every coded column gets a dropdown of its allowed values and every date column a
date check with a Swedish input message; the `Projekt` sheet lists its items; an
instructions sheet explains the rest. Nothing here is declared twice: headers,
lists and descriptions all come from the declarations that validation uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.write import style
from schemas.register import ESF_2007, PROFILE_ITEM, PROJEKT, Column, Profile

TEMPLATE_ROWS = 5000
HEADER_FILL = style.fill(style.HEADER)

RUN_INSTRUCTION = ("Skapa rapporten på webbsidan: starta den med esf-rapport webb (på Windows genvägen "
                   "ESF-rapport) och släpp registret där. Med kommandon: esf-rapport report REGISTERFIL, eller make "
                   "report i en kopia av verktygets källkod. Alla fel visas på en gång, med cell och förklaring.")
INSTRUCTIONS = (
    "Så fyller du i registret",
    "",
    "Deltagare: en rad per inskrivning. En person som skrivs in igen får en ny rad med samma Deltagar-ID.",
    "Välj Kön, Född, Ersättning, Utskrivningsorsak och Uppföljning 90 dagar i listorna.",
    "Datum skrivs som datum (2009-05-01). Utskriven, Utskrivningsorsak och Uppföljning lämnas tomma så länge "
    "personen är inskriven.",
    "Projekt: fyll i Värde för varje uppgift. Andelar skrivs som 70 % eller 0,7.",
    "Perioder: rapportperioderna som avtalats med ESF-rådet, i ordning och utan glapp; den första börjar på "
    "Projektstart.",
    "Arbetsgivarkontakter: en rad per kontakt. Samma organisation kan stå flera gånger.",
    "",
    RUN_INSTRUCTION,
)
PLUS_INSTRUCTIONS = (
    "Så fyller du i registret (ESF+ 2021-2027)",
    "",
    "Deltagare: en rad per inskrivning. En person som skrivs in igen får en ny rad med samma Deltagar-ID.",
    "Uppgifterna vid inträdet (Kön, Arbetsmarknadsstatus, Utbildningsnivå, Funktionsnedsättning, Medborgarskap, "
    "Utländsk bakgrund, Minoritet, Hemlöshet och Landsbygd) fylls i på personens första inskrivning. En senare "
    "inskrivning upprepar dem eller lämnar dem tomma.",
    "Situation vid avslut och Kvalifikation vid avslut fylls i när personen skrivs ut, senast 28 dagar efter "
    "Utskriven. Situation 6 månader fylls i vid uppföljningen sex månader efter utskrivningen; Förbättrad situation "
    "6 månader bara för den som var sysselsatt vid inträdet.",
    "En kvalifikation (Kvalifikation vid avslut) är ett formellt resultat av en bedömning och validering av ett "
    "behörigt organ; ett intyg om deltagande räknas inte. En förbättrad situation är ett byte från osäker till "
    "stadigvarande anställning, från undersysselsättning till heltid, till ett arbete som kräver högre kompetens "
    "eller mer ansvar, eller en befordran; bara högre lön räknas inte.",
    "Datum skrivs som datum (2024-05-01). Barn och deltagare över 64 år går bra: åldern ger bara en varning.",
    f"Projekt: {PROFILE_ITEM} ska vara 2021-2027. Målen (Mål EECO01 till Mål EECR06, Mål EECO18 och Mål EECO19) "
    "är frivilliga; kolumnen Förklaring säger vilken indikator varje mål gäller. Skriv antal för de indikatorer "
    "projektet har mål för och ta bort de andra raderna eller lämna dem tomma.",
    "Perioder: rapportperioderna i ordning och utan glapp; den första börjar på Projektstart. Vanligast är kvartal: "
    "2024-01-01 till 2024-03-31, 2024-04-01 till 2024-06-30 och så vidare.",
    "Organisationer (frivilligt blad): en rad per organisation som projektet gett stöd, till exempel en kommun vars "
    "anställda går en utbildning. Organisationsnummer skrivs 212000-1355. Varje organisation räknas en gång i "
    "EECO18 (offentlig förvaltning) eller EECO19 (mikroföretag, små och medelstora företag), efter sitt första "
    "stöd. Ta bort bladet om projektet inte ger stöd till organisationer.",
    "",
    RUN_INSTRUCTION,
)
# a date's example, and a period's, in each programme period's own years
DATE_EXAMPLE = {"2007-2013": "2009-05-01", "2021-2027": "2024-05-01"}
PERIOD_EXAMPLE = {"2007-2013": "", "2021-2027": " Vanligast är kvartal, till exempel 2024-01-01 till 2024-03-31."}


def write_template(target: Path | BinaryIO, profile: Profile = ESF_2007) -> None:
    """The template of the profile's register: its sheets, columns, dropdowns and `Projekt` items."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    info = wb.create_sheet("Instruktioner")
    for r, line in enumerate(INSTRUCTIONS if profile is ESF_2007 else PLUS_INSTRUCTIONS, start=1):
        info.cell(r, 1, line).font = Font(bold=r == 1, size=14 if r == 1 else 11)
        # a row as high as its wrapped lines (about 100 characters to a line of the 110-wide column): neither
        # Excel nor LibreOffice makes a written row higher by itself, and a long instruction was cut or overlaid
        info.row_dimensions[r].height = 20 if r == 1 else 15 * max(1, -(-len(line) // 100))
    info.column_dimensions["A"].width = 110
    for row in info.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    printable(info, profile)
    for sheet in profile.sheets:
        ws = wb.create_sheet(sheet.name)
        for c, column in enumerate(sheet.columns, start=1):
            header = ws.cell(1, c, column.header)
            header.font = Font(bold=True)
            header.fill = HEADER_FILL
            header.comment = Comment(column.description, "Mall")
            ws.column_dimensions[get_column_letter(c)].width = column_width(column)
            if sheet is not PROJEKT:
                add_validation(ws, column, get_column_letter(c), profile, sheet.name)
        ws.freeze_panes = "A2"
        printable(ws, profile)
    projekt = wb[PROJEKT.name]
    for r, item in enumerate(profile.items, start=2):
        projekt.cell(r, 1, item.label)
        value = projekt.cell(r, 2, profile.name if item.label == PROFILE_ITEM else None)
        value.alignment = Alignment(horizontal="left")
        if item.kind == "date":
            value.number_format = style.DATE_FORMAT
        projekt.cell(r, 3, item_note(item.key))
    projekt.column_dimensions["A"].width = 44
    projekt.column_dimensions["B"].width = 24
    projekt.column_dimensions["C"].width = 90
    for r, item in enumerate(profile.items, start=2):
        optional = "" if item.required else " Frivillig."
        note = item_note(item.key)
        said = f"Mål för {note}: antal sedan starten, till exempel {item.example}." if note else \
            f"Till exempel {item.example}."
        single = DataValidation(type="custom", formula1="TRUE", allow_blank=True, showInputMessage=True,
                                promptTitle=item.label, prompt=f"{said}{optional}"[:255])
        single.add(f"B{r}")
        projekt.add_data_validation(single)
    wb.save(target)


def column_width(column: Column) -> float:
    """Wide enough for the header and for what a coach writes or picks in the column."""
    content = {"text": 30, "id": 14, "date": 12}.get(column.kind, max(map(len, column.choices or [""])))
    return max(len(column.header), content) + 4


def printable(ws, profile: Profile = ESF_2007) -> None:
    """Landscape A4, one page wide, the header row on every page, each page saying what the file is."""
    style.printable_sheet(ws, f"Deltagarregister, programperiod {profile.name}", "Registermall",
                          None if ws.title == "Instruktioner" else "1:1")


def item_note(key: str) -> str | None:
    """What a `Projekt` item is, beside it in the template: a goal's indicator, by code and name."""
    from schemas import form_plus

    code = key.removeprefix("goal_")
    indicator = form_plus.BY_CODE.get(code)
    return f"{code} {indicator.label}" if indicator is not None else None


def add_validation(ws, column: Column, letter: str, profile: Profile = ESF_2007, sheet: str = "") -> None:
    cells = f"{letter}2:{letter}{TEMPLATE_ROWS}"
    if column.kind == "code":
        rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                              showErrorMessage=True, showInputMessage=True, errorTitle=column.header,
                              error=f"Välj ett värde i listan: {', '.join(column.choices)}.",
                              promptTitle=column.header, prompt=column.description)
    elif column.kind == "date":
        example = DATE_EXAMPLE[profile.name]
        quarters = PERIOD_EXAMPLE[profile.name] if sheet == "Perioder" else ""
        rule = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)",
                              formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                              showInputMessage=True,
                              errorTitle=column.header, error=f"Skriv ett datum, till exempel {example}.",
                              promptTitle=column.header,
                              prompt=f"{column.description} Skriv datumet som {example}.{quarters}"[:255])
    else:
        return
    rule.add(cells)
    ws.add_data_validation(rule)
