"""The Densities and Schedule tabs in headless Chromium, on the served dashboard.

Numbers are read back from the page's Bokeh document by the sources' names ("densities_exact",
"densities_samples", "densities_logp", "schedule_lines"), so the checks are on what the browser holds.
"""
from __future__ import annotations

import math
import re

import pytest
from browser_support import wait_for

pytestmark = pytest.mark.browser

# Sum, length and shape of the first image of a named source (an NDArray in BokehJS), or null if absent.
IMAGE_JS = """(name) => {
  const m = Bokeh.documents[0].get_model_by_name(name);
  if (!m || !m.data.image || m.data.image.length === 0) return null;
  const a = m.data.image[0]; let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  return {sum, n: a.length, shape: a.shape ? Array.from(a.shape) : null};
}"""
TITLE_JS = "(name) => Bokeh.documents[0].get_model_by_name(name).title.text"
SLIDER_JS = """([title, value]) => {
  const s = [...Bokeh.documents[0]._all_models.values()].filter(m => m.type === 'Slider' && m.title === title);
  s.forEach(m => { m.value = value; });
  return s.length;
}"""
STEP_SLIDER = "Sampler step (0 = noise)"


def _tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()


def test_densities_and_schedule_tabs(page, app_server, artifacts_dir):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_viewport_size({"width": 1440, "height": 1500})
    page.goto(app_server)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)

    _tab(page, "Densities")
    page.get_by_text("Compute log-density").first.wait_for(state="visible", timeout=20_000)
    for name in ("densities_exact", "densities_samples"):
        image = wait_for(lambda n=name: page.evaluate(IMAGE_JS, n), 15, f"the {name} image")
        assert image["n"] == 80 * 80 and image["sum"] > 10, image  # normalised to the exact peak: sum >> 1
        lines = page.evaluate(f"() => Bokeh.documents[0].get_model_by_name('{name}_contours').data.xs.length")
        assert lines > 0

    # Scrub the step slider quickly (the server throttles to ~5 updates/s): the last position wins.
    assert page.evaluate(SLIDER_JS, [STEP_SLIDER, 0]) == 1
    for value in range(0, 50, 5):
        page.evaluate(SLIDER_JS, [STEP_SLIDER, value])
        page.wait_for_timeout(30)
    page.evaluate(SLIDER_JS, [STEP_SLIDER, 50])
    wait_for(lambda: "t = 0.000" in page.evaluate(TITLE_JS, "densities_exact_figure"), 10, "the frame at t = 0")
    assert "t = 0.000" in page.evaluate(TITLE_JS, "densities_samples_figure")
    page.screenshot(path=str(artifacts_dir / "densities_t0.png"), full_page=True)

    page.get_by_role("button", name="Compute log-density").click()
    text = page.get_by_text("NLL on the training data").first
    text.wait_for(state="visible", timeout=45_000)
    nll = float(re.search(r"NLL on the training data: (-?\d+\.\d+) nats/point", text.inner_text()).group(1))
    assert math.isfinite(nll) and -5 < nll < 10, nll
    logp = wait_for(lambda: page.evaluate(IMAGE_JS, "densities_logp"), 10, "the log-density image")
    assert logp["n"] == 48 * 48 and math.isfinite(logp["sum"])
    page.screenshot(path=str(artifacts_dir / "densities_logp.png"), full_page=True)

    page.evaluate(SLIDER_JS, [STEP_SLIDER, 20])  # t = 0.6 on the 50-step Heun run
    _tab(page, "Schedule")
    page.get_by_text("Rectified flow / flow matching.").first.wait_for(state="visible", timeout=20_000)
    data = page.evaluate("""() => { const d = Bokeh.documents[0].get_model_by_name('schedule_lines').data;
        return {t: Array.from(d.t), alpha: Array.from(d.alpha), sigma: Array.from(d.sigma)}; }""")
    assert len(data["t"]) == 401
    for t, a, s in zip(data["t"], data["alpha"], data["sigma"], strict=True):  # rectified: alpha = 1 - t, sigma = t
        assert a == pytest.approx(1 - t, abs=1e-6) and s == pytest.approx(t, abs=1e-6)
    span = page.evaluate("() => Bokeh.documents[0].get_model_by_name('schedule_now_0').location")
    assert span == pytest.approx(0.6, abs=1e-9)
    page.screenshot(path=str(artifacts_dir / "schedule.png"), full_page=True)
    assert not errors, errors
