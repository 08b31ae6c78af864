"""The "A/B compare" tab in headless Chromium, as a student uses it: train both arms with a small budget, read
the verdict, scrub the shared time slider back to the noise.

What the page shows is read back from its Bokeh document by source name (compare_samples_a/_b, compare_loss_a/_b),
so the checks are on what the browser draws, not on the server's state.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from browser_support import drag_slider

pytestmark = pytest.mark.browser

TAB = "A/B compare"
BUDGET = "200"  # training steps per arm: a few seconds on a busy machine
# Panel asks its CDN for loading.css when a hidden tab's widgets update; offline that request fails harmlessly.
PANEL_CDN_CSS = "https://cdn.holoviz.org/panel/"


def _points(page, name: str) -> np.ndarray:
    xy = page.evaluate("(name) => { const d = Bokeh.documents[0].get_model_by_name(name).data;"
                       " return [Array.from(d.x), Array.from(d.y)]; }", name)
    return np.array(xy, float).T.reshape(-1, 2)


def _length(page, name: str) -> int:
    return page.evaluate("(name) => Bokeh.documents[0].get_model_by_name(name).get_length() || 0", name)


def test_train_both_compare_and_scrub_to_the_noise(page, app_server, artifacts_dir):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("requestfailed", lambda r: None if r.url.startswith(PANEL_CDN_CSS) else errors.append(r.url))
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.set_viewport_size({"width": 1440, "height": 1400})
    started = time.monotonic()
    page.goto(app_server)
    page.get_by_text("Status:").first.wait_for(state="visible", timeout=30_000)

    page.locator(".bk-tab", has_text=TAB).click()
    train = page.get_by_role("button", name="Train both")
    train.wait_for(state="visible", timeout=20_000)
    page.get_by_text("Press Train both").first.wait_for(state="visible", timeout=10_000)
    budget = page.get_by_label("Training steps (each arm)")
    budget.fill(BUDGET)
    budget.press("Enter")
    page.wait_for_timeout(300)
    train.click()

    # The verdict names both energy distances and a winner (or a tie).
    result = page.locator(".bk-panel-models-markup-HTML").filter(has_text="B: ED").locator("div").first
    result.wait_for(state="visible", timeout=45_000)
    text = result.inner_text()
    assert "A: ED" in text and "× floor" in text and ("is closer" in text or "tie" in text), text
    page.screenshot(path=artifacts_dir / "compare_trained.png")

    # Both plots show 1000 samples near the data at t = 0; both loss curves reached the budget.
    for arm in "ab":
        assert _length(page, f"compare_samples_{arm}") == 1000
        steps = page.evaluate("(n) => Array.from(Bokeh.documents[0].get_model_by_name(n).data.step)",
                              f"compare_loss_{arm}")
        assert len(steps) == int(BUDGET) // 10 and steps[-1] == int(BUDGET), steps[-3:]
    end = {arm: _points(page, f"compare_samples_{arm}") for arm in "ab"}

    # The shared slider at the start: both plots show the same N(0, I) noise.
    drag_slider(page, "Time (shared)", -0.2)
    start = {arm: _points(page, f"compare_samples_{arm}") for arm in "ab"}
    np.testing.assert_array_equal(start["a"], start["b"])  # one sample seed for both arms
    for arm, pts in start.items():
        assert np.all(np.abs(pts.mean(0)) < 0.15), (arm, pts.mean(0))
        assert np.all((0.9 < pts.std(0)) & (pts.std(0) < 1.1)), (arm, pts.std(0))
        assert pts.std(0).mean() > 1.3 * end[arm].std(0).mean() or not np.allclose(pts, end[arm])
    assert "t = 1.00" in page.locator(".bk-input-group").filter(has_text="Time (shared)").inner_text()
    page.screenshot(path=artifacts_dir / "compare_noise.png")

    # Halfway: each arm at its own nearest step (10 Heun steps vs 50 DDPM steps), labelled on the plot.
    drag_slider(page, "Time (shared)", 0.5)
    labels = page.evaluate("() => [...Bokeh.documents[0]._all_models.values()]"
                           ".filter(m => m.type === 'Label' && m.text && m.text.startsWith('step ')).map(m => m.text)")
    assert sorted(labels) == ["step 25 of 50 · t = 0.50", "step 5 of 10 · t = 0.50"], labels
    assert time.monotonic() - started < 60
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
