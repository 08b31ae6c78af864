"""Drawing on the app's canvas in headless Chromium, shared by the browser tests and bench/screenshots.py.

Numbers are read back from the page's Bokeh document by source name ("drawn_points", "strokes", ...), so what a
test checks is what the browser shows."""
from __future__ import annotations

from browser_support import open_app, wait_for


def column(page, name: str, column: str) -> list | None:
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name);"
        " return m ? Array.from(m.data[column] ?? []) : null; }", [name, column])


def status(page) -> str:
    return page.get_by_text("Status:").first.locator("xpath=..").inner_text()


def n_strokes(page) -> int:
    return page.evaluate("() => Bokeh.documents[0].get_model_by_name('strokes').data.xs.length")


def stroke(page, y: float, x0: float = -2.5, x1: float = 2.5) -> None:
    """Drag the mouse along y = `y` from x = `x0` to `x1` (plot units) on the drawing canvas, until the page holds
    one more stroke (a drag can be lost while the page is still busy starting up: up to three tries)."""
    before = n_strokes(page)
    for _ in range(3):
        sx0, sx1, sy = page.evaluate("""([y, x0, x1]) => {
            const fig = Bokeh.documents[0].get_model_by_name('draw_canvas'), view = Bokeh.index.find_one(fig);
            const r = view.canvas_view.el.getBoundingClientRect();
            return [r.left + view.frame.x_scale.compute(x0), r.left + view.frame.x_scale.compute(x1),
                    r.top + view.frame.y_scale.compute(y)];
        }""", [y, x0, x1])
        page.mouse.move(sx0, sy)
        page.mouse.down()
        for i in range(1, 21):
            page.mouse.move(sx0 + (sx1 - sx0) * i / 20, sy)
        page.mouse.up()
        try:
            wait_for(lambda: n_strokes(page) > before, 1.5, "the stroke")
            return
        except AssertionError:
            continue
    raise AssertionError("the canvas recorded no stroke")


CANVAS_BOX_JS = """() => { const fig = Bokeh.documents[0].get_model_by_name('draw_canvas');
    const view = fig && Bokeh.index.find_one(fig); if (!view) return null;
    const r = view.canvas_view.el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height].join(); }"""


def open_drawing(page, url, title: str) -> list[str]:
    errors = open_app(page, url, title=title)
    # Pause the main plot's animation: it keeps a software-GL page so busy that each mouse move of a stroke
    # waits ~0.2 s for its turn (a 20-step stroke took 4 s, paused 0.5 s).
    page.locator("button.pause").click()
    page.get_by_role("button", name="Draw").click()
    page.get_by_text("Draw with the mouse").first.wait_for(state="visible", timeout=10_000)
    # The canvas is laid out once its box stops moving (a stroke dragged before that lands elsewhere).
    boxes = [None]

    def settled():
        boxes.append(page.evaluate(CANVAS_BOX_JS))
        return boxes[-1] is not None and boxes[-1] == boxes[-2]

    wait_for(settled, 10, "the drawing canvas to settle")
    return errors
