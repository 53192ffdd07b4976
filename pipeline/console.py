"""What the terminal shows: argparse in Swedish, and output that never fails on a character.

A Windows console, or output redirected there, writes in code page 850 or 1252; a character
the code page lacks (a dash, a letter of another language, an emoji a coach typed) is
printed as a look-alike or `?` instead of raising `UnicodeEncodeError`.
"""

from __future__ import annotations

import argparse
import codecs
import re
import sys
from pathlib import Path

from pipeline.problems import UsageError

INSTALLED_NAME = "esf-rapport"

def program_name() -> str:
    """How the user started the tool: the installed command, or `python -m pipeline` in a checkout."""
    return INSTALLED_NAME if Path(sys.argv[0]).stem.lower() == INSTALLED_NAME else "python -m pipeline"


class SwedishFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="Användning: " if prefix is None else prefix)


class SwedishParser(argparse.ArgumentParser):
    """argparse with Swedish headings, help flag and errors (argparse's own words are English)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", SwedishFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title, self._optionals.title = "argument", "val"
        self.add_argument("-h", "--help", action="help", help="visa den här hjälpen och avsluta")

    def error(self, message: str):
        for english, swedish in ARGPARSE_WORDS:
            message = re.sub(english, swedish, message)
        raise UsageError(f"Felaktigt kommando: {message}. Se '{self.prog.split(' report')[0].split(' batch')[0]} "
                         "--help'.")


ARGPARSE_WORDS = [  # argparse's own error messages, in Swedish
    (r"argument KOMMANDO: invalid choice: (.*) \(choose from (.*)\)", r"kommandot \1 finns inte (välj bland \2)"),
    (r"the following arguments are required: (.*)", r"det här saknas: \1"),
    (r"unrecognized arguments: (.*)", r"okända argument: \1"),
    (r"argument (\S+): expected one argument", r"\1 ska följas av ett värde"),
    (r"argument (\S+): invalid int value: (.*)", r"\1 ska vara ett heltal, inte \2"),
]


LOOKALIKES = {"\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2212": "-", "\u2026": "...", "\u2018": "'",
              "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2264": "<=", "\u2265": ">=", "\u2192": "->",
              "\u00a0": " ", "\u202f": " ", "\u20ac": "EUR"}
CONSOLE_ERRORS = "esf-konsol"


def _lookalike(error: UnicodeError):
    """A character the console's code page lacks: a look-alike of it, or ? (never an encoding error)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unshown = error.object[error.start:error.end]
    return "".join(LOOKALIKES.get(c, "?") for c in unshown), error.end


codecs.register_error(CONSOLE_ERRORS, _lookalike)


def configure_console() -> None:
    """Standard output and error never fail on a character: a Windows console or a redirected output in code
    page 850 or 1252 (or a PYTHONIOENCODING without an error handler) gets a look-alike instead."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=CONSOLE_ERRORS)
