"""A plot layer registered by the page's own script, and nowhere else, is drawn in headless Chromium: its
checkbox and legend are there, and its page code (keyed by its name, explorer/ui/plot/layers.py) draws it from
the frame shown. The app is written here, so the layer lives only in this test."""
from __future__ import annotations

import time

import pytest
from browser_support import serve_panel_app, wait_for

pytestmark = pytest.mark.browser

APP = '''
import panel as pn
import torch

from explorer.ui.plot.layers import LAYERS, LayerSpec
from explorer.ui.plot.main_view import MainView
from explorer.ui.session.state import ExplorerState

HALO_JS = """
const r = c.layer.halo_r, d = c.d;
if (!r || !r.visible || !d.halo_n || !d.halo_n[0]) return;
const m = d.halo_n[0];
r.data_source.setv({data: {x: c.sx.slice(0, m), y: c.sy.slice(0, m)}}, c.quiet);
window.__halo_draws = (window.__halo_draws || 0) + 1;
"""


def draw(canvas, layer):
    return [canvas.fig.scatter("x", "y", source=layer.source("halo", {"x": [], "y": []}), size=14, fill_alpha=0,
                               line_color="#b8860b", line_width=2, visible=False, name="halo_r")]


if "halo" not in LAYERS:
    LAYERS.register(LayerSpec("halo", "Halo", draw, HALO_JS, pack=lambda run, model: {"halo_n": [20]}, z=65,
                              color="#b8860b", legend=("◎", "Halo: a ring round 20 samples", "halo")))
torch.set_num_threads(1)
pn.extension()
pn.Column(MainView(state=ExplorerState())).servable(title="Halo")
'''

HALO_JS = """() => { const doc = Bokeh.documents[0], h = doc.get_model_by_name('halo'),
  s = doc.get_model_by_name('samples').data;
  return h ? {hx: Array.from(h.data.x), sx: Array.from(s.x.slice(0, 20)), draws: window.__halo_draws || 0}
           : null; }"""


def test_a_layer_registered_by_the_app_is_toggled_and_drawn(page, tmp_path, artifacts_dir):
    script = tmp_path / "halo_app.py"
    script.write_text(APP)
    with serve_panel_app(script, tmp_path) as (url, _log):
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_viewport_size({"width": 700, "height": 820})
        page.goto(url)
        page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=60_000)
        assert page.evaluate(HALO_JS) is None  # not made before it is shown
        page.get_by_text("Halo", exact=True).click()
        page.wait_for_function("() => (window.__halo_draws || 0) > 3", timeout=20_000)
        page.locator("button.pause").click()
        time.sleep(0.5)
        drawn = page.evaluate(HALO_JS)
        assert len(drawn["hx"]) == 20 and drawn["hx"] == pytest.approx(drawn["sx"], abs=1e-5)  # the shown frame
        legend = page.locator(".layer-legend .legend-line")
        wait_for(lambda: "Halo: a ring round 20 samples" in legend.inner_text(), 5, "the legend to name the halo")
        page.screenshot(path=str(artifacts_dir / "registered_layer.png"))
        assert not errors, errors
