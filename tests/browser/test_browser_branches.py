"""The "Paths not taken" tab and the oracle toggle in headless Chromium, used as a student would.

Numbers are read back from the page's Bokeh document by source name ("branch_lines", "branch_endpoints",
"branch_trunk"), so the assertions check what the browser shows, not the server's state.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from browser_support import drag_slider, wait_for

from explorer.core.metrics import energy_distance
from explorer.data import datasets
from explorer.ui.session.state import FRESH_SEED

pytestmark = pytest.mark.browser

TITLE = "2D Diffusion Explorer"
TAB = "Paths not taken"


# Panel 1.9 asks its CDN for loading.css when a hidden tab's widgets update (offline here, so it fails; the
# page is unaffected). That one request is tolerated; any other failed load or console error fails the test.
PANEL_CDN_CSS = "https://cdn.holoviz.org/panel/"


def _open(page, url) -> list[str]:
    """Load the app; return the list that collects console errors (and failed requests) from now on."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    def on_failed(request):
        if not (request.url.startswith(PANEL_CDN_CSS) and "/loading.css" in request.url):
            errors.append(f"failed request: {request.url}")

    page.on("console", on_console)
    page.on("requestfailed", on_failed)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_viewport_size({"width": 1440, "height": 1400})
    page.goto(url)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    return errors


def _column(page, name: str, column: str):
    """A column of a named ColumnDataSource as plain lists (typed arrays and lists converted, strings kept)."""
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name); if (!m) return null;"
        " const list = (v) => (ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v) : v);"
        " return Array.from(m.data[column] ?? [], list); }",
        [name, column])


def _n_lines(page) -> int | None:
    xs = _column(page, "branch_lines", "xs")
    return None if xs is None else len(xs)


def _spreads(page) -> np.ndarray:
    """RMS distance of each branch time's end points from their mean, earliest branch time first."""
    x, y, k = (np.array(_column(page, "branch_endpoints", c), float) for c in ("x", "y", "time"))
    out = []
    for i in np.unique(k):
        pts = np.stack([x[k == i], y[k == i]], 1)
        out.append(np.sqrt(((pts - pts.mean(0)) ** 2).sum(1).mean()))
    return np.array(out)


def _checkbox(page, label: str):
    boxes = page.locator("input[type=checkbox]")
    for i in range(boxes.count()):
        if boxes.nth(i).evaluate("e => e.nextElementSibling && e.nextElementSibling.textContent") == label:
            return boxes.nth(i)
    raise LookupError(label)


def _screen_xy(page, x: float, y: float) -> tuple[float, float]:
    return tuple(page.evaluate("""([x, y]) => {
        const fig = Bokeh.documents[0].get_model_by_name('branch_figure');
        const view = Bokeh.index.find_one(fig);
        const r = view.canvas_view.el.getBoundingClientRect();
        return [r.left + view.frame.x_scale.compute(x), r.top + view.frame.y_scale.compute(y)];
    }""", [x, y]))


def _last_frame(page) -> np.ndarray:
    """The main plot's samples at t = 0: the last frame of the run the page was sent (main_view_store)."""
    x, y, n = page.evaluate("() => { const d = Bokeh.documents[0].get_model_by_name('main_view_store').data;"
                            " return [Array.from(d.x[0]), Array.from(d.y[0]), d.n[0]]; }")
    return np.stack([x[-n:], y[-n:]], 1).astype(float)


def test_branches_deterministic_fix_promote_and_oracle(page, app_server, artifacts_dir):
    errors = _open(page, app_server)
    sampler = page.get_by_label("Sampler", exact=True)
    sampler.select_option("DDPM (ancestral)")
    page.wait_for_timeout(500)
    page.locator(".bk-tab", has_text=TAB).click()
    page.get_by_text("Each colour starts from the trunk").wait_for(state="visible", timeout=15_000)
    wait_for(lambda: _n_lines(page) == 4, 15, "four branch times drawn")
    assert _column(page, "branch_lines", "label")[0] == "branch at t = 0.80"
    assert len(_column(page, "branch_trunk", "x")) == 101  # DDPM's own default, 100 steps from noise to data
    spread = _spreads(page)
    assert len(spread) == 4 and spread[0] > 2 * spread[-1], spread  # early choices decide more
    page.screenshot(path=artifacts_dir / "branches_ddpm.png")

    # An ODE sampler cannot branch: the view says so and offers one-click fixes.
    sampler.select_option("Heun (ODE, 2nd order)")
    page.get_by_text("adds no noise: it is deterministic").wait_for(state="visible", timeout=10_000)
    wait_for(lambda: _n_lines(page) == 0, 10, "the branches to go")
    page.screenshot(path=artifacts_dir / "branches_deterministic.png")
    page.get_by_role("button", name="Use DDIM η = 1").click()
    wait_for(lambda: _n_lines(page) == 4, 10, "the branches to come back")
    wait_for(lambda: sampler.evaluate("s => s.options[s.selectedIndex].text") == "DDIM (η)", 5,
              "the sidebar to show DDIM")
    page.get_by_text("adds no noise: it is deterministic").wait_for(state="hidden", timeout=5_000)

    # Tap the end point of the earliest branch that lies farthest from the others: it becomes the trunk.
    x, y, k = (np.array(_column(page, "branch_endpoints", c), float) for c in ("x", "y", "time"))
    pts = np.stack([x, y], 1)
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts)) * 1e9
    j = int(np.argmax(np.where(k == 0, gaps.min(1), -1)))
    page.mouse.click(*_screen_xy(page, *pts[j]))
    wait_for(lambda: np.allclose([_column(page, "branch_trunk", c)[-1] for c in "xy"], pts[j], atol=1e-4), 10,
              "the tapped branch to become the trunk")
    page.get_by_text("a promoted branch").wait_for(state="visible", timeout=5_000)
    page.screenshot(path=artifacts_dir / "branches_promoted.png")

    # The oracle: the branches' end points land on training points, and the quality line says it memorises.
    def gaps():  # each branch end's distance to the nearest training point
        ends = np.stack([np.array(_column(page, "branch_endpoints", c), float) for c in "xy"], 1)
        data = np.stack([np.array(_column(page, "branch_data", c), float) for c in "xy"], 1)
        return np.linalg.norm(ends[:, None] - data[None], axis=-1).min(1)

    # Few training points (the sidebar's slider at its left end: 20), so that landing on one is not luck.
    drag_slider(page, "Training points", -0.1)
    wait_for(lambda: len(_column(page, "branch_data", "x")) == 20, 15, "20 training points")
    page.wait_for_timeout(1000)
    before, network = _column(page, "branch_endpoints", "x"), gaps()
    _checkbox(page, "Exact denoiser (oracle)").check()
    wait_for(lambda: _column(page, "branch_endpoints", "x") != before, 15, "the branches to regrow with the oracle")
    exact = gaps()
    assert np.median(exact) < 0.005 and exact.max() < 0.05 and np.median(network) > 0.05, (exact, network)
    page.locator(".bk-tab", has_text="Explore").click()
    page.get_by_text("Exact denoiser (oracle)").last.wait_for(state="visible", timeout=15_000)
    page.get_by_text("memorises: ").first.wait_for(state="visible", timeout=15_000)
    page.screenshot(path=artifacts_dir / "quality_oracle.png")

    # The main plot's samples sit on the 20 training points too, and the quality line's numbers are those
    # samples' energy distances: to the training points far below that to a fresh draw (what "memorises" means).
    data = np.stack([np.array(_column(page, "data", c), float) for c in "xy"], 1)
    samples = _last_frame(page)
    assert len(data) == 20 and len(samples) == 1000
    near = np.linalg.norm(samples[:, None] - data[None], axis=-1).min(1)
    assert np.mean(near < 0.01) > 0.9, np.quantile(near, [0.5, 0.9])
    line = page.get_by_text("energy distance to a fresh draw:").first.inner_text()
    shown = re.search(r"fresh draw: ([\d.e-]+) .* training points: ([\d.e-]+)\s", line)
    assert shown, line
    fresh = datasets.load("smiley", n=1000, seed=FRESH_SEED)
    to_fresh, to_training = energy_distance(samples, fresh), energy_distance(samples, data)
    assert float(shown[1]) == pytest.approx(to_fresh, rel=0.05, abs=6e-5), (line, to_fresh)
    assert float(shown[2]) == pytest.approx(to_training, rel=0.05, abs=6e-5), (line, to_training)
    assert to_training < 0.5 * to_fresh, (to_training, to_fresh)
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
