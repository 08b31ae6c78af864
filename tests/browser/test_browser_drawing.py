"""The drawing canvas in headless Chromium, as a newcomer uses it: two strokes, Undo, Clear, an empty CSV, and
the theme switch with a drawing on the page.

Numbers are read back from the page's Bokeh document by source name ("drawn_points", "strokes", "data": the
main plot's training points), so the assertions check what the browser shows.
"""
from __future__ import annotations

import numpy as np
import pytest
from browser_support import open_app, wait_for

pytestmark = pytest.mark.browser

TITLE = "2D Diffusion Explorer"
UPPER, LOWER = 1.5, -1.5  # the two strokes: horizontal lines at these y, from x = -2.5 to 2.5


def _column(page, name: str, column: str) -> list | None:
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name);"
        " return m ? Array.from(m.data[column] ?? []) : null; }", [name, column])


def _status(page) -> str:
    return page.get_by_text("Status:").first.locator("xpath=..").inner_text()


def _n_strokes(page) -> int:
    return page.evaluate("() => Bokeh.documents[0].get_model_by_name('strokes').data.xs.length")


def _stroke(page, y: float) -> None:
    """Drag the mouse along y = `y` from x = -2.5 to 2.5 on the drawing canvas, until the page holds one more
    stroke (a drag can be lost while the page is still busy starting up: up to three tries)."""
    before = _n_strokes(page)
    for _ in range(3):
        x0, x1, sy = page.evaluate("""(y) => {
            const fig = Bokeh.documents[0].get_model_by_name('draw_canvas'), view = Bokeh.index.find_one(fig);
            const r = view.canvas_view.el.getBoundingClientRect();
            return [r.left + view.frame.x_scale.compute(-2.5), r.left + view.frame.x_scale.compute(2.5),
                    r.top + view.frame.y_scale.compute(y)];
        }""", y)
        page.mouse.move(x0, sy)
        page.mouse.down()
        for i in range(1, 21):
            page.mouse.move(x0 + (x1 - x0) * i / 20, sy)
        page.mouse.up()
        try:
            wait_for(lambda: _n_strokes(page) > before, 2, "the stroke")
            return
        except AssertionError:
            continue
    raise AssertionError("the canvas recorded no stroke")


def _open_drawing(page, url) -> list[str]:
    errors = open_app(page, url, title=TITLE)
    page.get_by_role("button", name="Draw").click()
    page.get_by_text("Draw with the mouse").first.wait_for(state="visible", timeout=10_000)
    return errors


def _notification(page, text: str) -> None:
    page.locator(".notyf__message").filter(has_text=text).first.wait_for(state="visible", timeout=10_000)


def test_undo_and_clear_update_the_points_the_count_and_the_training_data(page, app_server):
    errors = _open_drawing(page, app_server)
    _stroke(page, UPPER)
    n_upper = wait_for(lambda: len(_column(page, "drawn_points", "y") or []), 10, "the first stroke's dots")
    _stroke(page, LOWER)
    wait_for(lambda: len(_column(page, "drawn_points", "y")) > n_upper, 10, "the second stroke's dots")
    y = np.array(_column(page, "drawn_points", "y"))
    assert (np.abs(y - LOWER) < 0.3).sum() > 20 and (np.abs(y - UPPER) < 0.3).sum() > 20

    page.get_by_role("button", name="Undo").click()
    # The dots of the second stroke go at once, and the training data with them (the main plot's grey points).
    wait_for(lambda: len(_column(page, "drawn_points", "y")) == n_upper, 5, "Undo to remove the second stroke's dots")
    assert np.all(np.abs(np.array(_column(page, "drawn_points", "y")) - UPPER) < 0.3)
    assert len(_column(page, "data", "y")) == n_upper
    wait_for(lambda: f"{n_upper} points" in _status(page), 5, "the status to give the new count")
    assert "Undid" in _status(page)

    page.get_by_role("button", name="Clear", exact=True).click()
    wait_for(lambda: _column(page, "drawn_points", "y") == [], 5, "Clear to remove every dot")
    wait_for(lambda: "Cleared" in _status(page), 5, "the status to say the drawing was cleared")
    assert _n_strokes(page) == 0 and _column(page, "data", "y") == []
    page.get_by_role("button", name="Train").click()
    _notification(page, "no training data")
    assert page.get_by_role("button", name="Train").is_enabled(), "nothing may start training"
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def test_an_empty_csv_says_so_and_keeps_the_drawing(page, app_server, tmp_path):
    errors = _open_drawing(page, app_server)
    good = tmp_path / "good.csv"
    good.write_text("x,y\n" + "".join(f"{t:.3f},{-t:.3f}\n" for t in np.linspace(-2, 2, 40)))
    upload = page.locator("input[type=file][accept='.csv']")
    upload.set_input_files(good)
    wait_for(lambda: len(_column(page, "drawn_points", "x") or []) == 40, 10, "the good upload")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    upload.set_input_files(empty)
    _notification(page, "empty.csv")
    message = page.locator(".notyf__message").filter(has_text="empty.csv").first.inner_text()
    assert "empty" in message.replace("empty.csv", ""), message
    assert len(_column(page, "drawn_points", "x")) == 40, "the previous points must stay"
    upload.set_input_files(empty)  # the same file again: the page must say it again, not ignore it
    wait_for(lambda: page.locator(".notyf__message").filter(has_text="empty.csv").count() >= 2, 10,
             "a second message for the second empty upload")
    assert len(_column(page, "data", "x")) == 40
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
