"""The straight-path views in the page (on the shared app server): the Streamlines layer's particles move by
themselves, follow the shown t and stop when the layer is off; the Pairings tab shows far fewer crossings for
the OT pairing than for independent noise, and fits a 1280x720 screen."""
from __future__ import annotations

import re

import pytest
from browser_support import drag_slider, open_app, wait_for

pytestmark = pytest.mark.browser

DOTS_JS = """() => { const d = Bokeh.documents[0].get_model_by_name('stream_dots').data;
  return {x: Array.from(d.x.slice(0, 40)), y: Array.from(d.y.slice(0, 40)), n: d.x.length,
          frames: window.__explorer_stream_frames || 0}; }"""
LINES_JS = "() => Array.from(Bokeh.documents[0].get_model_by_name('streamlines').data.x.slice(0, 200))"


def _finite(values):
    return [v for v in values if v is not None and v == v]


def test_streamline_particles_move_follow_t_and_stop(page, app_server, artifacts_dir):
    errors = open_app(page, app_server, height=900)
    page.locator("button.pause").first.click()
    page.get_by_text("Streamlines", exact=True).first.click()
    page.wait_for_function("() => (window.__explorer_stream_frames || 0) > 5", timeout=30_000)
    first = page.evaluate(DOTS_JS)
    page.wait_for_timeout(600)
    later = page.evaluate(DOTS_JS)
    assert first["n"] == later["n"] == 2 * 144  # two particles on each of the 12 x 12 lines
    moved = [abs(a - b) for a, b in zip(first["x"] + first["y"], later["x"] + later["y"], strict=True)
             if a == a and b == b]
    assert len(moved) > 40 and max(moved) > 0.05, moved  # paused: the particles move by themselves
    assert later["frames"] - first["frames"] >= 2  # ~10 a second in headless Chromium without a GPU
    assert all(abs(v) < 4.6 for v in _finite(later["x"] + later["y"]))
    lines = page.evaluate(LINES_JS)
    drag_slider(page, "Time (noise", 0.9)  # t near 0.1: another field
    wait_for(lambda: page.evaluate(LINES_JS) != lines, 5, "the streamlines to follow the shown t")
    page.screenshot(path=str(artifacts_dir / "streamlines.png"))
    page.get_by_text("Streamlines", exact=True).first.click()
    wait_for(lambda: page.evaluate(DOTS_JS)["n"] == 0, 5, "the particles to go with the layer")
    frames = page.evaluate(DOTS_JS)["frames"]
    page.wait_for_timeout(300)
    assert page.evaluate(DOTS_JS)["frames"] == frames, "the animation loop must stop when the layer is off"
    assert not errors, errors




def test_pairings_show_fewer_crossings_with_ot_and_fit_a_laptop(page, app_server, artifacts_dir):
    errors = open_app(page, app_server, height=720)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".bk-tab", has_text="Pairings").click()
    head = page.get_by_text(re.compile(r"Independent · [\d,]+ crossings")).first
    head.wait_for(state="visible", timeout=30_000)
    ot_head = page.get_by_text(re.compile(r"Minibatch OT · [\d,]+ crossings")).first

    def count(text):
        return int(re.search(r"([\d,]+) crossings", text).group(1).replace(",", ""))

    independent, ot = count(head.inner_text()), count(ot_head.inner_text())
    assert independent > 1000 and ot < independent / 5, (independent, ot)  # chunks of 32: some cross between them
    for name in ("pairs_independent", "pairs_ot"):
        box = page.evaluate("(n) => { const r = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name(n))"
                            ".canvas_view.el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }",
                            name)
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 1280 and box[3] <= 720, (name, box)
    page.screenshot(path=str(artifacts_dir / "straight_pairs.png"))
    page.get_by_role("button", name="New batch").click()
    wait_for(lambda: count(head.inner_text()) != independent, 10, "a new batch")
    assert count(ot_head.inner_text()) < count(head.inner_text()) / 5
    assert not errors, errors
