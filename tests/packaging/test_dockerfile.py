"""Dockerfile and .dockerignore: one image, run as a non-root user, its static files inside."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from .repo import ENTRYPOINT, IMAGE_ROOT, ROOT


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (keyword.upper(), arguments.strip())
        for keyword, arguments in re.findall(r"^(\w+)\s+(.*)$", joined, re.M)
    ]


def last(keyword: str) -> str:
    return [arguments for kind, arguments in instructions() if kind == keyword][-1]


def test_it_starts_from_python_3_11_slim():
    assert [args for kind, args in instructions() if kind == "FROM"] == ["python:3.11-slim"]


def test_the_processes_run_as_a_user_other_than_root():
    user = last("USER").split(":")[0]

    assert user not in ("", "root", "0")


def test_the_entrypoint_is_the_script_of_the_repository():
    assert last("WORKDIR") == IMAGE_ROOT
    assert json.loads(last("ENTRYPOINT")) == [f"{IMAGE_ROOT}/docker/entrypoint.sh"]
    assert json.loads(last("CMD")) == ["web"]
    assert os.access(ENTRYPOINT, os.X_OK)


def collectstatic_step() -> list[str]:
    (run,) = [args for kind, args in instructions() if kind == "RUN" and "collectstatic" in args]
    (step,) = [part for part in run.split("&&") if "collectstatic" in part]
    return shlex.split(step)


def test_static_files_are_collected_at_build_time_without_a_database():
    words = collectstatic_step()
    assignments = [word for word in words if re.fullmatch(r"[A-Z_]+=.*", word)]
    build_env = dict(assignment.split("=", 1) for assignment in assignments)
    command = words[len(assignments) :]
    assert command[:3] == ["python", "manage.py", "collectstatic"]
    assert "--noinput" in command
    # The production settings, which refuse to load without a SECRET_KEY.
    assert build_env.get("DEBUG") == "false"

    result = subprocess.run(
        [sys.executable, *command[1:], "--dry-run"],
        cwd=ROOT,
        # Only what the build gives it, and a database that cannot answer: it must not ask.
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
            **build_env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout


def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Docker's rule, for the paths asked here: a pattern matches the path or a folder of it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
        or fnmatch.fnmatch(parts[-1], pattern.removeprefix("**/"))
        for pattern in ignore_patterns()
        for prefix in prefixes
    )


@pytest.mark.parametrize("path", [".env", ".venv/bin/python", ".git/HEAD", "db.sqlite3", "media/a"])
def test_local_secrets_and_state_stay_out_of_the_image(path):
    assert ignored(path)


def test_what_the_image_runs_is_sent_to_the_build():
    needed = ["manage.py", "pyproject.toml", "docker/entrypoint.sh", "static", "templates"]
    needed += [f"{package}/__init__.py" for package in _packages()]

    assert [path for path in needed if ignored(path)] == []


def _packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.rstrip("*") for pattern in patterns]
