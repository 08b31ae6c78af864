"""Flow maps in the page, at 1280x720 in headless Chromium, used as a student would: the Sampler menu leaves Jump out
for the pretrained velocity model, Distil trains a flow map in the background and the page then samples it with
Jump; the Flow map tab draws a tap's jumps from the tapped point (read back from the page's Bokeh document: sources
named jumps_*), and Measure colours one jump's end points by their error."""
from __future__ import annotations

import numpy as np
import pytest
from browser_support import open_app, wait_for

pytestmark = pytest.mark.browser

W, H = 1280, 720


def _column(page, name: str, column: str):
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name); if (!m) return null;"
        " return Array.from(m.data[column] ?? [], Number); }", [name, column])


def _screen_xy(page, x: float, y: float) -> tuple[float, float]:
    return tuple(page.evaluate("""([x, y]) => {
        const view = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name('jumps_figure'));
        const r = view.canvas_view.el.getBoundingClientRect();
        return [r.left + view.frame.x_scale.compute(x), r.top + view.frame.y_scale.compute(y)];
    }""", [x, y]))


def _jump_options(page) -> int:
    return page.locator("select option", has_text="Jump (flow map)").count()


def test_distil_then_tap_the_jumps_and_measure_the_map_error(page, app_server, artifacts_dir):
    errors = open_app(page, f"{app_server}?dataset=moons&train_steps=200&width=32", height=H)
    page.set_viewport_size({"width": W, "height": H})
    page.locator("select option", has_text="Heun (ODE, 2nd order)").first.wait_for(state="attached")
    assert _jump_options(page) == 0  # the pretrained model learned a velocity: it cannot jump
    page.get_by_role("button", name="Distil", exact=True).click()
    page.get_by_text("distilled with meanflow").first.wait_for(state="visible", timeout=180_000)
    wait_for(lambda: _jump_options(page) == 1, 10, "Jump to be offered for the flow map")
    assert page.locator("select").filter(has=page.locator("option", has_text="Jump (flow map)")).first \
        .evaluate("el => el.options[el.selectedIndex].text") == "Jump (flow map)"

    page.locator(".bk-tab", has_text="Flow map").click()
    page.locator(".jumps-error").first.wait_for(state="visible", timeout=60_000)  # a first reading at once
    sx, sy = _screen_xy(page, 1.5, -1.5)
    page.mouse.click(sx, sy)
    wait_for(lambda: (tap := _column(page, "jumps_tap", "x")) and abs(tap[0] - 1.5) < 0.05, 30,
             "the tap to be drawn where it was clicked")
    assert abs(_column(page, "jumps_tap", "y")[0] + 1.5) < 0.05
    x0, y0 = np.array(_column(page, "jumps_arrows", "x0")), np.array(_column(page, "jumps_arrows", "y0"))
    assert len(x0) == 4 and np.allclose(x0, 1.5, atol=0.05) and np.allclose(y0, -1.5, atol=0.05)  # from the tap
    ends = np.stack([_column(page, "jumps_arrows", "x1"), _column(page, "jumps_arrows", "y1")], axis=1)
    ode = np.stack([_column(page, "jumps_ode_points", "x"), _column(page, "jumps_ode_points", "y")], axis=1)
    path = np.stack([_column(page, "jumps_path", "x"), _column(page, "jumps_path", "y")], axis=1)
    assert len(path) > 50 and np.hypot(*(path[0] - [1.5, -1.5])) < 0.05  # the ODE starts at the tap...
    assert min(np.hypot(*(path - ode[1]).T)) < 1e-5  # ... and passes through its rings
    said = [float(e.text_content()) for e in page.locator(".jumps-error").all()]
    np.testing.assert_allclose(said, np.hypot(*(ends - ode).T), atol=2e-3)  # the readout is the drawn miss
    assert said[0] > said[-1]  # the jump to the data misses more than the shortest jump
    fig_bottom = page.evaluate("() => Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name('jumps_figure'))"
                               ".canvas_view.el.getBoundingClientRect().bottom")
    assert fig_bottom <= H, fig_bottom  # the plot and its legend fit the screen

    page.get_by_role("button", name="Measure", exact=True).click()
    page.get_by_text("median error").first.wait_for(state="visible", timeout=120_000)
    err = np.array(_column(page, "map_error_points", "error"))
    assert len(err) == 600 and (err >= 0).all()
    high = page.evaluate("() => Bokeh.documents[0].get_model_by_name('map_error_mapper').high")
    assert high == pytest.approx(np.percentile(err, 95), rel=1e-3)
    page.screenshot(path=artifacts_dir / "flow_map_tab.png")
    assert not errors, errors
