"""Guidance in headless Chromium, as a student does it: draw two classes in two colours, train, ask for one
class and then the other, slide the guidance scale, and tap the plot for the three arrows.

The samples' coordinates are read back from the page's Bokeh document (the main plot's "samples" source at
t = 0), so each check is on what the browser shows.
"""
from __future__ import annotations

import numpy as np
import pytest
from browser_support import drag_slider, wait_for
from draw_support import column, open_drawing, status, stroke

pytestmark = pytest.mark.browser

TITLE = "2D Diffusion Explorer"
TOP, BOTTOM = 1.5, -1.5  # the green stroke and the purple one: horizontal lines at these y


def _samples(page) -> np.ndarray:
    return np.column_stack([column(page, "samples", "x"), column(page, "samples", "y")])


def _settle(page, predicate, what: str, timeout: float = 20.0) -> np.ndarray:
    """The samples at t = 0 once `predicate(samples)` holds (a new run arrives a moment after a change)."""
    found = []

    def check():
        page.locator("button.last").click()  # the end of the run: t = 0
        pts = _samples(page)
        if len(pts) and predicate(pts):
            found.append(pts)
        return bool(found)

    wait_for(check, timeout, what)
    return found[0]


def test_draw_two_colours_train_and_guide_towards_each_class(page, app_server):
    errors = open_drawing(page, f"{app_server}?train_steps=500", TITLE)  # a 500-step run: ~5 s
    page.get_by_role("button", name="green").click()
    stroke(page, TOP)
    page.get_by_role("button", name="purple").click()
    stroke(page, BOTTOM)
    wait_for(lambda: "2 classes (green, purple)" in status(page), 10, "the drawing's two classes")
    colors = column(page, "drawn_points", "color")
    ys = np.array(column(page, "drawn_points", "y"))
    assert set(np.array(colors)[ys > 0]) == {"#2ca02c"} and set(np.array(colors)[ys < 0]) == {"#9467bd"}
    assert page.get_by_role("checkbox", name="Train with classes").is_checked()

    page.get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: "Trained" in status(page) or "trained" in status(page), 90, "the conditional model")

    asked = page.get_by_label("Ask for")
    asked.select_option("purple")
    bottom = _settle(page, lambda p: (p[:, 1] < 0).mean() > 0.95, "samples asked for purple on the lower line")
    asked.select_option("green")
    top = _settle(page, lambda p: (p[:, 1] > 0).mean() > 0.95, "samples asked for green on the upper line")
    assert abs(np.median(top[:, 1]) - TOP) < 0.3 and abs(np.median(bottom[:, 1]) - BOTTOM) < 0.3

    drag_slider(page, "Guidance w", 0.0)  # w = 0: the class is ignored, both lines come back
    both = _settle(page, lambda p: 0.2 < (p[:, 1] > 0).mean() < 0.8, "unguided samples on both lines")
    assert (np.abs(both[:, 1] - TOP) < 0.4).mean() + (np.abs(both[:, 1] - BOTTOM) < 0.4).mean() > 0.8
    drag_slider(page, "Guidance w", 0.5)  # w = 5: all green, and on the side of the line away from purple
    guided = _settle(page, lambda p: (p[:, 1] > 0).mean() > 0.97, "strongly guided samples on the upper line")
    assert np.median(guided[:, 1]) > np.median(top[:, 1])

    # A tap shows the three arrows from the tapped point: no class, green, guided
    fig = page.evaluate("""() => { const fig = Bokeh.documents[0].get_model_by_name('main_plot');
        const v = Bokeh.index.find_one(fig), r = v.canvas_view.el.getBoundingClientRect();
        return [r.left + v.frame.x_scale.compute(0.0), r.top + v.frame.y_scale.compute(0.0)]; }""")
    page.mouse.click(*fig)
    texts = wait_for(lambda: column(page, "guidance_arrows", "text"), 10, "the guidance arrows")
    assert texts[:2] == ["no class", "green"] and texts[2].startswith("guided, w = ")
    ends = np.array(column(page, "guidance_arrows", "y1"))
    assert ends[1] > 0 and ends[2] > ends[1], "the class arrow points up to green; guidance goes further"
    assert not errors, errors
