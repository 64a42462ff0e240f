"""DESIGN.md's layers: agents never imports handoffs or channels_adapters; handoffs never
imports channels_adapters (adapters register their senders in handoffs/outbound.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_apps(app: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("agents", {"handoffs", "channels_adapters"}), ("handoffs", {"channels_adapters"})],
)
def test_a_layer_never_imports_the_ones_above_it(app, forbidden):
    assert imported_apps(app) & forbidden == set()
