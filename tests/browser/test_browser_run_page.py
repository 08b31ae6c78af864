"""Sharing a run, in headless Chromium. The run's interactive HTML page (explorer/tools/html_page.py) opened from
file:// with every request that is not a file:// one aborted: it draws the plot, the time slider and Play move it,
the toggles show the density, each sample has its class's colour, and dx.show's notebook output (an iframe) works
the same way. In the served app, Export & share downloads that page and renders the video."""
from __future__ import annotations

import io

import numpy as np
import pytest
from browser_support import drag_slider, open_app, wait_for
from PIL import Image
from playwright.sync_api import expect

import explorer as dx

pytestmark = pytest.mark.browser

COLOURS = ["#d62728", "#2ca02c", "#9467bd"]  # the three dots' classes, in the plot's class colours
N = 300

# What the page draws, read from its Bokeh document: the slider, the label, the drawn samples, the layers.
SHOWN_JS = """() => {
  const doc = Bokeh.documents[0], s = doc.get_model_by_name('samples_source').data;
  const r = (name) => doc.get_model_by_name(name);
  const img = r('density').data_source.data.image;
  return {pos: r('time').value, end: r('time').end,
          text: [...doc._all_models.values()].find(m => m.x_units === 'screen' && typeof m.text === 'string').text,
          n: s.x.length, x: Array.from(s.x), y: Array.from(s.y), c: Array.from(s.c, v => Number.isNaN(v) ? null : v),
          ghost: r('ghost_source').data.x.length, ghost_visible: r('ghost').visible,
          trails: r('trails_source').data.x.length, density_visible: r('density').visible,
          density_max: img && img.length ? Math.max(...Array.from(img[0])) : 0,
          palette: r('samples').glyph.fill_color.transform.palette, play: r('play').active,
          draws: window.__run_page_draws || 0};
}"""


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    points, classes = dx.datasets.load_labelled("three_dots", n=300, seed=0)
    run = dx.sample(dx.OracleDenoiser(points), n=N, sampler="euler", steps=30, seed=0)
    nearest = np.linalg.norm(run.samples[:, None] - points[None], axis=2).argmin(axis=1)
    labels = classes[nearest]  # each sample in the class of the dot it lands on
    folder = tmp_path_factory.mktemp("page")
    path = dx.export.render_html(run, folder / "run.html", data=points, labels=labels,
                                 class_names=["left", "right", "top"], class_colors=COLOURS)
    notebook = folder / "notebook.html"  # a notebook's saved output: dx.show's HTML in a page of its own
    notebook.write_text("<html><body><h1>A notebook</h1>" + dx.show(run, data=points, labels=labels,
                        class_colors=COLOURS)._repr_html_() + "</body></html>", encoding="utf-8")
    return run, labels, path, notebook


def _offline(page) -> tuple[list[str], list[str]]:
    """Abort every request that is not file:// (listed in the first list); the second collects JS errors."""
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return blocked, errors


def _plot_pixels(page) -> np.ndarray:
    canvas = page.locator(".bk-Figure").first
    return np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), dtype=np.int16)


def _tinted(pixels: np.ndarray, colour: str) -> np.ndarray:
    """Pixels that are `colour` laid over white at an alpha of 0.6 or more (dots at alpha 0.72, stacked or not)."""
    v = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], float) - 255
    d = pixels.astype(float) - 255
    a = d @ v / (v @ v)
    return (a > 0.6) & (np.linalg.norm(d - a[..., None] * v, axis=-1) < 15)


def _interpolated(run, pos: float) -> np.ndarray:
    k = min(int(np.floor(pos)), len(run.times) - 2)
    f = pos - k
    return run.points[k] + f * (run.points[k + 1] - run.points[k])


def test_the_page_plays_offline_from_file(page, made):
    run, labels, path, _ = made
    blocked, errors = _offline(page)
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_function("() => (window.__run_page_draws || 0) > 0", timeout=30_000)
    page.wait_for_timeout(300)
    shown = page.evaluate(SHOWN_JS)
    # it opens on the samples (the slider at its end, t = 0), with the ghost and the trajectories
    assert shown["pos"] == shown["end"] == len(run.times) - 1 and shown["text"].startswith("t = 0.00")
    np.testing.assert_allclose(np.c_[shown["x"], shown["y"]], run.samples, atol=1e-6)
    assert shown["ghost"] == 300 and shown["ghost_visible"] and shown["trails"] > 0
    # each sample carries its class, drawn with the class colours
    assert shown["c"] == labels.astype(float).tolist() and shown["palette"] == COLOURS
    end = _plot_pixels(page)
    for colour in COLOURS:  # dots of each class's colour are on the canvas
        assert _tinted(end, colour).sum() > 50, colour

    drag_slider(page, "Time (noise", 0.25)  # the user drags the time back towards the noise
    moved = page.evaluate(SHOWN_JS)
    assert 0 < moved["pos"] < shown["end"] and moved["draws"] > shown["draws"]
    t = float(moved["text"].split()[2])
    assert t > 0.5, moved["text"]
    np.testing.assert_allclose(np.c_[moved["x"], moved["y"]], _interpolated(run, moved["pos"]), atol=1e-4)
    changed = np.abs(_plot_pixels(page) - end).max(axis=2) > 30
    assert changed.mean() > 0.01  # the picture changed, not just the numbers

    page.get_by_text("Density", exact=True).click()  # switch the density layer on
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('density').visible", timeout=5_000)
    dens = page.evaluate(SHOWN_JS)
    assert dens["density_visible"] and dens["density_max"] > 0.1

    page.get_by_role("button", name="▶ Play").click()
    wait_for(lambda: page.evaluate(SHOWN_JS)["pos"] > moved["pos"] + 1, 10, "Play to move the time")
    page.get_by_role("button", name="❚❚ Pause").click()
    paused = page.evaluate(SHOWN_JS)["pos"]
    page.wait_for_timeout(500)
    assert page.evaluate(SHOWN_JS)["pos"] == paused and not page.evaluate(SHOWN_JS)["play"]
    assert blocked == [] and errors == [], (blocked, errors)


def test_play_loops_back_to_the_noise_and_stops_at_the_data_without_loop(page, made):
    run, _, path, _ = made
    blocked, errors = _offline(page)
    page.goto(path.as_uri())
    page.wait_for_function("() => (window.__run_page_draws || 0) > 0", timeout=30_000)
    page.get_by_role("button", name="▶ Play").click()  # at the end: Play starts again from the noise
    wait_for(lambda: page.evaluate(SHOWN_JS)["pos"] < 5, 5, "Play to restart at the noise")
    # with Loop on, the time comes back to the start after the data: a drop in position
    seen = []
    wait_for(lambda: seen.append(page.evaluate(SHOWN_JS)["pos"]) or (len(seen) > 2 and seen[-1] < seen[-2] - 5),
             15, "the loop to start again")
    page.get_by_text("Loop", exact=True).click()  # Loop off: the next sweep stops on the data
    wait_for(lambda: not page.evaluate(SHOWN_JS)["play"], 15, "Play to stop at the data")
    shown = page.evaluate(SHOWN_JS)
    assert shown["pos"] == shown["end"] and page.get_by_role("button", name="▶ Play").is_visible()
    assert blocked == [] and errors == [], (blocked, errors)


def test_dx_show_output_works_without_a_kernel(page, made):
    run, _, _, notebook = made
    blocked, errors = _offline(page)
    page.goto(notebook.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator(".bk-Figure").first.wait_for(state="visible", timeout=30_000)
    inner = page.frames[1]
    inner.wait_for_function("() => (window.__run_page_draws || 0) > 0", timeout=30_000)
    shown = inner.evaluate(SHOWN_JS)
    np.testing.assert_allclose(np.c_[shown["x"], shown["y"]], run.samples, atol=1e-6)
    assert blocked == [] and errors == [], (blocked, errors)


def test_the_apps_export_card_downloads_the_shown_run_as_a_page(page, app_server, tmp_path):
    errors = open_app(page, app_server + "?n_samples=300&sample_steps=10", height=1300)
    page.wait_for_function("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                           " return m && m.data.t.length && m.data.t[0].length == 11; }", timeout=30_000)
    page.get_by_text("Export & share", exact=True).click()
    button = page.get_by_role("button", name="Interactive page (.html)")
    button.wait_for(state="visible", timeout=10_000)
    with page.expect_download(timeout=30_000) as download:
        button.click()
    assert download.value.suggested_filename == "smiley_heun.html"
    saved = tmp_path / "from_the_app.html"
    download.value.save_as(saved)
    shown = page.evaluate("() => { const d = Bokeh.documents[0].get_model_by_name('main_view_store').data;"
                          " return [Array.from(d.x[0].slice(-300)), Array.from(d.y[0].slice(-300))]; }")
    assert not errors, errors

    offline = page.context.new_page()
    blocked, page_errors = _offline(offline)
    offline.goto(saved.as_uri())
    offline.wait_for_function("() => (window.__run_page_draws || 0) > 0", timeout=30_000)
    drawn = offline.evaluate(SHOWN_JS)
    assert drawn["end"] == 10 and drawn["n"] == 300 and drawn["ghost"] > 0
    np.testing.assert_allclose(np.c_[drawn["x"], drawn["y"]], np.array(shown).T, atol=1e-6)  # the app's samples
    assert blocked == [] and page_errors == [], (blocked, page_errors)


def test_the_apps_render_video_button_gives_an_mp4_of_the_shown_run(page, app_server):
    import av

    errors = open_app(page, app_server + "?n_samples=300&sample_steps=10", height=1300)
    page.wait_for_function("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                           " return m && m.data.t.length && m.data.t[0].length == 11; }", timeout=30_000)
    page.get_by_text("Export & share", exact=True).click()
    page.get_by_role("button", name="Render video").click()
    download = page.get_by_role("button", name="Download MP4")
    expect(download).to_contain_text("kB)", timeout=30_000)  # the label gets the size once it is drawn
    with page.expect_download(timeout=15_000) as saved:
        download.click()
    assert saved.value.suggested_filename == "smiley_heun.mp4"
    with av.open(saved.value.path()) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 11 and (frames[0].width, frames[0].height) == (480, 480)  # one per shown frame
    assert not errors, errors
