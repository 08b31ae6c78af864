"""What the plot says t = 1 is, in headless Chromium: a flow trained to start from another set (Start from =
moons) starts from that set, so neither the time label nor the caption may call t = 1 "pure noise" or the
samples there "denoised"; a model trained from Gaussian noise keeps the old words."""
from __future__ import annotations

import pytest
from browser_support import open_app, wait_for
from draw_support import status

pytestmark = pytest.mark.browser

LABEL_JS = ("() => [...Bokeh.documents[0]._all_models.values()].find(m => m.type == 'Label'"
            " || (m.text !== undefined && m.x_units === 'screen')).text")


def _at_start(page) -> str:
    """The plot's time label once the player has jumped to t = 1."""
    page.locator("button.first").click()
    return wait_for(lambda: (lambda s: s if s.startswith("t = 1.00") else None)(page.evaluate(LABEL_JS)), 10,
                    "the time label at t = 1")


def _caption(page) -> str:
    return page.get_by_text("t = 0 the data").first.inner_text()


def test_a_flow_from_moons_says_it_starts_from_moons(page, app_server):
    errors = open_app(page, f"{app_server}?dataset=smiley&source=moons&train_steps=150", height=900)
    page.locator("button.pause").click()
    assert _at_start(page).startswith("t = 1.00  ·  0% denoised"), "the pretrained model starts from noise"
    assert "t = 1 is pure noise" in _caption(page)

    page.get_by_role("button", name="Train", exact=True).click()
    wait_for(lambda: "trained 150 steps" in status(page).lower(), 90, "the flow from moons")
    page.wait_for_timeout(800)
    label = _at_start(page)
    assert "noise" not in label and "denoised" not in label, label
    assert label == "t = 1.00  ·  the moons set (start)  ·  0% of the way", label
    caption = _caption(page)
    assert "pure noise" not in caption and "t = 1 is the moons set" in caption, caption
    page.locator("button.last").click()
    wait_for(lambda: page.evaluate(LABEL_JS) == "t = 0.00  ·  100% of the way", 10, "the label at t = 0")
    assert not errors, errors
