"""What a playing page costs the server, printed (not asserted): ``python bench/bench_player.py``.

Serves the dashboard (``panel serve explorer/serve/app.py --warm``), opens PAGES pages in headless Chromium, lets
them play, and reads the server process's CPU time from /proc/<pid>/stat over SECONDS; then presses Pause in every
page and reads it again. Playback runs in the page (explorer/ui/plot/player.py), so a playing page should cost
the server nothing per frame: the goal is ~0 % of a core per playing page, as paused.

``--root DIR`` serves another checkout (e.g. the code before a change) with the same browser and measurement;
``--pages N`` and ``--seconds S`` change the load.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
PAGES, SECONDS = 4, 10.0
SETTLE_S = 3.0  # after the pages are open (or paused): the sidebar and first runs are done before measuring


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, port: int) -> tuple[subprocess.Popen, str]:
    """``panel serve`` of `root`'s app, its imports from `root`; returns (process, page url) once it answers."""
    url = f"http://127.0.0.1:{port}/app"
    cmd = [sys.executable, "-m", "panel", "serve", str(root / "explorer" / "serve" / "app.py"), "--warm",
           "--port", str(port), "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(root)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/js/bokeh.min.js", timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.terminate()
    raise RuntimeError(f"panel serve of {root} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy(pid: int, seconds: float) -> float:
    """Percent of one core that `pid` used over the next `seconds`."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def frames_drawn(pages) -> list[int]:
    return [page.evaluate("window.__explorer_frames || 0") for page in pages]


def measure(browser, proc, url: str, n_pages: int, seconds: float) -> dict:
    pages = []
    for _ in range(n_pages):
        # its own context, so every page is in front (Chromium pauses the animation frames of background tabs)
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(url)
        page.wait_for_function("() => (window.__explorer_frames || 0) > 10", timeout=90_000)
        pages.append(page)
    time.sleep(SETTLE_S)
    before = frames_drawn(pages)
    playing = busy(proc.pid, seconds)
    drawn = [b - a for a, b in zip(before, frames_drawn(pages), strict=True)]
    for page in pages:
        page.locator("button.pause").first.click()
    time.sleep(SETTLE_S)
    before = frames_drawn(pages)
    paused = busy(proc.pid, seconds)
    still = [b - a for a, b in zip(before, frames_drawn(pages), strict=True)]
    for page in pages:
        page.context.close()
    return {"playing": playing, "paused": paused, "fps": [round(d / seconds) for d in drawn],
            "fps_paused": [round(d / seconds) for d in still]}


def main():
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to serve (default: this one)")
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    args = parser.parse_args()
    proc, url = serve(args.root.resolve(), args.port or _port())
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            r = measure(browser, proc, url, args.pages, args.seconds)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    n = args.pages
    print(f"server CPU, {n} pages of {args.root.resolve()} over {args.seconds:.0f} s (% of one core):")
    print(f"  playing: {r['playing']:5.1f} %  ({r['playing'] / n:.2f} % per page; frames/s drawn by each: {r['fps']})")
    print(f"  paused:  {r['paused']:5.1f} %  ({r['paused'] / n:.2f} % per page; frames/s: {r['fps_paused']})")
    print(f"  per playing page, above paused: {(r['playing'] - r['paused']) / n:.2f} % of a core (goal: ~0)")


if __name__ == "__main__":
    main()
