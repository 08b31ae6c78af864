"""The main view in headless Chromium: it plays by itself, the Time slider reaches noise and data, the layers
switch on, a tap traces a path, a new run is sent once. Serves tests/support/apps/main_view_app.py (the view alone,
with a sampler and a steps knob) so that it does not depend on the rest of the dashboard."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser_support import drag_slider, serve_panel_app, wait_for

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "support" / "apps" / "main_view_app.py"

# Mean distance from each sample to its nearest training point, and the samples' mean and std, in the page.
STATS_JS = """() => {
  const doc = Bokeh.documents[0], s = doc.get_model_by_name('samples').data, g = doc.get_model_by_name('data').data;
  const n = s.x.length; let mx = 0, my = 0, vx = 0, vy = 0, nn = 0;
  for (let i = 0; i < n; i++) { mx += s.x[i] / n; my += s.y[i] / n; }
  for (let i = 0; i < n; i++) {
    vx += (s.x[i] - mx) ** 2 / n; vy += (s.y[i] - my) ** 2 / n;
    let best = Infinity;
    for (let j = 0; j < g.x.length; j++) best = Math.min(best, (s.x[i] - g.x[j]) ** 2 + (s.y[i] - g.y[j]) ** 2);
    nn += Math.sqrt(best) / n;
  }
  return {n, mx, my, sx: Math.sqrt(vx), sy: Math.sqrt(vy), nn};
}"""
# a layer not shown yet may not be in the page at all (explorer/ui/plot/main_view_layers.py): hidden, no points
RENDERER_JS = """(name) => {
  const r = [...Bokeh.documents[0]._all_models.values()].find(m => m.data_source && m.data_source.name === name);
  return r ? {visible: r.visible, n: r.data_source.get_length()} : {visible: false, n: 0, absent: true};
}"""


@pytest.fixture(scope="module")
def main_view_url(tmp_path_factory):
    with serve_panel_app(APP, tmp_path_factory.mktemp("main_view_url")) as (url, log_path):
        yield url
    log = log_path.read_text(errors="replace")
    # no traceback through our code (closed sockets are fine)
    assert not [line for line in log.splitlines() if line.strip().startswith("File") and "/explorer/" in line], log


@pytest.fixture
def view(page, main_view_url):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 700, "height": 820})
    page.goto(main_view_url)
    page.wait_for_function("() => (window.__explorer_frames || 0) > 3", timeout=30_000)
    yield page
    assert not errors, errors


def _pause(page):
    page.locator("button.pause").click()
    time.sleep(0.3)


def _checkbox(page, label):
    boxes = page.locator("input[type=checkbox]")
    for i in range(boxes.count()):
        if boxes.nth(i).evaluate("e => e.nextElementSibling && e.nextElementSibling.textContent") == label:
            return boxes.nth(i)
    raise LookupError(label)


def _time_label(page):
    return page.evaluate("() => [...Bokeh.documents[0]._all_models.values()].find(m => m.type == 'Label'"
                         " || (m.text !== undefined && m.x_units === 'screen')).text")


SLIDER_JS = ("() => [...Bokeh.documents[0]._all_models.values()].find(m => m.title === 'Time (noise → data)')"
             ".value")
PROBE_JS = ("() => [window.__explorer_frames, Array.from(Bokeh.documents[0].get_model_by_name('samples')"
            ".data.x.slice(0, 50))]")


def test_opens_animating(view, artifacts_dir):
    first, tick = view.evaluate(PROBE_JS), view.evaluate(SLIDER_JS)
    time.sleep(1.0)
    later = view.evaluate(PROBE_JS)
    assert later[0] - first[0] >= 5, "the page should redraw many times a second"
    assert first[1] != later[1], "the samples should move without any input"
    assert len(first[1]) == 50
    assert view.evaluate(SLIDER_JS) != tick, "the Time slider follows the player"
    view.screenshot(path=str(artifacts_dir / "main_view_playing.png"))


def test_time_slider_reaches_the_data_and_the_noise(view, artifacts_dir):
    _pause(view)
    drag_slider(view, "Time (noise", 1.2)
    end = view.evaluate(STATS_JS)
    assert _time_label(view).startswith("t = 0.00  ·  100% denoised")
    view.screenshot(path=str(artifacts_dir / "main_view_t0.png"))
    drag_slider(view, "Time (noise", -0.2)
    start = view.evaluate(STATS_JS)
    assert _time_label(view).startswith("t = 1.00  ·  0% denoised")
    view.screenshot(path=str(artifacts_dir / "main_view_t1.png"))
    assert end["n"] == start["n"] == 1000
    assert end["nn"] < 0.08, end  # the samples sit on the training data ...
    assert start["nn"] > 3 * end["nn"], (start, end)  # ... and at t = 1 they do not
    assert abs(start["mx"]) < 0.12 and abs(start["my"]) < 0.12, start  # N(0, I): 1000 draws, mean within 4 sd
    assert 0.9 < start["sx"] < 1.1 and 0.9 < start["sy"] < 1.1, start


def test_layers_switch_on(view, artifacts_dir):
    _pause(view)
    drag_slider(view, "Time (noise", 0.5)
    for name in ("density", "field", "mesh"):
        assert not view.evaluate(RENDERER_JS, name)["visible"]
    for label in ("Density", "Vector field", "Mesh"):
        _checkbox(view, label).click()
    mesh_js = "() => (Bokeh.documents[0].get_model_by_name('mesh') || {get_length: () => 0}).get_length() > 0"
    view.wait_for_function(mesh_js, timeout=10_000)  # the layers are made when first shown
    time.sleep(0.5)
    dens, field, mesh = (view.evaluate(RENDERER_JS, n) for n in ("density", "field", "mesh"))
    assert dens["visible"] and dens["n"] == 1
    assert field["visible"] and field["n"] == 3 * 17 * 17  # a shaft and two head strokes per arrow
    assert mesh["visible"] and mesh["n"] == 2 * 17 * 18  # 17 rows and 17 columns, NaN after each
    assert view.evaluate(RENDERER_JS, "density_contour_0")["n"] > 10
    view.screenshot(path=str(artifacts_dir / "main_view_layers.png"))
    for label in ("Density", "Vector field", "Mesh"):
        _checkbox(view, label).click()
    time.sleep(0.5)
    assert not view.evaluate(RENDERER_JS, "mesh")["visible"]


def test_tap_traces_a_path_through_the_point(view, artifacts_dir):
    _pause(view)
    drag_slider(view, "Time (noise", 0.5)
    box = view.locator(".bk-events").first.bounding_box()
    view.mouse.click(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * 0.3)
    # the traces' sources arrive with the first tap (trace_layer.py)
    view.wait_for_function("() => (Bokeh.documents[0].get_model_by_name('traces') || {get_length: () => 0})"
                           ".get_length() == 1", timeout=15_000)
    tr = view.evaluate("""() => { const d = Bokeh.documents[0], t = d.get_model_by_name('traces').data,
        p = d.get_model_by_name('taps').data, dot = d.get_model_by_name('trace_dots').data;
        return {xs: Array.from(t.xs[0]), ys: Array.from(t.ys[0]), tap: [p.x[0], p.y[0]],
                dot: [dot.x[0], dot.y[0]]} }""")
    # the dot on the path at the shown t is the tapped point
    assert abs(tr["dot"][0] - tr["tap"][0]) < 0.05 and abs(tr["dot"][1] - tr["tap"][1]) < 0.05, tr
    # the path starts far out in the noise and ends near the training data
    to_data = """([x, y]) => { const g = Bokeh.documents[0].get_model_by_name('data').data; let b = 1e9;
        for (let j = 0; j < g.x.length; j++) b = Math.min(b, Math.hypot(g.x[j] - x, g.y[j] - y)); return b }"""
    start, end = (view.evaluate(to_data, [tr["xs"][i], tr["ys"][i]]) for i in (0, -1))
    assert end < 0.3 and start > 2 * end and len(tr["xs"]) > 40, (start, end)
    view.screenshot(path=str(artifacts_dir / "main_view_trace.png"))
    view.get_by_role("button", name="Clear traces").click()
    view.wait_for_function("() => Bokeh.documents[0].get_model_by_name('traces').get_length() == 0", timeout=5_000)


def test_a_new_run_is_sent_once_and_keeps_playing(view):
    steps = view.locator("input.bk-input[type=text]").first  # the app's Steps box
    steps.fill("20")
    steps.press("Enter")
    view.wait_for_function("() => Bokeh.documents[0].get_model_by_name('main_view_store').data.t[0].length == 21",
                           timeout=15_000)
    f0 = view.evaluate("window.__explorer_frames")
    time.sleep(0.6)
    assert view.evaluate("window.__explorer_frames") > f0
    assert view.evaluate(STATS_JS)["n"] == 1000


def test_clicking_a_label_toggles_its_layer(view):
    _pause(view)
    for label, layer in (("Density", "density"), ("Mesh", "mesh")):
        view.get_by_text(label, exact=True).first.click()  # the label's text, not the box
        view.wait_for_function(f"() => ({RENDERER_JS})('{layer}').visible", timeout=10_000)
        assert _checkbox(view, label).is_checked()
    view.get_by_text("Density", exact=True).first.click()
    view.wait_for_function(f"() => !({RENDERER_JS})('density').visible", timeout=10_000)
    assert not _checkbox(view, "Density").is_checked() and _checkbox(view, "Mesh").is_checked()


def _legend_shows(view, legend, *words) -> None:
    wait_for(lambda: all(w in legend.inner_text().lower() for w in words), 5, f"the legend to say {words}")


def test_the_legend_explains_the_layers_whole_in_at_most_two_lines(view):
    _pause(view)
    legend = view.locator(".layer-legend .legend-line")
    _legend_shows(view, legend, "density", "vector field", "mesh")  # none on: it says which there are
    height = legend.bounding_box()["height"]
    for label, words in (("Density", ("density of the samples", "shown t")),
                         ("Vector field", ("density", "velocity", "shown t")),
                         ("Mesh", ("density", "velocity", "grid", "t = 1"))):
        _checkbox(view, label).click()
        _legend_shows(view, legend, *words)
        assert max(height, legend.bounding_box()["height"]) <= 2 * 16, "the legend takes two lines at most"
        assert legend.evaluate("e => e.scrollWidth <= e.clientWidth"), "the legend wraps, never cut with '…'"
    for label in ("Density", "Vector field"):
        _checkbox(view, label).click()
    _legend_shows(view, legend, "mesh", "t = 1")
    assert "density" not in legend.inner_text().lower()
    _checkbox(view, "Mesh").click()


# The box of a button's CSS tooltip (its ::after), from the computed style: position absolute, centred.
TIP_JS = """(cls) => {
  const player = [...Bokeh.documents[0]._all_models.values()]
    .find(m => (m.css_classes || []).includes('explorer-player'));
  const root = Bokeh.index.find_one(player).shadow_el;
  const rect = (b) => { const r = b.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const b = root.querySelector('button.' + cls), s = getComputedStyle(b, '::after'), r = b.getBoundingClientRect();
  const w = parseFloat(s.width), h = parseFloat(s.height);
  const left = s.left === 'auto' ? r.width - parseFloat(s.right) - w : parseFloat(s.left);
  const shift = s.transform && s.transform !== 'none' ? new DOMMatrix(s.transform).m41 : 0;
  return {content: s.content, display: s.display, visibility: s.visibility,
          tip: {x: r.left + left + shift, y: r.bottom - parseFloat(s.bottom) - h, w, h},
          buttons: [...root.querySelectorAll('button')].filter(x => x.offsetParent !== null && x !== b).map(rect),
          labels: Object.fromEntries([...root.querySelectorAll('button')].map(x => [x.className.split(' ')[0],
                                                                               x.getAttribute('aria-label')]))};
}"""


def _overlap(a, b) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_player_buttons_say_what_they_do_and_loop_switches(view):
    labels = wait_for(lambda: (lambda d: d if d["first"] else None)(view.evaluate(TIP_JS, "first")["labels"]), 5,
                      "the player's buttons to get their names")
    assert "noise" in labels["first"] and "t = 1" in labels["first"]
    assert "data" in labels["last"] and "t = 0" in labels["last"]
    assert labels["play"].startswith("Play") and labels["pause"] == "Pause"
    assert "lower" in labels["slower"] and "aster" in labels["faster"]
    for cls in ("first", "last", "slower", "faster"):  # the edges and the ends: their tips must not hide a neighbour
        view.locator(f"button.{cls}").hover()
        tip = view.evaluate(TIP_JS, cls)
        assert tip["content"].strip('"') == labels[cls] and tip["visibility"] == "visible", tip
        assert tip["tip"]["w"] > 20 and not any(_overlap(tip["tip"], b) for b in tip["buttons"]), tip
    view.mouse.move(5, 5)
    loop = view.get_by_role("button", name="Loop")
    policy = "() => [...Bokeh.documents[0]._all_models.values()].find(m => (m.css_classes || [])" \
             ".includes('explorer-player')).data.loop"
    assert view.evaluate(policy) is True and loop.get_attribute("aria-pressed") == "true"
    loop.click()
    wait_for(lambda: view.evaluate(policy) is False, 5, "loop off")
    assert loop.get_attribute("aria-pressed") == "false"
    view.locator("button.last").click()  # at the end with the loop off, play starts again from the noise
    view.locator("button.play").click()
    wait_for(lambda: view.evaluate(SLIDER_JS) < 20, 3, "play to restart from the noise")
    loop.click()
    wait_for(lambda: view.evaluate(policy) is True, 5, "loop on again")
