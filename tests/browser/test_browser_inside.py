"""The Inside tab in headless Chromium at 1280x720, used as a student would: open it by its link, tap the plot,
and read back from the page's Bokeh document what it draws (sources by name: inside_tap, inside_weights, ...)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from browser_support import wait_for

pytestmark = pytest.mark.browser


def _column(page, name: str, column: str):
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name); if (!m) return null;"
        " return Array.from(m.data[column] ?? [], Number); }", [name, column])


def _screen_xy(page, x: float, y: float) -> tuple[float, float]:
    return tuple(page.evaluate("""([x, y]) => {
        const fig = Bokeh.documents[0].get_model_by_name('inside_figure');
        const view = Bokeh.index.find_one(fig);
        const r = view.canvas_view.el.getBoundingClientRect();
        return [r.left + view.frame.x_scale.compute(x), r.top + view.frame.y_scale.compute(y)];
    }""", [x, y]))


def _tap(page) -> list[float] | None:
    x, y = _column(page, "inside_tap", "x"), _column(page, "inside_tap", "y")
    return None if not x else [x[0], y[0]]


def test_inside_tab_tap_shows_the_weights_and_readouts(page, app_server, artifacts_dir):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_server}?tab=inside", timeout=60_000)
    page.get_by_text("Tap anywhere: the exact denoiser").wait_for(state="visible", timeout=60_000)
    readout = page.locator(".inside-neff")
    readout.wait_for(state="visible", timeout=30_000)  # a first reading: the tab is never empty
    fig_box = page.evaluate("() => Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name('inside_figure'))"
                            ".canvas_view.el.getBoundingClientRect().bottom")
    assert fig_box <= 720, fig_box  # the whole plot fits the screen

    # Tap near the smiley's left cheek at t = 0.5 (the slider's default).
    sx, sy = _screen_xy(page, -1.5, -0.5)
    page.mouse.click(sx, sy)
    wait_for(lambda: (tap := _tap(page)) and abs(tap[0] + 1.5) < 0.05 and abs(tap[1] + 0.5) < 0.05, 30,
             "the tap to be drawn where it was clicked")
    w = np.array(_column(page, "inside_weights", "w"))
    size = np.array(_column(page, "inside_weights", "size"))
    assert len(w) == 2000 and abs(w.sum() - 1) < 1e-3  # float32 on the wire
    assert size[np.argmax(w)] > 4 * size[np.argmin(w)]  # the heavy points are drawn big
    xs, ys = np.array(_column(page, "inside_weights", "x")), np.array(_column(page, "inside_weights", "y"))
    heavy = np.argsort(w)[-20:]
    assert np.hypot(xs[heavy] + 1.5, ys[heavy] + 0.5).mean() < np.hypot(xs + 1.5, ys + 0.5).mean()
    n_eff = float(readout.text_content())
    assert n_eff == pytest.approx(1 / (w.astype(np.float64) ** 2).sum(), rel=1e-2)
    text = page.locator("text=the oracle listens to").first.text_content()
    said = re.search(r"tap \((-?\d+\.\d+), (-?\d+\.\d+)\)", text)
    assert said and abs(float(said[1]) + 1.5) < 0.05 and abs(float(said[2]) + 0.5) < 0.05, text
    assert _column(page, "inside_x0_oracle", "x") and _column(page, "inside_x0_net", "x")
    assert len(_column(page, "inside_logp", "log_p")) == len(_column(page, "inside_path", "x")) > 10
    est = np.array(_column(page, "inside_div", "estimate"))
    assert len(est) == 3 * 64 and np.isfinite(est).all()
    assert page.locator(".inside-div").text_content()
    assert len(_column(page, "inside_neff", "n")) > 5 and len(_column(page, "inside_gap", "gap")) > 5
    page.screenshot(path=artifacts_dir / "inside_tab.png")
    assert not errors, errors
