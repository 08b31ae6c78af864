"""Draw after a training run (issue 24, item 5), in headless Chromium at a laptop's sizes: the canvas opened under
the training panel, below the fold (y ≈ 800 at 1280x720), and an empty drawing still showed the last set's points
in Explore and A/B. Choosing Draw brings the canvas into view; with nothing drawn there are no training points, and
the status says to draw and that the plot still shows the last model."""
from __future__ import annotations

import pytest
from browser_support import open_app, wait_for
from draw_support import CANVAS_BOX_JS, column, status

pytestmark = pytest.mark.browser
HEADER = 64  # the page's fixed header


def _train_a_short_run(page) -> None:
    page.get_by_text("Advanced", exact=True).click()
    box = page.get_by_label("Training steps")
    box.wait_for(state="visible", timeout=5_000)
    box.fill("200")
    box.press("Enter")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: "trained 200 steps" in status(page), 90, "the run to end")
    timeline = page.get_by_text("Timeline: the model at step").first
    timeline.wait_for(state="visible", timeout=10_000)  # the training panel at its tallest


def _canvas_box(page):
    boxes = [None]

    def settled():
        boxes.append(page.evaluate(CANVAS_BOX_JS))
        return boxes[-1] is not None and boxes[-1] == boxes[-2]

    wait_for(settled, 10, "the drawing canvas to settle")
    page.wait_for_timeout(600)  # the page's own scroll, if any, after the canvas settled
    x, y, w, h = (float(v) for v in page.evaluate(CANVAS_BOX_JS).split(","))
    return x, y, w, h


@pytest.mark.parametrize("size", [(1280, 720), (1400, 900)])
def test_draw_after_a_run_shows_the_canvas_and_no_old_points(page, app_server, artifacts_dir, size):
    width, height = size
    errors = open_app(page, app_server, height=height)
    page.set_viewport_size({"width": width, "height": height})
    page.locator("button.pause").first.click()
    _train_a_short_run(page)
    assert len(column(page, "data", "x")) > 0  # the smiley's training points, before Draw
    page.get_by_role("button", name="Draw", exact=True).click()
    page.get_by_text("Draw with the mouse").first.wait_for(state="visible", timeout=10_000)
    x, y, w, h = _canvas_box(page)
    page.screenshot(path=artifacts_dir / f"draw_after_run_{width}x{height}.png")
    assert HEADER <= y and y + h <= height and 0 <= x and x + w <= width, \
        f"the canvas at ({x:.0f}, {y:.0f}) size {w:.0f}x{h:.0f} is not fully on a {width}x{height} screen"
    wait_for(lambda: column(page, "data", "x") == [], 10, "the last set's points to leave the plot")
    said = status(page)
    assert "Draw a shape on the canvas" in said and "the plot shows the last model's samples" in said, said
    assert len(column(page, "samples", "x") or []) > 0, "the last model's samples must stay"
    page.get_by_text("A/B compare", exact=True).first.click()
    wait_for(lambda: column(page, "compare_data_a", "x") is not None, 20, "the A/B tab")
    assert column(page, "compare_data_a", "x") == [] and column(page, "compare_data_b", "x") == []
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
