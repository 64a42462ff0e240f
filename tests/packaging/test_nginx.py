"""docker/nginx.conf: both web processes behind one address, WebSockets upgraded and kept."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.conf import settings

from . import nginx_conf
from .repo import ROOT, load_compose, web_services

CONF = ROOT / "docker" / "nginx.conf"


@pytest.fixture(scope="module")
def conf() -> nginx_conf.Directive:
    return nginx_conf.parse(CONF.read_text())


def location(conf: nginx_conf.Directive, path: str) -> nginx_conf.Directive:
    return conf.one("server").one("location", path)


def upstream_of(conf: nginx_conf.Directive, where: nginx_conf.Directive) -> nginx_conf.Directive:
    (proxy_pass,) = where.effective("proxy_pass")
    name = re.fullmatch(r"http://([\w.-]+)", proxy_pass.args[0]).group(1)
    return conf.one("upstream", name)


def test_it_balances_every_web_process_of_compose(conf, tmp_path):
    expected = {f"{name}:8000" for name in web_services(load_compose(), tmp_path)}

    for path in ("/", "/ws/"):
        servers = upstream_of(conf, location(conf, path)).all("server")
        assert {server.args[0] for server in servers} == expected, path


def test_websockets_are_upgraded(conf):
    ws = location(conf, "/ws/")
    headers = ws.headers()
    (connection_map,) = [m for m in conf.all("map") if m.args[1] == headers.get("connection")]

    assert ws.effective("proxy_http_version")[0].args == ["1.1"]
    assert headers.get("upgrade") == "$http_upgrade"
    # The client's Upgrade header present: "upgrade"; absent: no Connection header.
    assert connection_map.args[0] == "$http_upgrade"
    assert connection_map.one("default").args == ["upgrade"]
    assert connection_map.one("").args == [""]


def test_an_idle_websocket_is_kept_for_long(conf):
    ws = location(conf, "/ws/")

    for timeout in ("proxy_read_timeout", "proxy_send_timeout"):
        (directive,) = ws.effective(timeout)
        assert nginx_conf.seconds(directive.args[0]) >= 600, timeout


@pytest.mark.parametrize("path", ["/", "/ws/"])
def test_the_client_and_its_scheme_are_passed_on(conf, path):
    headers = location(conf, path).headers()

    assert headers.get("x-forwarded-proto") == "$scheme"
    # daphne --proxy-headers believes the first address: a client must not choose it.
    assert headers.get("x-forwarded-for") == "$remote_addr"
    # With the port: Django checks a form's Origin against it.
    assert headers.get("host") == "$http_host"


def test_hitl_not_nginx_refuses_a_body_too_large(conf):
    (limit,) = conf.one("server").effective("client_max_body_size")

    assert nginx_conf.size(limit.args[0]) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_it(tmp_path):
    # Upstream names resolve only inside compose's network.
    site = re.sub(r"\bweb\d+:8000\b", "127.0.0.1:8000", CONF.read_text())
    site = site.replace("listen 80;", "listen 127.0.0.1:8080;")
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp_paths}include {tmp_path / 'site.conf'};\n}}\n"
    )

    result = subprocess.run(
        ["nginx", "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr


def test_metrics_are_not_served_to_the_public(conf):
    (metrics,) = [
        where for where in conf.one("server").all("location") if where.args == ["=", "/metrics"]
    ]

    assert metrics.one("return").args == ["404"]
