"""docker/entrypoint.sh: the image's commands, each one process (README "Deploying")."""

from __future__ import annotations

import pytest
from django.core.management import get_commands

from .repo import SERVE, process_of, run_entrypoint


def test_web_serves_every_interface_and_trusts_the_proxy_headers(tmp_path):
    args = process_of(tmp_path, ["web"])

    assert args[:2] == SERVE
    assert args[args.index("--bind") + 1] == "0.0.0.0"
    assert args[args.index("--port") + 1] == "8000"
    assert "--proxy-headers" in args


def test_web_is_the_default_and_listens_on_port(tmp_path):
    result = run_entrypoint(tmp_path, env={"PORT": "9000"})

    args = result.stdout.splitlines()
    assert args[:2] == SERVE
    assert args[args.index("--port") + 1] == "9000"


@pytest.mark.parametrize(
    ("command", "runs"),
    [
        (["worker"], ["manage.py", "sweep"]),
        (["deliver"], ["manage.py", "deliver"]),
        (["webhooks"], ["manage.py", "deliver"]),
        (["migrate"], ["manage.py", "migrate", "--noinput"]),
        (["manage", "check", "--deploy"], ["manage.py", "check", "--deploy"]),
        (
            ["createadmin", "--email", "ops@example.com"],
            ["manage.py", "createadmin", "--email", "ops@example.com"],
        ),
    ],
)
def test_each_command_runs_its_process(tmp_path, command, runs):
    args = process_of(tmp_path, command)

    assert args == runs
    assert args[1] in get_commands(), f"no management command {args[1]!r}"


def test_ready_succeeds_only_while_readyz_answers_200(tmp_path, httpserver):
    port = {"PORT": str(httpserver.port)}
    httpserver.expect_request("/readyz").respond_with_json({"status": "ok"})
    assert run_entrypoint(tmp_path, "ready", env=port, real_python=True).returncode == 0

    httpserver.clear()
    httpserver.expect_request("/readyz").respond_with_json({"status": "unavailable"}, status=503)
    assert run_entrypoint(tmp_path, "ready", env=port, real_python=True).returncode != 0
