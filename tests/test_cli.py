"""The ``attain`` console script end to end: migrate, load the demo, serve it, log in over HTTP.

Runs the installed script in subprocesses against a throw-away SQLite file, as a newcomer would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

ATTAIN = Path(sys.executable).with_name("attain")
STATIC_DIR = Path(__file__).resolve().parent.parent / "src" / "attain" / "static"

pytestmark = pytest.mark.skipif(not ATTAIN.exists(), reason="the attain console script is not installed")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("attain-cli")


@pytest.fixture(scope="module")
def env(workdir: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{workdir / 'attain.sqlite3'}",
        DJANGO_SETTINGS_MODULE="attain.settings.base",
        ATTAIN_VAR_DIR=str(workdir / "var"),
        PYTHONWARNINGS="ignore",
    )
    return environment


def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ATTAIN), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo(env: dict[str, str]) -> dict[str, object]:
    migrate = run(env, "migrate", "--no-input")
    assert migrate.returncode == 0, migrate.stderr
    loaded = run(env, "demo", "--size", "small", "--format", "json")
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout)


@pytest.fixture(scope="module")
def server(env: dict[str, str], demo: dict[str, object]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(ATTAIN), "serve", "--port", str(port), "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"attain serve did not start: {output}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_demo_json(demo: dict[str, object]) -> None:
    assert demo["created"] is True
    assert demo["password"] == "attain-demo"
    logins = demo["logins"]
    assert isinstance(logins, list)
    kinds = {login["kind"] for login in logins}
    assert {"admin", "director", "hr", "finance", "region_manager", "team_manager", "rep"} <= kinds
    counts = demo["counts"]
    assert isinstance(counts, dict)
    assert counts["teams"] == 6
    assert counts["reps"] == 30


def test_demo_again_does_nothing(env: dict[str, str], demo: dict[str, object]) -> None:
    again = run(env, "demo", "--size", "small", "--format", "json")
    assert again.returncode == 0, again.stderr
    payload = json.loads(again.stdout)
    assert payload["created"] is False
    assert payload["logins"] == demo["logins"]


def request(
    base: str, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One HTTP request to the test server: (status, headers, body bytes)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_serve_login_page_static_files_and_a_demo_login(server: str, demo: dict[str, object]) -> None:
    status, _headers, _body = request(server, "GET", "/static/admin/css/base.css")
    assert status == 200
    vendored = sorted(
        path
        for path in (STATIC_DIR / "vendor").rglob("*")
        if path.is_file() and path.suffix in {".js", ".css"} and "__pycache__" not in path.parts
    )
    if vendored:
        relative = vendored[0].relative_to(STATIC_DIR).as_posix()
        status, _headers, body = request(server, "GET", f"/static/{relative}")
        assert status == 200, relative
        assert body == vendored[0].read_bytes()

    # Log in as the demo director through the real login form.
    status, headers, page = request(server, "GET", "/accounts/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode())
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
    assert token is not None
    assert cookie is not None
    logins = {login["kind"]: login for login in demo["logins"]}  # type: ignore[attr-defined]
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": logins["director"]["username"],
            "password": demo["password"],
        }
    )
    status, headers, _body = request(
        server,
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie.group(1)}",
            "Referer": f"{server}/accounts/login/",
        },
    )
    assert status == 302
    assert "/accounts/login/" not in headers["Location"]


def test_serve_refuses_an_unmigrated_database(env: dict[str, str], workdir: Path) -> None:
    fresh = dict(env, DATABASE_URL=f"sqlite:///{workdir / 'empty.sqlite3'}")
    result = run(fresh, "serve", "--port", str(free_port()), timeout=30)
    assert result.returncode == 1
    assert "attain migrate" in result.stderr
