"""`jiuzhu serve`: gunicorn workers on Linux, waitress where there is no fork; both hand the
proxy headers to the platform, which decides whom to trust."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

SRC = Path(__file__).resolve().parents[2] / "src"


def test_without_fork_waitress_serves_and_keeps_the_forwarded_headers(monkeypatch):
    monkeypatch.delattr(os, "fork")
    with mock.patch("waitress.serve") as waitress_serve:
        call_command("serve", "--port", "8123", "--threads", "4")

    options = waitress_serve.call_args.kwargs
    # Waitress's default (True) dropped X-Forwarded-For: every client behind the proxy
    # shared one sign-in throttle (bench/bench_login.py found it).
    assert options["clear_untrusted_proxy_headers"] is False
    assert (options["host"], options["port"], options["threads"]) == ("127.0.0.1", 8123, 4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn needs fork")
@pytest.mark.parametrize("threads", ["1", "2"])  # sync workers (the default), threaded ones
def test_two_workers_answer_pages_and_static_files(tmp_path, threads):
    port = _free_port()
    log = tmp_path / "requests.log"
    env = dict(
        os.environ,
        PYTHONPATH=str(SRC),
        JIUZHU_DEBUG="1",
        JIUZHU_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="jiuzhu.settings",
    )
    env.pop("DATABASE_URL", None)  # the login page reads no table
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jiuzhu",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            threads,
            "--request-log",
            str(log),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert status == 200
        assert "登录" in body.decode()
        assert _get(f"http://127.0.0.1:{port}/static/favicon.svg")[0] == 200
        # Requests from many connections at once until both workers have answered.
        pids: set[str] = set()
        while len(pids) < 2 and time.monotonic() < deadline:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(_get, [f"http://127.0.0.1:{port}/login/"] * 16))
            pids = set(re.findall(r"^<(\d+)>", log.read_text(), re.MULTILINE))
        assert len(pids) == 2
        workers = {str(pid) for pid in _children(server.pid)}
        assert pids == workers
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
