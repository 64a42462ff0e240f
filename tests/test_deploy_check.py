"""`manage.py check --deploy` finds nothing to warn about in README's production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def documented_production_settings() -> dict[str, str]:
    """The first code block of README's "Deploying": the settings every deployment sets."""
    section = (ROOT / "README.md").read_text().split("\n## Deploying\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", block, re.M))


def test_the_documented_settings_are_the_production_ones():
    documented = documented_production_settings()

    assert documented["DEBUG"] == "false"
    assert documented["SECURE"] == "true"
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(documented)


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
    }
    env.update(documented_production_settings())
    # What stands for a real value in the README: a key of the length asked for, no services.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    del env["REDIS_URL"]
    env["MEDIA_ROOT"] = str(tmp_path / "media")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
