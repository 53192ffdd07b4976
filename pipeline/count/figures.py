"""The long form of the figures and the one lookup of a figure by its key (Tabell, Rad, Kolumn, Kön).

Every table function returns its figures in long form (`Long`: the columns
`schemas.form.FIGURE_COLUMNS` as arrays), built from arrays of counts by `block` and
`table_figures` (or given one by one to `rows_figures`); the report joins them (`joined`)
and makes `Figures` of them once, from which `Siffror` is written. A frame of them
(`figures_frame`) is made only when asked for: a frame per table cost a small register a
tenth of its counting. `Figures` answers a single figure by the names `schemas.form`
declares, so no sheet or sentence counts anything itself. A key that occurs twice is
ambiguous and is never answered (Kontroller reports it).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from schemas.form import FIGURE_COLUMNS

Block = dict[str, np.ndarray]  # a table's figures as columns Rad, Kolumn, Kön, Värde
Long = dict[str, np.ndarray]  # figures as the columns FIGURE_COLUMNS (Tabell, Rad, Kolumn, Kön, Värde), a row each


def block(counts, axes: list[tuple[str, list]], fixed: dict[str, str] | None = None) -> Block:
    """An array of counts (one axis per entry of `axes`: the column each axis fills, and its labels) as
    long rows, in the array's order (the first axis slowest), with `fixed` columns set throughout."""
    counts = np.asarray(counts, dtype="float64")
    n = counts.size
    columns: Block = {}
    repeat = n
    for (column, labels), size in zip(axes, counts.shape):
        repeat //= size
        columns[column] = np.tile(np.repeat(np.asarray(labels, dtype=object), repeat), n // (size * repeat))
    for column, value in (fixed or {}).items():
        columns[column] = np.full(n, value, dtype=object)
    columns["Värde"] = counts.reshape(-1)
    return columns


def table_figures(table: str, blocks: list[Block]) -> Long:
    """One table's figures: its blocks joined."""
    n = sum(len(b["Värde"]) for b in blocks)
    return {column: np.full(n, table, dtype=object) if column == "Tabell"
            else np.concatenate([b[column] for b in blocks]) for column in FIGURE_COLUMNS}


def rows_figures(table: str, rows: list[tuple]) -> Long:
    """Figures given one by one, (Rad, Kolumn, Kön, Värde), as one table's (none: an empty one)."""
    rad, kolumn, kon, value = zip(*rows) if rows else ((), (), (), ())
    return table_figures(table, [{"Rad": np.array(rad, dtype=object), "Kolumn": np.array(kolumn, dtype=object),
                                  "Kön": np.array(kon, dtype=object), "Värde": np.array(value, dtype="float64")}])


def joined(parts: list[Long]) -> Long:
    """Several tables' figures as one long form, in their order."""
    return {column: np.concatenate([part[column] for part in parts]) for column in FIGURE_COLUMNS}


def figures_frame(figures: Long) -> pd.DataFrame:
    """The figures as a frame, as `Report.figures` holds them; the long form's columns are in their order, so
    pandas takes the dict as it is (naming the columns costs a reindex)."""
    return pd.DataFrame(figures)


Key = tuple[str, str, str, str]  # Tabell, Rad, Kolumn, Kön ("" for kv and m together)


class Figures:
    """The report's figures, made once per report from the long form: each answered by its key, and all of
    them as plain rows for the checks and the text (a report has the same few hundred figures whatever the
    register's size, so plain Python beats a pandas call per question)."""

    def __init__(self, figures: "Long | pd.DataFrame"):
        values = np.asarray(figures["Värde"], dtype="float64").tolist()
        keys = list(zip(figures["Tabell"].tolist(), figures["Rad"].tolist(), figures["Kolumn"].tolist(),
                        figures["Kön"].tolist()))
        self.rows: list[tuple[str, str, str, str, float]] = [(*key, v) for key, v in zip(keys, values)]
        counts = Counter(keys)
        twice = {key for key, n in counts.items() if n > 1}
        self.keys_twice = len(keys) - len(counts)  # rows whose key an earlier row already has
        self._values: dict[Key, float] = {key: v for key, v in zip(keys, values) if key not in twice}

    @classmethod
    def of(cls, figures: "Figures | Long | pd.DataFrame") -> "Figures":
        return figures if isinstance(figures, Figures) else cls(figures)

    def __call__(self, table: str, row: str, column: str, gender: str = "") -> float:
        """The figure; KeyError if the report has no such figure (or has it twice)."""
        return self._values[(table, row, column, gender)]

    def get(self, table: str, row: str, column: str, gender: str = "") -> float | None:
        """The figure, or None where the report has none (a goal that is not set)."""
        return self._values.get((table, row, column, gender))

    def columns(self, table: str, row: str) -> list[str]:
        """The columns of one row of a table, in the order of the figures."""
        return list(dict.fromkeys(c for t, r, c, _, _ in self.rows if t == table and r == row))


def pair_columns(figures: "Figures | Long | pd.DataFrame", table) -> list[str]:
    """A pair table's (`schemas.form.PairTable`) columns, in order: those of its per-gender sum row."""
    return Figures.of(figures).columns(table.name, table.sum_gender)
