"""Every environment variable the settings read is in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read_by_settings() -> set[str]:
    source = (ROOT / "hitl_project" / "settings.py").read_text()
    called = re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source)
    schema = re.search(r"env = environ\.Env\((.*?)\n\)", source, re.S)
    assert schema, "the Env(...) schema moved: update this test"
    declared = re.findall(r"^\s+([A-Z][A-Z0-9_]+)=", schema.group(1), re.M)
    return set(called) | set(declared)


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_every_setting_the_code_reads_is_in_the_readme():
    missing = read_by_settings() - documented()

    assert not missing, f"add to README's Configuration table: {sorted(missing)}"


def test_the_table_names_nothing_the_code_does_not_read():
    assert documented() - read_by_settings() == set()
