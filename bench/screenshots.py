"""Screenshots of the dashboard for review: ``python bench/screenshots.py [--out bench/figures] [--only 1280]``.

Serves explorer/serve/app.py itself on a free port (no network: Chromium is Debian's /usr/bin/chromium, the page's
files come from the local server) and, for each viewport (1280x720 and 1400x900), saves into bench/figures/:

    open_<w>.png          the page as it opens (the pretrained smiley, playing)
    open_dark_<w>.png     the same after the theme switch (no reload)
    tab_<name>_<w>.png    each tab: explore, paths (and paths_ddim: DDIM eta = 1), densities, compare, sweep,
                          schedule, pairings, inside (and inside_tap: after a tap)
    lesson_<w>.png        lesson 1's question step (its choices, before Reveal)
    draw_train_<w>.png    a drawing in two colours (a green circle, a purple line), trained with classes
    guided_tap_<w>.png    then asked for purple at w = 3, a tap showing the three guidance arrows
    guidance_measured_<w>.png  the Guidance tab's precision and recall against w for that model

Viewport screenshots, not full pages: they show what a student sees without scrolling.
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
VIEWPORTS = ((1280, 720), (1400, 900))
TABS = (("Explore", "explore"), ("Paths not taken", "paths"), ("Densities", "densities"),
        ("A/B compare", "compare"), ("Steps vs quality", "sweep"), ("Guidance", "guidance"), ("Pairings", "pairings"),
        ("Schedule", "schedule"), ("Inside", "inside"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """``panel serve explorer/serve/app.py`` on `port` (None: a free one); (process, page url) once it answers."""
    port = port or _port()
    url = f"http://127.0.0.1:{port}/app"
    proc = subprocess.Popen([sys.executable, "-m", "panel", "serve", str(REPO / "explorer" / "serve" / "app.py"),
                             "--port", str(port), "--address", "127.0.0.1",
                             "--allow-websocket-origin", f"127.0.0.1:{port}"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("panel serve exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.25)
    proc.terminate()
    raise RuntimeError(f"panel serve did not answer {url}")


def _status(page) -> str:
    return page.get_by_text("Status:").first.locator("xpath=..").inner_text()


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _open(page, url: str) -> None:
    page.goto(url)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=60_000)


def _draw(page) -> None:
    """Draw a green circle and a purple line across it on the drawing canvas (x, y in data units)."""
    to_screen = """([x, y]) => {
        const fig = Bokeh.documents[0].get_model_by_name('draw_canvas'), view = Bokeh.index.find_one(fig);
        const r = view.canvas_view.el.getBoundingClientRect();
        return [r.left + view.frame.x_scale.compute(x), r.top + view.frame.y_scale.compute(y)];
    }"""
    circle = [(2 * math.cos(a), 2 * math.sin(a)) for a in [2 * math.pi * i / 48 for i in range(49)]]
    line = [(-2.5 + 5 * i / 30, -0.5 + i / 30) for i in range(31)]
    for stroke, colour in ((circle, "green"), (line, "purple")):
        page.get_by_role("button", name=colour, exact=True).click()
        pts = [page.evaluate(to_screen, list(p)) for p in stroke]
        page.mouse.move(*pts[0])
        page.mouse.down()
        for p in pts[1:]:
            page.mouse.move(*p)
        page.mouse.up()
        page.wait_for_timeout(400)


def shoot(browser, url: str, out: Path, width: int, height: int) -> list[str]:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    saved = []

    def snap(name: str) -> None:
        path = out / f"{name}_{width}.png"
        page.screenshot(path=str(path))
        saved.append(path.name)

    _open(page, url)
    page.wait_for_timeout(1500)  # the opening animation reaches the data
    snap("open")

    for label, slug in TABS:
        page.locator(".bk-tab", has_text=label).click()
        page.wait_for_timeout(2500 if slug != "explore" else 800)
        snap(f"tab_{slug}")
        if slug == "paths":  # a stochastic sampler: the branches themselves
            page.get_by_role("button", name="Use DDIM η = 1").click()
            page.wait_for_timeout(2500)
            snap("tab_paths_ddim")
        if slug == "inside":  # a tap on the smiley's left cheek: the weights, the pairs' velocities, the curves
            page.wait_for_timeout(2500)
            x, y = page.evaluate("""() => {
                const fig = Bokeh.documents[0].get_model_by_name('inside_figure');
                const view = Bokeh.index.find_one(fig);
                const r = view.canvas_view.el.getBoundingClientRect();
                return [r.left + view.frame.x_scale.compute(-1.5), r.top + view.frame.y_scale.compute(-0.5)];
            }""")
            page.mouse.click(x, y)
            page.wait_for_timeout(5000)
            snap("tab_inside_tap")
    page.locator(".bk-tab", has_text="Explore").click()
    page.get_by_text("Lessons", exact=True).click()
    page.locator("select").filter(has_text="Choose a lesson").select_option(index=1)
    page.get_by_role("button", name="Next ▶").click()  # step 2: a question with choices
    page.wait_for_timeout(2500)
    snap("lesson")
    page.locator("select").filter(has_text="The forward process").select_option(index=0)
    page.get_by_text("Lessons", exact=True).click()
    page.locator(".bk-tab", has_text="Explore").click()
    page.get_by_label("Sampler", exact=True).select_option("Heun (ODE, 2nd order)")
    page.wait_for_timeout(500)

    page.get_by_role("button", name="Draw").click()
    page.get_by_text("Draw with the mouse").first.wait_for(state="visible", timeout=10_000)
    page.wait_for_timeout(500)
    _draw(page)
    page.get_by_text("Advanced", exact=True).click()
    steps = page.get_by_label("Training steps")
    steps.fill("600")
    steps.press("Enter")
    page.get_by_text("Advanced", exact=True).click()  # fold it again: the sidebar as a student sees it
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Train").click()
    _wait(lambda: "trained 600 steps" in _status(page), 60)
    page.wait_for_timeout(1500)
    snap("draw_train")

    page.get_by_label("Ask for").select_option("purple")
    slider = page.locator(".bk-input-group").filter(has_text="Guidance w")
    slider.scroll_into_view_if_needed()
    handle, track = slider.locator(".noUi-handle").first, slider.locator(".noUi-base").first.bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.3 * track["width"], box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_timeout(2000)
    page.locator("button.pause").click()
    tap = page.evaluate("""() => { const fig = Bokeh.documents[0].get_model_by_name('main_plot');
        const v = Bokeh.index.find_one(fig), r = v.canvas_view.el.getBoundingClientRect();
        return [r.left + v.frame.x_scale.compute(1.0), r.top + v.frame.y_scale.compute(2.6)]; }""")
    page.mouse.click(*tap)
    page.wait_for_timeout(1500)
    snap("guided_tap")
    page.locator(".bk-tab", has_text="Guidance").click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Measure").click()
    _wait(lambda: "Network:" in page.locator("body").inner_text(), 60)
    page.wait_for_timeout(1000)
    snap("guidance_measured")
    page.locator(".bk-tab", has_text="Explore").click()

    switch = page.locator("#theme-switch")
    if switch.count():
        switch.click()
        page.mouse.move(width // 2, height - 5)  # not over the switch: its tooltip would show
        page.wait_for_timeout(1500)
        snap("open_dark")
    page.close()
    return [f"{width}x{height}: " + ", ".join(saved)] + [f"  page error: {e}" for e in errors]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "figures")
    parser.add_argument("--only", type=int, default=None, help="only the viewport of this width")
    parser.add_argument("--port", type=int, default=None, help="serve on this port (default: a free one)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    proc, url = serve(args.port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for w, h in VIEWPORTS:
                if args.only in (None, w):
                    print("\n".join(shoot(browser, url, args.out, w, h)), flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
