"""A PDF copy of the ESF workbook for the diarium, printed by LibreOffice as the sheets' own print setup says.

Offices file what they send as PDF. The workbook's sheets carry their paper, orientation,
headers, footers, page breaks and print areas (`pipeline.write.style`); LibreOffice, where it
is installed, prints them to PDF headless, in a temporary folder with a profile of its own (so
that a LibreOffice the coach has open is neither used nor disturbed). Where it is not
installed, the caller is told in Swedish how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.problems import UsageError

PDF_SECONDS = 180  # LibreOffice's first start on a new profile takes a few seconds; a large report more
NO_LIBREOFFICE = ("En PDF-kopia skrivs av LibreOffice, som inte finns på den här datorn. Installera LibreOffice "
                  "(gratis från www.libreoffice.org; på en kommundator via Företagsportalen eller IT-avdelningen) "
                  "och kör igen, eller kör utan --pdf.")


class PdfFailed(Exception):
    """LibreOffice ran but wrote no PDF; the message is Swedish."""


def libreoffice() -> str | None:
    """LibreOffice's command, if it is installed: on the PATH, or where its installer puts it on Windows and
    macOS (`ESF_SOFFICE` names it, or with an empty value says there is none)."""
    named = os.environ.get("ESF_SOFFICE")
    if named is not None:
        return named or None
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    places = []
    if sys.platform == "win32":
        places = [Path(os.environ.get(v, "")) / "LibreOffice" / "program" / "soffice.exe"
                  for v in ("ProgramFiles", "ProgramFiles(x86)") if os.environ.get(v)]
    elif sys.platform == "darwin":
        places = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    return next((str(p) for p in places if p.is_file()), None)


def require_libreoffice() -> str:
    found = libreoffice()
    if found is None:
        raise UsageError(NO_LIBREOFFICE)
    return found


def workbook_pdf(name: str, content: bytes) -> bytes:
    """The workbook `content` (named `name`, an .xlsx) printed to PDF by LibreOffice."""
    soffice = require_libreoffice()
    with tempfile.TemporaryDirectory(prefix="esf-pdf-") as folder:
        source = Path(folder) / Path(name).name
        source.write_bytes(content)
        profile = Path(folder) / "profil"
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", folder, str(source)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=PDF_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired):
            pass
        printed = source.with_suffix(".pdf")
        if not printed.is_file() or printed.stat().st_size == 0:
            raise PdfFailed("LibreOffice kunde inte skriva PDF-kopian av rapporten. Rapporten finns som .xlsx; "
                            "öppna den i Excel eller LibreOffice och skriv ut den som PDF.")
        return printed.read_bytes()
