"""compose.yaml: valid Compose, and a deployment that holds together (README "Deploying")."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess

import jsonschema
import pytest
from django.conf import settings

from hitl_project.serve import EXIT_GRACE_SECONDS
from tests.test_settings_documented import read_by_settings

from .repo import IMAGE_ROOT, ROOT, app_services, load_compose, process_of, web_services

SCHEMA = ROOT / "tests" / "packaging" / "compose-spec.json"  # origin: README.md beside it


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


def schema_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_it_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_the_schema_check_catches_a_mistake(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["depends_on"]["migrate"]["condition"] = "service_completed"

    assert schema_errors(broken)


def test_it_runs_every_process_of_the_procfile(compose, tmp_path):
    in_procfile = {
        tuple(line.split(":", 1)[1].split()[1:3])
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.strip()
    }
    in_compose = {
        tuple(process_of(tmp_path, service.get("command", []))[:2])
        for service in app_services(compose).values()
    }

    assert in_procfile <= in_compose
    assert ("manage.py", "migrate") in in_compose


def test_two_web_processes(compose, tmp_path):
    assert len(web_services(compose, tmp_path)) == 2


def test_everything_starts_after_the_migrations(compose, tmp_path):
    services = app_services(compose)
    (migrate,) = [
        name
        for name, service in services.items()
        if process_of(tmp_path, service["command"])[:2] == ["manage.py", "migrate"]
    ]
    # A one-shot: restarted whenever it ends, it would never count as completed.
    assert services[migrate].get("restart", "no") == "no"
    assert services[migrate]["depends_on"]["db"] == {"condition": "service_healthy"}
    for name, service in services.items():
        if name != migrate:
            assert service["depends_on"][migrate] == {
                "condition": "service_completed_successfully"
            }, name


def test_web_processes_are_ready_before_the_proxy_sends_them_traffic(compose, tmp_path):
    webs = web_services(compose, tmp_path)
    proxy = compose["services"]["proxy"]

    for name, service in webs.items():
        # The entrypoint's `ready`: /readyz answers 200 (test_entrypoint.py).
        assert service["healthcheck"]["test"] == [
            "CMD",
            f"{IMAGE_ROOT}/docker/entrypoint.sh",
            "ready",
        ], name
        assert proxy["depends_on"][name] == {"condition": "service_healthy"}


def duration(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h)", value))


def test_web_processes_may_finish_their_requests_when_stopped(compose, tmp_path):
    for name, service in web_services(compose, tmp_path).items():
        timeout = float(service["environment"].get("SHUTDOWN_TIMEOUT", settings.SHUTDOWN_TIMEOUT))
        # Docker's default is 10 s, then SIGKILL: requests in flight would be cut.
        assert duration(service["stop_grace_period"]) >= timeout + EXIT_GRACE_SECONDS, name


def test_web_processes_share_the_uploads(compose, tmp_path):
    mounts = set()
    for service in web_services(compose, tmp_path).values():
        media_root = service["environment"]["MEDIA_ROOT"]
        named = {
            volume.split(":")[0]
            for volume in service["volumes"]
            if volume.split(":")[1] == media_root
        }
        assert named and named <= set(compose["volumes"]), "MEDIA_ROOT is not a named volume"
        mounts |= named
    assert len(mounts) == 1


def test_production_settings(compose):
    for name, service in app_services(compose).items():
        environment = service["environment"]
        assert environment["DEBUG"] == "false", name
        # `:?`: compose refuses to start without a SECRET_KEY rather than run with a known one.
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"]), name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["REDIS_URL"].startswith("redis://"), name


def test_every_variable_it_sets_is_a_setting_hitl_reads(compose):
    for name, service in app_services(compose).items():
        assert set(service["environment"]) - read_by_settings() == set(), name


def compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="neither docker compose nor docker-compose")
def test_docker_compose_reads_it_and_wants_a_secret_key(tmp_path):
    # No .env of the checkout: this is about compose.yaml alone.
    empty = tmp_path / "empty.env"
    empty.write_text("")
    command = [*compose_command(), "--env-file", str(empty), "-f", str(ROOT / "compose.yaml")]

    with_key = subprocess.run(
        [*command, "config", "-q"], env=_env(SECRET_KEY="x" * 50), capture_output=True, text=True
    )
    without = subprocess.run([*command, "config", "-q"], env=_env(), capture_output=True, text=True)

    assert with_key.returncode == 0, with_key.stderr
    assert without.returncode != 0
    assert "SECRET_KEY" in without.stderr


def _env(**extra: str) -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME")}
    return {**keep, **extra}
