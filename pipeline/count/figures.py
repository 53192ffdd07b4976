"""The one lookup of a figure by its key (Tabell, Rad, Kolumn, Kön), for the checks, the text and the writer.

Every table function returns its figures in long form (`schemas.form.FIGURE_COLUMNS`); the
report joins them into one frame (`Siffror`). `Figures` answers a single figure by the
names `schemas.form` declares, so no sheet or sentence counts anything itself. A key that
occurs twice is ambiguous and is never answered (Kontroller reports it).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

Key = tuple[str, str, str, str]  # Tabell, Rad, Kolumn, Kön ("" for kv and m together)


class Figures:
    def __init__(self, figures: pd.DataFrame):
        keys = list(zip(figures["Tabell"], figures["Rad"], figures["Kolumn"], figures["Kön"]))
        twice = {key for key, n in Counter(keys).items() if n > 1}
        self._values: dict[Key, float] = {key: float(v) for key, v in zip(keys, figures["Värde"]) if key not in twice}

    def __call__(self, table: str, row: str, column: str, gender: str = "") -> float:
        """The figure; KeyError if the report has no such figure (or has it twice)."""
        return self._values[(table, row, column, gender)]

    def get(self, table: str, row: str, column: str, gender: str = "") -> float | None:
        """The figure, or None where the report has none (a goal that is not set)."""
        return self._values.get((table, row, column, gender))


def pair_columns(figures: pd.DataFrame, table) -> list[str]:
    """A pair table's (`schemas.form.PairTable`) columns, in order: those of its per-gender sum row."""
    sums = figures[(figures["Tabell"] == table.name) & (figures["Rad"] == table.sum_gender)]
    return list(dict.fromkeys(sums["Kolumn"]))
