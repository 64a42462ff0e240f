"""The packaging files of the repository, read as the tools that use them read them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
# Where the Dockerfile puts the repository in the image.
IMAGE_ROOT = "/app"
SERVE = ["-m", "hitl_project.serve"]


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def app_services(compose: dict) -> dict[str, dict]:
    """The services running this repository's image (the others: PostgreSQL, Redis, nginx)."""
    return {name: service for name, service in compose["services"].items() if "build" in service}


def run_entrypoint(
    bin_dir: Path, *args: str, env: dict[str, str] | None = None, real_python: bool = False
) -> subprocess.CompletedProcess[str]:
    """docker/entrypoint.sh as the image runs it, `python` being a stub that prints its
    arguments one a line, or (`real_python`) this interpreter."""
    stub = bin_dir / "python"
    bin_dir.mkdir(parents=True, exist_ok=True)
    body = f'exec "{sys.executable}" "$@"' if real_python else 'printf "%s\\n" "$@"'
    stub.write_text(f"#!/bin/sh\n{body}\n")
    stub.chmod(0o755)
    return subprocess.run(
        [str(ENTRYPOINT), *args],
        env={"PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]), **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
    )


def process_of(bin_dir: Path, command: list[str]) -> list[str]:
    """The python arguments a container started with this command runs."""
    result = run_entrypoint(bin_dir, *command)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def web_services(compose: dict, bin_dir: Path) -> dict[str, dict]:
    return {
        name: service
        for name, service in app_services(compose).items()
        if process_of(bin_dir, service.get("command", []))[:2] == SERVE
    }
