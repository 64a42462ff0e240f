"""Production settings: cookies are locked down, and no secret key means no start
(tests/test_deploy_check.py runs Django's deployment checks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 30 + "a-production-like-secret-key-0123456789",
    "ALLOWED_HOSTS": "hitl.example.com",
    "SECURE": "true",
}


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_cookies_are_secure_and_http_only_in_production():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = run("shell", "-c", code)

    assert result.stdout.split()[-3:] == ["True", "True", "True"], result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    env = {**os.environ, **PRODUCTION}
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
