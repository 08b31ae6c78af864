"""How fast the dashboard's main view is, in figures (no asserts): ``python bench/bench_app.py``.

1. Start-up, the app and Panel's floor (a one-figure page in the same template) in turn, ``--rounds`` times each
   (default 3), so both see the same load: from launching ``panel serve ... --warm`` to the first drawn plot in
   headless Chromium (the browser is started beforehand; its own start-up is not the app's), then page open to
   first plot, for the first visitor, on the warm server at once (median of 3; the app imports torch in the
   background then) and SETTLE_S later (median of 3); and the app's ratio to the floor. The app's first document
   is the plot's picture; its player comes next, so "page open to playing" (its second frame drawn) says when
   the page is in use.
   ``--panel-options`` adds the app served with Panel's ``--reuse-sessions`` and ``--global-loading-spinner``
   (each alone), alternated with the others.
2. A sampler change on the server, in-process: ExplorerState.recompute (the new run) + frames.pack_run (what
   the page receives), median of several, with the optional layers off and on.
3. Playback in the browser: redraws of the samples per second (window.__explorer_frames, counted by the
   view's own JS) and painted frames per second (requestAnimationFrame), with 2000 samples, WebGL and
   canvas; plus the server's CPU use while the page plays (it only hears the Player's ~12 steps a second).

``--root DIR`` (repeatable) adds another checkout's app to section 1, alternated too (a before/after in one run).
``--startup-only`` prints section 1 alone. Targets: start-up <= 1.3x and page open <= 1.2x of Panel's floor,
sampler change <= 250 ms, playback >= 55 fps.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
REPEATS = 5
SETTLE_S = 20.0  # after the first visitor: the app's background work (torch, the model, the warm-up) is done


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, options: tuple[str, ...] = (), root: Path = REPO) -> tuple[subprocess.Popen, str, float]:
    """Start ``panel serve script``; returns (process, app url, seconds until it served a static file). Polling a
    static file, not the app, leaves the browser's visit as the first session. --warm (as .ci/serve and the CLI
    serve) runs the app once before the server answers, so the imports are paid before any visitor arrives."""
    port = _port()
    url = f"http://127.0.0.1:{port}/{script.stem}"
    probe = f"http://127.0.0.1:{port}/static/js/bokeh.min.js"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "panel", "serve", str(script), "--warm", "--port", str(port),
                             "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}", *options],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(root)})
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=5) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
        if proc.poll() is not None:
            raise RuntimeError(f"panel serve {script} exited")


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a loaded machine: a server busy importing may not hear SIGTERM in time
        proc.kill()
        proc.wait()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Panel's own floor: the same template with one small figure, which says "drawn" the way the app's plot says it
# drew a frame. What the app adds to start-up is its figures minus this one's.
FLOOR_APP = """
import panel as pn
from bokeh.models import CustomJS
from bokeh.plotting import figure
pn.extension(notifications=True)
fig = figure(width=500, height=500)
fig.scatter([0, 1], [0, 1])
pn.state.curdoc.js_on_event("document_ready", CustomJS(code="window.__explorer_frames = 1"))
pn.template.FastListTemplate(title="floor", main=[pn.pane.Bokeh(fig)]).servable()
"""


def _first_frame(browser, url: str, playing: list | None = None) -> float:
    """Page open to the first plot drawn. `playing`: also wait for the second frame (the app's player, which comes
    after the first picture, has drawn: the page plays) and append that time to it."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => (window.__explorer_frames || 0) > 0", timeout=60_000, polling=10)
    seconds = time.perf_counter() - t0
    if playing is not None:
        page.wait_for_function("() => (window.__explorer_frames || 0) > 1", timeout=60_000, polling=10)
        playing.append(time.perf_counter() - t0)
    page.close()
    return seconds


STARTUP_ROWS = ("serve start to first plot", "page open to first plot, first visitor",
                "page open to first plot, warm server (median of 3)",
                f"page open to first plot, {SETTLE_S:.0f} s later (median of 3)",
                f"page open to playing, {SETTLE_S:.0f} s later (app only)", "server answers (static file)")


def bench_startup(browser, script: Path, options: tuple[str, ...] = (), root: Path = REPO, plays: bool = True) -> dict:
    """One server's start-up rows. `plays`: the page has a player (the app), whose first frame is timed too."""
    t0 = time.perf_counter()
    proc, url, up = _serve(script, options, root)
    try:
        first = _first_frame(browser, url)
        t2 = time.perf_counter()
        warm = statistics.median(_first_frame(browser, url) for _ in range(3))
        time.sleep(SETTLE_S)
        playing = [] if plays else None
        settled = statistics.median(_first_frame(browser, url, playing) for _ in range(3))
    finally:
        _stop(proc)
    return dict(zip(STARTUP_ROWS, (t2 - t0, first, warm, settled, statistics.median(playing or [0.0]), up),
                    strict=True))


def startup_table(browser, floor_app: Path, rounds: int, panel_options: bool, roots=()) -> None:
    """Section 1: every variant once per round, in turn; medians, ranges and the ratios to the floor's medians.
    `roots`: other checkouts whose app is measured the same way (a before/after in one run)."""
    app = REPO / "explorer" / "serve" / "app.py"
    variants = {"app": (app, (), REPO), "floor": (floor_app, (), REPO)}
    for root in map(Path, roots):
        variants[f"app of {root.name}"] = (root / "explorer" / "serve" / "app.py", (), root)
    if panel_options:
        variants["app --reuse-sessions"] = (app, ("--reuse-sessions",), REPO)
        variants["app --global-loading-spinner"] = (app, ("--global-loading-spinner",), REPO)
    runs: dict[str, list[dict]] = {k: [] for k in variants}
    for r in range(rounds):
        for name, (script, options, root) in variants.items():
            runs[name].append(bench_startup(browser, script, options, root, plays=name != "floor"))
            print(f"  round {r + 1} {name:<30}" + "  ".join(f"{runs[name][-1][k]:5.2f}" for k in STARTUP_ROWS),
                  flush=True)
    floor = {k: statistics.median(x[k] for x in runs["floor"]) for k in STARTUP_ROWS}
    print(f"\n{'start-up, s: median [min-max] over ' + str(rounds) + ' rounds':<52}" + "".join(
        f"{k:>34}" for k in variants))
    for k in STARTUP_ROWS:
        cells = []
        for name in variants:
            xs = [x[k] for x in runs[name]]
            med = statistics.median(xs)
            ratio = f" {med / floor[k]:4.2f}x" if name != "floor" and floor[k] else " " * 6
            cells.append(f"{med:6.2f} [{min(xs):.2f}-{max(xs):.2f}]{ratio}")
        print(f"  {k:<50}" + "".join(f"{c:>34}" for c in cells))
    print("  goals: serve start to first plot <= 1.3x the floor, page open to first plot <= 1.2x (warm server)\n")


def bench_sampler_change() -> list[tuple[str, float, int]]:
    import torch

    from explorer.ui.plot import frames
    from explorer.ui.session.state import ExplorerState

    torch.set_num_threads(1)
    st = ExplorerState()
    rows = []
    for sampler in ("heun", "euler", "ddim"):
        times = []
        for _ in range(REPEATS):
            st.sampler = "heun" if sampler != "heun" else "euler"  # move away, then time the change to `sampler`
            t = time.perf_counter()
            st.sampler = sampler
            times.append(time.perf_counter() - t)
        rows.append((f"recompute: sampler -> {sampler} (n={st.n_samples}, {st.sample_steps} steps)",
                     statistics.median(times), 0))
    from explorer.ui.plot.main_view import MainView

    MainView(state=st)  # now a sampler change also repacks and updates the view's Bokeh models
    for sampler in ("heun", "euler"):
        times = []
        for _ in range(REPEATS):
            st.sampler = "heun" if sampler != "heun" else "euler"
            t = time.perf_counter()
            st.sampler = sampler
            times.append(time.perf_counter() - t)
        rows.append((f"sampler -> {sampler} with MainView attached (default toggles)", statistics.median(times), 0))
    for label, flags in (("pack: points only (default toggles)", (False, False, False)),
                         ("pack: + density & contours", (True, False, False)),
                         ("pack: + vector field", (False, True, False)),
                         ("pack: + mesh (a 17x17 sampler run)", (False, False, True)),
                         ("pack: everything", (True, True, True))):
        times = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            packed = frames.pack_run(st.run, st.model, *flags)
            times.append(time.perf_counter() - t)
        rows.append((label, statistics.median(times), frames.payload_bytes(packed)))
    return rows


def bench_playback(browser, backend: str, n: int = 2000, seconds: float = 3.0) -> dict:
    proc, url, _ = _serve(REPO / "tests" / "support" / "apps" / "main_view_app.py")
    try:
        page = browser.new_page(viewport={"width": 800, "height": 900})
        page.goto(f"{url}?backend={backend}&n={n}")
        page.wait_for_function("() => (window.__explorer_frames || 0) > 10", timeout=60_000)
        page.evaluate("() => { window.__raf = 0; const f = () => { window.__raf++; requestAnimationFrame(f) };"
                      " requestAnimationFrame(f) }")
        probe = "() => [window.__explorer_frames, window.__raf, window.__explorer_render_ms, performance.now()]"
        a, cpu0 = page.evaluate(probe), _cpu_seconds(proc.pid)
        time.sleep(seconds)
        b, cpu1 = page.evaluate(probe), _cpu_seconds(proc.pid)
        page.close()
    finally:
        _stop(proc)
    dt = (b[3] - a[3]) / 1000
    redraws = b[0] - a[0]
    return {"redraws/s": redraws / dt, "painted/s": (b[1] - a[1]) / dt,
            "js ms/redraw": (b[2] - a[2]) / max(redraws, 1), "server cpu %": 100 * (cpu1 - cpu0) / dt}


def main():
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="start-up rounds, each variant once per round")
    ap.add_argument("--startup-only", action="store_true", help="only the start-up table")
    ap.add_argument("--panel-options", action="store_true",
                    help="also the app with --reuse-sessions and with --global-loading-spinner")
    ap.add_argument("--root", action="append", default=[], metavar="DIR",
                    help="also the app of another checkout (repeatable), alternated with the others")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (other work slows every figure below)\n")
    if not args.startup_only:
        rows = bench_sampler_change()
        print(f"{'server-side, in-process (median of ' + str(REPEATS) + ')':<58}{'ms':>8}{'payload kB':>12}")
        for label, sec, size in rows:
            print(f"  {label:<56}{1000 * sec:>8.1f}" + (f"{size / 1e3:>12.0f}" if size else f"{'-':>12}"))
        print("  target <= 250 ms for a sampler change with the view attached (heun is the default and slowest)\n")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        with tempfile.TemporaryDirectory() as tmp:
            floor_app = Path(tmp) / "floor.py"
            floor_app.write_text(FLOOR_APP)
            startup_table(browser, floor_app, args.rounds, args.panel_options, args.root)
        if not args.startup_only:
            print(f"{'playback, 2000 samples, 3 s':<30}{'redraws/s':>10}{'painted/s':>10}{'JS ms':>8}"
                  f"{'server CPU':>11}")
            for backend in ("webgl", "canvas"):
                r = bench_playback(browser, backend)
                print(f"  {backend:<28}{r['redraws/s']:>10.1f}{r['painted/s']:>10.1f}{r['js ms/redraw']:>8.2f}"
                      f"{r['server cpu %']:>10.0f}%")
            print("  target >= 55 redraws/s (one per animation frame; the Player itself steps ~12 times a second)"
                  "\n  headless Chromium runs WebGL in software (SwiftShader) here: a GPU machine paints far faster")
        browser.close()


if __name__ == "__main__":
    main()
