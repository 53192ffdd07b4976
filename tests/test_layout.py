"""The code's layout: data flows one way, read → check → count → write, and each room imports only
from the rooms before it (and from the shared `pipeline.period`, `pipeline.problems` and `schemas`)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

ROOMS = ["read", "check", "count", "write"]
SHARED = {"pipeline", "pipeline.period", "pipeline.problems"}


def imports(path: Path) -> set[str]:
    """Every `pipeline...` module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found |= {f"{node.module}.{a.name}" if node.module in ("pipeline", *(f"pipeline.{r}" for r in ROOMS))
                      else node.module for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pipeline")}
    return found


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def test_each_room_imports_only_the_rooms_before_it():
    wrong = []
    for own, room in enumerate(ROOMS):
        for path in sorted((ROOT / "pipeline" / room).glob("*.py")):
            for module in imports(path):
                other = room_of(module)
                if module in SHARED or (other is not None and ROOMS.index(other) <= own):
                    continue
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_only_the_counting_room_imports_the_tables():
    users = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "pipeline").rglob("*.py"))
             if "pipeline.count.tables" in imports(p) and p.parent.name not in ("count", "tools")]
    assert users == []


def test_the_entry_points_stay_thin():
    cli = (ROOT / "pipeline" / "cli.py").read_text(encoding="utf-8")
    assert len(cli.splitlines()) < 150
    allowed = {"pipeline.run", "pipeline.web.serving", "pipeline.web", "pipeline.problems", "pipeline.console", "pipeline.read.loading",
               "pipeline.tools.sample", "pipeline.tools.docs"}
    assert imports(ROOT / "pipeline" / "cli.py") <= allowed
