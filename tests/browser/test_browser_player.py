"""The player on the served dashboard in headless Chromium: a tab round trip keeps its state (paused stays paused,
playing stays playing) and its picture (the samples are drawn), and a new time grid keeps the shown t.
(explorer/ui/plot/player.py, player_controls.py.) One served app for the whole suite (conftest's app_server)."""
from __future__ import annotations

import re
import time

import pytest
from browser_support import drag_slider, open_app, wait_for

pytestmark = pytest.mark.browser

# What the plot shows, read from the Bokeh document in the page: the Time slider's position, the label's t, the
# drawn samples (the glyph's data source), and how many frames the page has drawn so far.
SHOWN_JS = """() => {
  const models = [...Bokeh.documents[0]._all_models.values()];
  const slider = models.find(m => m.title === 'Time (noise → data)');
  const label = models.find(m => typeof m.text === 'string' && m.text.startsWith('t = ') && m.x_units === 'screen');
  const s = Bokeh.documents[0].get_model_by_name('samples').data;
  return {tick: slider.value, label: label.text, n: s.x.length, x: Array.from(s.x.slice(0, 20)),
          frames: window.__explorer_frames || 0};
}"""
# The frame times of the run in the page (the hidden store: explorer/ui/plot/frames.py)
TIMES_JS = "() => Array.from(Bokeh.documents[0].get_model_by_name('main_view_store').data.t[0])"
N_SAMPLES = 1000  # the app's default


def _shown(page) -> dict:
    shown = page.evaluate(SHOWN_JS)
    shown["t"] = float(re.match(r"t = ([0-9.]+)", shown["label"]).group(1))
    return shown


def _tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()


SHOWS = {"Schedule": "Rectified flow / flow matching.", "Densities": "Compute log-density"}  # once a tab is drawn


def _round_trip(page, via: str = "Schedule") -> None:
    """Explore -> `via` -> Explore, each tab given time to be drawn."""
    _tab(page, via)
    page.get_by_text(SHOWS[via]).first.wait_for(state="visible", timeout=30_000)
    time.sleep(1.0)
    _tab(page, "Explore")
    page.locator("button.pause").first.wait_for(state="visible", timeout=30_000)
    time.sleep(0.5)


@pytest.fixture
def app(page, app_server):
    errors = open_app(page, app_server, height=1000)
    page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=60_000)
    yield page
    assert not [e for e in errors if "loading.css" not in e], errors


def _plays(page) -> bool:
    before = _shown(page)
    time.sleep(1.0)
    after = _shown(page)
    return after["frames"] > before["frames"] + 3 and after["x"] != before["x"]


def test_pause_holds_after_a_tab_round_trip(app):
    _round_trip(app)
    assert wait_for(lambda: _plays(app), 10, "playing to carry on after the round trip")  # playing stays playing
    app.locator("button.pause").first.click()
    time.sleep(0.5)
    _round_trip(app)
    first = _shown(app)
    time.sleep(1.5)
    later = _shown(app)
    assert later["tick"] == first["tick"] and later["label"] == first["label"], (first, later)
    assert later["x"] == first["x"], "paused: the samples must not move after the round trip"
    assert later["frames"] - first["frames"] < 3, "paused: the page should not keep drawing"


def test_the_plot_keeps_its_samples_after_a_paused_round_trip(app):
    app.locator("button.pause").first.click()
    drag_slider(app, "Time (noise", 0.5)
    before = _shown(app)
    assert before["n"] == N_SAMPLES and 0.3 < before["t"] < 0.7, before
    _round_trip(app, via="Densities")
    after = _shown(app)  # no slider moved: the picture is there at once
    assert after["n"] == N_SAMPLES, f"the plot came back with {after['n']} samples drawn"
    assert after["x"] == before["x"] and after["label"] == before["label"], (before, after)
    assert after["tick"] == before["tick"]


def test_a_grid_change_keeps_t(app, artifacts_dir):
    app.locator("button.pause").first.click()
    uniform = app.evaluate(TIMES_JS)
    drag_slider(app, "Time (noise", 0.42)  # t ~ 0.58 on the uniform grid
    before = _shown(app)
    assert 0.5 < before["t"] < 0.66, before
    app.get_by_label("Time grid").select_option("Karras (EDM, ρ = 7)")
    karras = wait_for(lambda: (lambda t: t if t != uniform else None)(app.evaluate(TIMES_JS)), 30,
                      "the karras run to reach the page")
    time.sleep(1.0)
    after = _shown(app)
    # one step of the new grid around the old t
    near = [abs(a - b) for a, b in zip(karras, karras[1:], strict=False)
            if min(a, b) - 0.06 <= before["t"] <= max(a, b) + 0.06]
    step = max(near)
    assert abs(after["t"] - before["t"]) <= step + 0.006, (before["t"], after["t"], step)  # (labels round to 0.01)
    assert after["n"] == N_SAMPLES
    app.screenshot(path=str(artifacts_dir / "player_grid_keeps_t.png"))
