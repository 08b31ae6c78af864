"""The dashboard in headless Chromium, used the way a student would: pick, train, stop, draw, upload.

Numbers are read back from the page's Bokeh document (sources have `name`s: "losses", "preview",
"drawn_points"), so the assertions check what the browser shows, not the server's state.
"""
from __future__ import annotations

import numpy as np
import pytest
from browser_support import open_app, wait_for

pytestmark = pytest.mark.browser

TITLE = "2D Diffusion Explorer"
STROKE_Y = 1.0  # the drawn stroke: a horizontal line y = 1 from x = -2.5 to 2.5
STROKE_X = (-2.5, 2.5)


def _source_column(page, name: str, column: str) -> list:
    return page.evaluate(
        "([name, column]) => { const m = Bokeh.documents[0].get_model_by_name(name);"
        " return m ? Array.from(m.data[column] ?? []) : null; }", [name, column])


def _set_training_steps(page, steps: int) -> None:
    page.get_by_text("Advanced", exact=True).click()
    box = page.get_by_label("Training steps")
    box.wait_for(state="visible", timeout=30_000)  # the card is built on the server when first opened (lazy.py)
    box.fill(str(steps))
    box.press("Enter")
    page.wait_for_timeout(300)


def _status(page) -> str:
    return page.get_by_text("Status:").first.locator("xpath=..").inner_text()


def test_switch_dataset_train_and_stop(page, app_server, artifacts_dir):
    errors = open_app(page, app_server, title=TITLE)
    page.get_by_label("Dataset").select_option("Three dots")
    page.wait_for_timeout(500)
    _set_training_steps(page, 5000)  # long enough that Stop really interrupts it

    train, stop = page.get_by_role("button", name="Train"), page.get_by_role("button", name="Stop")
    assert stop.is_disabled()
    train.click()
    wait_for(lambda: stop.is_enabled(), 5, "Stop to become enabled")
    assert train.is_disabled()
    n_before = wait_for(lambda: len(_source_column(page, "losses", "step") or []), 10, "the first loss points")
    page.wait_for_timeout(700)
    stop.click()
    wait_for(lambda: train.is_enabled(), 10, "Train to come back after Stop")  # 5000 steps take ~40 s
    n_after = len(_source_column(page, "losses", "step"))
    assert n_after > n_before > 0, "the loss curve did not grow while training"
    assert "stopped after" in _status(page)
    assert page.get_by_text("steps:").first.is_visible()
    page.screenshot(path=artifacts_dir / "dashboard_stopped.png")

    # Still alive: another sampler re-samples the kept model without complaint.
    page.get_by_label("Sampler").select_option("DDIM (η)")
    page.get_by_text("DDIM η").first.wait_for(state="visible", timeout=5_000)
    page.wait_for_timeout(800)
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def _canvas_geometry(page) -> dict:
    return page.evaluate("""() => {
        const fig = Bokeh.documents[0].get_model_by_name('draw_canvas');
        const view = Bokeh.index.find_one(fig);
        const r = view.canvas_view.el.getBoundingClientRect();
        const sx = (x) => r.left + view.frame.x_scale.compute(x);
        const sy = (y) => r.top + view.frame.y_scale.compute(y);
        return {x0: sx(%r), x1: sx(%r), y: sy(%r)};
    }""" % (STROKE_X[0], STROKE_X[1], STROKE_Y))


def _drag_stroke(page) -> bool:
    """Drag the mouse along the stroke on the drawing canvas; True if the browser recorded a stroke."""
    geo = _canvas_geometry(page)
    page.mouse.move(geo["x0"], geo["y"])
    page.mouse.down()
    for i in range(1, 31):
        page.mouse.move(geo["x0"] + (geo["x1"] - geo["x0"]) * i / 30, geo["y"])
    page.mouse.up()
    page.wait_for_timeout(300)
    return bool(page.evaluate("() => Bokeh.documents[0].get_model_by_name('strokes').data.xs.length"))


def test_draw_a_line_train_and_samples_land_on_it(page, app_server, artifacts_dir):
    errors = open_app(page, app_server, title=TITLE)
    page.get_by_role("button", name="Draw").click()
    page.get_by_text("Draw with the mouse: the dots are your training set.").wait_for(state="visible")
    page.wait_for_timeout(500)
    # A drag can be lost while the page is still busy starting up (the animation renders in software
    # GL here): try again, up to three times, until the browser has recorded the stroke.
    assert any(_drag_stroke(page) for _ in range(3)), "the canvas recorded no stroke"
    dots = wait_for(lambda: _source_column(page, "drawn_points", "y"), 15, "the drawing's dots")
    assert len(dots) > 50 and abs(np.median(dots) - STROKE_Y) < 0.1
    assert "Your drawing" in _status(page)

    _set_training_steps(page, 600)
    train = page.get_by_role("button", name="Train")
    train.click()
    wait_for(lambda: "trained 600 steps" in _status(page), 30, "training to finish")
    x = np.array(_source_column(page, "preview", "x"))
    y = np.array(_source_column(page, "preview", "y"))
    page.screenshot(path=artifacts_dir / "dashboard_drawn.png")
    assert len(x) >= 100
    # The samples lie on the stroke: close to the line, and spread along it.
    assert np.median(np.abs(y - STROKE_Y)) < 0.15
    assert np.mean(np.abs(y - STROKE_Y) < 0.5) > 0.9
    assert np.mean((x > STROKE_X[0] - 0.5) & (x < STROKE_X[1] + 0.5)) > 0.9
    assert x.min() < -1.5 and x.max() > 1.5
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def test_bad_csv_upload_shows_an_error(page, app_server, tmp_path, artifacts_dir):
    errors = open_app(page, app_server, title=TITLE)
    page.get_by_role("button", name="Draw").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    page.locator("input[type=file][accept='.csv']").set_input_files(bad)
    page.get_by_text("line 3").first.wait_for(state="visible", timeout=10_000)
    good = tmp_path / "good.csv"
    good.write_text("x,y\n" + "".join(f"{t:.3f},{-t:.3f}\n" for t in np.linspace(-2, 2, 50)))
    page.locator("input[type=file][accept='.csv']").set_input_files(good)
    wait_for(lambda: "Loaded 50 points" in _status(page), 10, "the upload to load")
    assert len(_source_column(page, "drawn_points", "x")) == 50
    page.screenshot(path=artifacts_dir / "dashboard_upload.png")
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def test_plot_slider_toggles_and_legend_fit_a_laptop_screen(page, app_server):
    """1280x720 with the sidebar open: the plot, the Time slider, the player, the layer toggles and their legend
    are all on screen without scrolling, side by side with the sidebar, and do not overlap."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_server)
    page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=30_000)
    boxes = {
        "plot": page.evaluate("""() => { const doc = Bokeh.documents[0], s = doc.get_model_by_name('samples');
            const fig = [...doc._all_models.values()]
                .find(m => m.renderers && m.renderers.some(r => r.data_source === s));
            const r = Bokeh.index.find_one(fig).el.getBoundingClientRect();
            return {x: r.left, y: r.top, width: r.width, height: r.height}; }"""),
        "slider": page.locator(".bk-input-group").filter(has_text="Time (noise").first.bounding_box(),
        "player": page.locator(".explorer-player").bounding_box(),
        "loop": page.get_by_role("button", name="Loop").bounding_box(),
        "toggles": page.get_by_text("Mesh", exact=True).first.bounding_box(),
        "clear traces": page.get_by_role("button", name="Clear traces").bounding_box(),
        "legend": page.locator(".layer-legend .legend-line").bounding_box(),
        "sidebar": page.get_by_role("button", name="Train").bounding_box(),
    }
    for name, b in boxes.items():
        assert b is not None and b["width"] > 0, name
        assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= 1280 and b["y"] + b["height"] <= 720, (name, b)
    assert boxes["plot"]["height"] > 400 and boxes["plot"]["x"] > boxes["sidebar"]["x"] + boxes["sidebar"]["width"]
    bottom = {k: boxes[k]["y"] + boxes[k]["height"] for k in boxes}
    assert bottom["plot"] <= boxes["slider"]["y"] + 1 and bottom["slider"] <= boxes["toggles"]["y"]
    assert bottom["toggles"] <= boxes["legend"]["y"] + 1 and bottom["toggles"] <= boxes["clear traces"]["y"], boxes
    # Clear traces sits beside the legend, inside the plot's column: left of the training panel
    assert boxes["clear traces"]["x"] >= boxes["legend"]["x"] + boxes["legend"]["width"] - 1, boxes
    training = page.get_by_text("Training", exact=True).first.bounding_box()
    assert boxes["clear traces"]["x"] + boxes["clear traces"]["width"] <= training["x"], (boxes, training)


def test_a_diverged_run_keeps_its_loss_curve_and_says_where(page, app_server, artifacts_dir):
    errors = open_app(page, app_server, title=TITLE)
    _set_training_steps(page, 300)
    lr = page.get_by_label("Learning rate")
    lr.fill("10")
    lr.press("Enter")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Train").click()
    wait_for(lambda: "diverged" in _status(page), 30, "training to diverge")
    k = wait_for(lambda: (_source_column(page, "loss_blowup", "step") or [None])[0], 5, "the blow-up marker")
    steps, losses = _source_column(page, "losses", "step"), _source_column(page, "losses", "loss")
    assert steps and steps[-1] == k - 1 and all(np.isfinite(losses)), (steps, losses)
    label = page.evaluate("() => { const l = Bokeh.documents[0].get_model_by_name('loss_diverged_label');"
                          " return [l.visible, l.text]; }")
    assert label == [True, f"diverged at step {k}"]
    height = page.evaluate("() => { const fig = Bokeh.documents[0].get_model_by_name('loss_figure'),"
                           " v = Bokeh.index.find_one(fig); return v ? v.el.getBoundingClientRect().height : 0; }")
    assert height > 100, "the loss plot must be on the page"
    page.locator(".notyf__message").filter(has_text=f"diverged at step {k}").first.wait_for(state="visible")
    page.screenshot(path=artifacts_dir / "dashboard_diverged.png")
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
