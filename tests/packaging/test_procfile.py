"""Procfile and `make run`: the web process listens on $PORT, 8000 unless told otherwise."""

from __future__ import annotations

import os
import subprocess

import pytest
from honcho.environ import expand_processes, parse_procfile

from .repo import ROOT


def procfile() -> dict[str, str]:
    return dict(parse_procfile((ROOT / "Procfile").read_text()).processes)


def web_port(command: str, env: dict[str, str]) -> str:
    """The -p its shell gives daphne: the command's words as sh expands them."""
    _program, arguments = command.split(" ", 1)
    printed = subprocess.run(
        ["sh", "-c", f"printf '%s\\n' {arguments}"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return printed[printed.index("-p") + 1]


@pytest.mark.parametrize("base", [8000, 8001])
def test_honcho_gives_web_its_base_port(base):
    (web,) = [p for p in expand_processes(procfile(), port=base) if p.name == "web.1"]

    assert web_port(web.cmd, {"PORT": web.env["PORT"]}) == str(base)


def test_without_port_web_listens_on_8000():
    assert web_port(procfile()["web"], {}) == "8000"


@pytest.mark.parametrize(("args", "port"), [([], "8000"), (["PORT=8001"], "8001")])
def test_make_run_hands_its_port_to_honcho(args, port):
    env = {key: value for key, value in os.environ.items() if key not in ("PORT", "MAKEFLAGS")}

    printed = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout

    (honcho,) = [line for line in printed.splitlines() if "honcho start" in line]
    assert honcho.split()[-2:] == ["-p", port]
