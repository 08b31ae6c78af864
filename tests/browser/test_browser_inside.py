"""The Inside tab in headless Chromium at 1280x720, used as a student would: open it by its link, tap the plot,
and read back from the page's Bokeh document what it draws (sources by name: inside_tap, inside_weights, ...): the
weights, the pairs' conditional velocities with their mean, the run's paths coloured by div v (colours computed by
the page's own colour mapper), and that the legends, markers and hint do not hide the data or need a scroll."""
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
    _check_pairs(page, tap=(-1.5, -0.5), t=0.5)
    _check_flows(page)
    _check_layout(page)
    page.screenshot(path=artifacts_dir / "inside_tab.png")
    page.get_by_role("checkbox", name="pairs' velocities").click()  # the toggle hides the arrows, and only them
    wait_for(lambda: _visible(page, "inside_pairs") is False, 10, "the pairs' arrows to hide")
    assert _visible(page, "inside_velocity") is False and _visible(page, "inside_flows") is True
    assert not errors, errors


def _visible(page, source: str):
    """Whether the glyph renderer drawing the source named `source` in the main figure is visible."""
    return page.evaluate("""(name) => {
        const fig = Bokeh.documents[0].get_model_by_name('inside_figure');
        const r = fig.renderers.find((r) => r.data_source && r.data_source.name === name);
        return r ? r.visible : null; }""", source)


def _check_pairs(page, tap, t):
    x0, y0 = np.array(_column(page, "inside_pairs", "x0")), np.array(_column(page, "inside_pairs", "y0"))
    x1, y1 = np.array(_column(page, "inside_pairs", "x1")), np.array(_column(page, "inside_pairs", "y1"))
    w = np.array(_column(page, "inside_pairs", "w"))
    assert len(w) == 30 and np.allclose(x0, tap[0], atol=0.05) and np.allclose(y0, tap[1], atol=0.05)
    assert np.all(np.diff(w) <= 0) and _visible(page, "inside_pairs") is True
    # Straight path: a pair's arrow, one Euler step x - t (x - p)/t, ends on its training point, among the heaviest.
    ws, px, py = (np.array(_column(page, "inside_weights", c)) for c in ("w", "x", "y"))
    heavy = np.argsort(ws)[-30:]
    assert {(round(a, 3), round(b, 3)) for a, b in zip(x1, y1, strict=True)} == \
        {(round(a, 3), round(b, 3)) for a, b in zip(px[heavy], py[heavy], strict=True)}
    # The bold mean: the oracle's velocity, one Euler step long, ends on the oracle's x̂0.
    end = [_column(page, "inside_velocity", "x1")[0], _column(page, "inside_velocity", "y1")[0]]
    oracle = [_column(page, "inside_x0_oracle", "x")[0], _column(page, "inside_x0_oracle", "y")[0]]
    assert np.allclose(end, oracle, atol=1e-4), (end, oracle)


def _check_flows(page):
    div = np.array(_column(page, "inside_flows", "div"))
    xs = np.array(_column(page, "inside_flows", "x0"))
    assert len(div) == len(xs) == 64 * 48 and np.isfinite(div).all()
    assert (div > 0).any() and (div < 0).any()
    low, high = page.evaluate("() => { const m = Bokeh.documents[0].get_model_by_name('inside_div_mapper');"
                              " return [m.low, m.high]; }")
    assert low == pytest.approx(-high) and high == pytest.approx(np.percentile(np.abs(div), 80), rel=1e-3)
    # The colours the page draws, from its own mapper (packed RGBA): blue where the flow gathers, red where it spreads.
    rgba = np.array(page.evaluate("""() => { const d = Bokeh.documents[0];
        const src = d.get_model_by_name('inside_flows'), m = d.get_model_by_name('inside_div_mapper');
        return Array.from(m.v_compute(src.data.div), (c) => [c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255]); }"""))
    gather, spread = div > 0.5 * high, div < -0.5 * high
    assert gather.sum() > 50 and spread.sum() > 10, (gather.sum(), spread.sum())
    assert (rgba[gather, 2] > rgba[gather, 0] + 60).all() and (rgba[spread, 0] > rgba[spread, 2] + 60).all()
    assert page.evaluate("() => Bokeh.documents[0].get_model_by_name('inside_div_bar').title").startswith("div v")
    assert _visible(page, "inside_flows") is True


def _check_layout(page):
    levels = page.evaluate("""() => { const fig = Bokeh.documents[0].get_model_by_name('inside_figure');
        const level = (n) => fig.renderers.filter((r) => r.data_source && r.data_source.name === n).map((r) => r.level);
        return {tap: level('inside_tap'), oracle: level('inside_x0_oracle'), net: level('inside_x0_net'),
                legend: fig.below.filter((m) => m.type === 'Legend').length,
                inside: fig.center.filter((m) => m.type === 'Legend').length}; }""")
    order = page.evaluate("""() => { const fig = Bokeh.documents[0].get_model_by_name('inside_figure');
        return fig.renderers.map((r) => r.data_source ? r.data_source.name : ''); }""")
    # Both x̂0 are drawn after (on top of) the tap, at its level; the legend sits below the plot, not on the data.
    assert set(levels["tap"]) == set(levels["oracle"]) == set(levels["net"]) == {"overlay"}, levels
    assert max(i for i, n in enumerate(order) if n == "inside_tap") < order.index("inside_x0_oracle"), order
    assert levels["legend"] == 1 and levels["inside"] == 0, levels
    neff_legend = page.evaluate("() => Bokeh.documents[0].get_model_by_name('inside_neff_figure').center"
                                ".filter((m) => m.type === 'Legend').map((m) => m.location)")
    assert neff_legend == ["top_right"], neff_legend  # where both curves cannot reach (a decade above N)
    hint = page.get_by_text("heaviest pairs' conditional velocities")
    assert hint.bounding_box()["y"] + hint.bounding_box()["height"] <= 720  # read without a scroll
