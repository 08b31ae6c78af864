"""The setup in the address bar and the Export & share card, in headless Chromium.

Serves explorer/serve/app.py once it wires `sync_url` and `ExportView`, else tests/support/apps/url_app.py (the
same page with both wired). Numbers are read back from the page's Bokeh document and from real downloads.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from browser_support import drag_slider, open_app, serve_panel_app, wait_for
from draw_support import status
from PIL import Image
from playwright.sync_api import expect

import explorer as dx
from explorer.core.solvers import SAMPLERS
from explorer.data import datasets

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
APP_PY = REPO / "explorer" / "serve" / "app.py"
APP = APP_PY if all(w in APP_PY.read_text() for w in ("sync_url", "ExportView")) \
    else REPO / "tests" / "support" / "apps" / "url_app.py"


@pytest.fixture(scope="module")
def url_app(tmp_path_factory):
    with serve_panel_app(APP, tmp_path_factory.mktemp("url_app")) as (url, log_path):
        yield url
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


def _frames(page) -> int:
    """Frames of the run the main view holds (its store's time column)."""
    return page.evaluate("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                         " return m && m.data.t.length ? m.data.t[0].length : 0; }")


def _search(page) -> str:
    return page.evaluate("() => window.location.search")


def _export_card(page):
    page.get_by_text("Export & share", exact=True).click()
    page.get_by_role("button", name="Samples CSV").wait_for(state="visible", timeout=5_000)


def test_a_link_opens_its_setup_and_follows_changes(page, url_app, artifacts_dir):
    query = "?dataset=moons&sampler=ddim&eta=0.5&sample_steps=20&n_samples=300"
    errors = open_app(page, url_app + query, height=1300)
    assert page.get_by_label("Dataset").input_value() == "Moons"
    assert "DDIM" in page.get_by_label("Sampler").input_value()
    assert "0.50" in page.get_by_text("DDIM η:").first.inner_text()
    page.wait_for_function("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                           " return m && m.data.t.length && m.data.t[0].length > 0; }", timeout=10_000)
    assert _frames(page) == 21  # 20 sampler steps: the served state used the link
    page.get_by_label("Sampler").select_option(label="Euler (ODE)")
    page.wait_for_function("() => window.location.search.includes('sampler=euler')", timeout=10_000)
    query = _search(page)
    # a sampler chosen by hand brings its own default steps (the registry's), and the link follows
    assert "dataset=moons" in query and f"sample_steps={dx.SAMPLERS['euler'].default_steps}" in query
    page.screenshot(path=artifacts_dir / "url_setup.png")
    assert not errors, errors


def test_a_garbage_link_still_opens_with_a_notification(page, url_app, artifacts_dir):
    errors = open_app(page, url_app + "?eta=banana&dataset=nope&sampler=ddim&n_samples=300", height=1300)
    note = page.locator(".notyf__message").filter(has_text="not used")
    note.first.wait_for(state="visible", timeout=10_000)
    text = note.first.inner_text()
    assert "banana" in text and "nope" in text
    assert page.get_by_label("Dataset").input_value() == "Smiley"
    assert "DDIM" in page.get_by_label("Sampler").input_value()  # the good value in a bad link still counts
    page.wait_for_function("() => window.location.search.includes('eta=0.0')", timeout=10_000)
    assert "banana" not in _search(page) and "nope" not in _search(page)
    page.screenshot(path=artifacts_dir / "url_garbage.png")
    assert not errors, errors


def test_download_samples_csv_and_gif(page, url_app, artifacts_dir, tmp_path):
    errors = open_app(page, url_app + "?n_samples=300&sample_steps=10", height=1300)
    page.wait_for_function("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                           " return m && m.data.t.length && m.data.t[0].length == 11; }", timeout=10_000)
    _export_card(page)
    with page.expect_download(timeout=15_000) as download:
        page.get_by_role("button", name="Samples CSV").click()
    assert download.value.suggested_filename == "samples.csv"
    points = datasets.read_csv(download.value.path())
    assert points.shape == (300, 2)
    shown = page.evaluate("() => { const d = Bokeh.documents[0].get_model_by_name('main_view_store').data;"
                          " return [Array.from(d.x[0]), Array.from(d.y[0])]; }")
    last = np.stack([shown[0][-300:], shown[1][-300:]], 1)  # the store's last frame: the samples at t = 0
    np.testing.assert_allclose(points, last, atol=1e-5)

    page.get_by_role("button", name="Render GIF").click()
    gif_button = page.get_by_role("button", name="Download GIF")
    expect(gif_button).to_contain_text("kB)", timeout=20_000)  # the label gets the size once it is drawn
    expect(gif_button).to_be_enabled()
    with page.expect_download(timeout=15_000) as download:
        gif_button.click()
    gif = Image.open(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert gif.format == "GIF" and gif.n_frames == 11
    page.get_by_text("Export & share", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "export_card.png")
    assert not errors, errors


def _train(page, steps: int) -> None:
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: f"trained {steps} steps" in status(page), 120, "the model to train")


def _last_samples(page) -> list:
    """A few coordinates of the shown run's samples: they change once a new run has reached the page."""
    return page.evaluate("() => { const m = Bokeh.documents[0].get_model_by_name('main_view_store');"
                         " return m && m.data.x.length ? Array.from(m.data.x[0].slice(-3)) : []; }")


def _settled(page, before: list) -> None:
    wait_for(lambda: _last_samples(page) not in ([], before), 30, "the new run to reach the page")


def _w(page) -> float:
    return float(page.get_by_text("Guidance w:").first.inner_text().split(":")[1])


def _advanced(page) -> None:
    page.get_by_text("Advanced", exact=True).click()
    page.get_by_label("Coupling").wait_for(state="visible", timeout=10_000)


def test_a_link_carries_classes_guidance_coupling_and_source(page, url_app, artifacts_dir):
    """Classes on smiley, Ask for one class, w = 3, OT coupling and Start from moons: the link restores all."""
    errors = open_app(page, url_app + "?train_steps=300&n_samples=300&sample_steps=20", height=1500)
    page.get_by_role("checkbox", name="Train with classes").check()
    _train(page, 300)  # a conditional model: Ask for, w and Guide with appear
    page.get_by_label("Ask for").select_option("mouth")
    drag_slider(page, "Guidance w", 0.3)  # 0..10: w = 3
    assert _w(page) == 3.0
    _advanced(page)
    page.get_by_label("Coupling").select_option("ot")
    page.get_by_label("Start from (flow matching)").select_option(label="Moons")
    wanted = ("conditional=true", "label=mouth", "guidance=3.0", "coupling=ot", "source=moons")
    wait_for(lambda: all(w in _search(page) for w in wanted), 30, f"the link to say {wanted}: {_search(page)}")
    link = page.evaluate("() => window.location.href")

    other = page.context.new_page()
    errors += open_app(other, link, height=1500)
    assert other.get_by_role("checkbox", name="Train with classes").is_checked()
    _advanced(other)
    assert other.get_by_label("Coupling").input_value() == "ot"
    assert other.get_by_label("Start from (flow matching)").input_value() == "Moons"
    _train(other, 300)  # the class and w asked for apply to a model with classes: train one here too
    assert other.get_by_label("Ask for").input_value() == "mouth"
    assert _w(other) == 3.0
    other.screenshot(path=artifacts_dir / "url_guidance_link.png")
    assert not errors, errors


def test_back_then_copy_gives_the_pages_own_setup(page, url_app, artifacts_dir):
    """Two sampler changes, then Back: the address bar and the page show the same sampler, so the link copied
    then is the setup on the screen (each change replaced the history entry instead of adding one)."""
    errors = open_app(page, url_app + "?sampler=euler&n_samples=300", height=1300)
    _settled(page, [])
    errors += open_app(page, url_app + "?n_samples=300", height=1300)  # a second page in the same tab
    sampler = page.get_by_label("Sampler")
    for name in ("ddim", "dpmpp2m"):
        before = _last_samples(page)
        sampler.select_option(label=SAMPLERS[name].label)
        page.wait_for_function(f"() => window.location.search.includes('sampler={name}')", timeout=10_000)
        _settled(page, before)  # (leaving a page while the server still writes to it logs a traceback)
    page.go_back()
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)
    page.get_by_label("Sampler").wait_for(state="visible", timeout=30_000)
    shown = page.get_by_label("Sampler").input_value()
    in_link = dict(p.split("=", 1) for p in _search(page).lstrip("?").split("&") if "=" in p).get("sampler")
    assert in_link in SAMPLERS and SAMPLERS[in_link].label == shown, (_search(page), shown)
    page.screenshot(path=artifacts_dir / "url_back.png")
    assert not errors, errors
