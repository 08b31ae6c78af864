"""Shared fixtures: Debian's Chromium for pytest-playwright, a live ``panel serve`` of the app, and a
folder for screenshots.

Browser tests take pytest-playwright's ``page`` fixture together with ``app_server`` (the app's URL)
and are marked ``@pytest.mark.browser``; ``pytest -m "not browser"`` skips them.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_PATH = REPO_ROOT / "explorer" / "app.py"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download has no network here
SERVER_START_TIMEOUT = 60.0  # seconds; the first start compiles nothing but imports Panel and Bokeh


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system Chromium with flags for this machine."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `bash .ci/setup --browser` (installs Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",  # needed when running as root
            # The network is closed: stop Chromium reaching for Google's services at every start.
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """A function returning a fresh free port on 127.0.0.1 at each call."""
    return _free_port


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (gitignored), for screenshots and other evidence."""
    path = REPO_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Serve explorer/app.py with ``panel serve`` in a subprocess; yields the page URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/app"
    # The server's output goes to a file, not a pipe, so a chatty server never blocks on a full pipe.
    log_path = tmp_path_factory.mktemp("panel-serve") / "server.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "panel", "serve", str(APP_PATH),
           "--port", str(port), "--address", "127.0.0.1",
           "--allow-websocket-origin", f"127.0.0.1:{port}"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, url, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"panel serve exited with code {proc.returncode} before serving {url}:\n"
                               + log_path.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"panel serve did not answer {url} with 200 within "
                               f"{SERVER_START_TIMEOUT:.0f} s:\n" + log_path.read_text(errors="replace"))
        time.sleep(0.25)
