"""Helpers shared by the browser tests: serving a Panel app in a subprocess, and polling for a condition."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # tests/support/ -> the repository
APP_PATH = REPO_ROOT / "explorer" / "serve" / "app.py"
SERVER_START_TIMEOUT = 120.0  # seconds; the first start imports Panel, Bokeh and torch (a guard, not a target:
# on a loaded machine a start took over 60 s)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_panel_app(script: Path, log_dir: Path):
    """``panel serve script`` in a subprocess on a free port; yields (page url, server log path)."""
    with serve_process(script, log_dir) as (_proc, url, log_path):
        yield url, log_path


@contextmanager
def serve_process(script: Path, log_dir: Path, extra_args=(), env=None):
    """``panel serve script [extra_args]`` in a subprocess on a free port; yields (process, page url, log path).
    The log goes to a file, not a pipe, so a chatty server never blocks on a full pipe."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/{script.stem}"
    log_path = log_dir / "server.log"
    cmd = [sys.executable, "-m", "panel", "serve", str(script), "--port", str(port), "--address", "127.0.0.1",
           "--allow-websocket-origin", f"127.0.0.1:{port}", *extra_args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    try:
        _wait_until_up(proc, url, log_path)
        yield proc, url, log_path
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Terminate `proc`, and kill it if it has not ended within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
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


def wait_for(predicate, timeout: float, what: str):
    """Poll `predicate` every 0.1 s until it returns something truthy (returned), or fail saying `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


SIDEBAR_PLACEHOLDER = "Loading the controls"  # explorer/serve/app.py, until the page is drawn


def open_app(page, url: str, height: int = 2200, title: str | None = None) -> list[str]:
    """Load the app at `url` (page 1400 px wide) and wait for its status line and its sidebar's Train button
    (explorer/serve/app.py sends the sidebar once the plot is drawn); return the list that collects the page's
    console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_viewport_size({"width": 1400, "height": height})
    page.goto(url)
    if title is not None:
        page.get_by_text(title).first.wait_for(state="visible", timeout=30_000)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    if page.get_by_text(SIDEBAR_PLACEHOLDER).count():
        page.get_by_role("button", name="Train", exact=True).first.wait_for(state="visible", timeout=30_000)
    return errors


def drag_slider(page, label: str, fraction: float) -> None:
    """Drag the handle of the slider whose label contains `label` to `fraction` of its track (beyond the ends
    clamps to them), then give the page 0.4 s to react."""
    slider = page.locator(".bk-input-group").filter(has_text=label)
    handle, track = slider.locator(".noUi-handle").first, slider.locator(".noUi-base").first.bounding_box()
    box = handle.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], y, steps=6)
    page.mouse.up()
    page.wait_for_timeout(400)
