"""The drawing canvas in headless Chromium, as a newcomer uses it: two strokes, Undo, Clear, an empty CSV, and
the theme switch with a drawing on the page.

Numbers are read back from the page's Bokeh document by source name ("drawn_points", "strokes", "data": the
main plot's training points), so the assertions check what the browser shows.
"""
from __future__ import annotations

import numpy as np
import pytest
from browser_support import wait_for
from draw_support import column as _column
from draw_support import n_strokes as _n_strokes
from draw_support import open_drawing
from draw_support import status as _status
from draw_support import stroke as _stroke

pytestmark = pytest.mark.browser

TITLE = "2D Diffusion Explorer"
UPPER, LOWER = 1.5, -1.5  # the two strokes: horizontal lines at these y, from x = -2.5 to 2.5


def _notification(page, text: str) -> None:
    page.locator(".notyf__message").filter(has_text=text).first.wait_for(state="visible", timeout=10_000)


def test_undo_and_clear_update_the_points_the_count_and_the_training_data(page, app_server):
    errors = open_drawing(page, app_server, TITLE)
    _stroke(page, UPPER)
    n_upper = wait_for(lambda: len(_column(page, "drawn_points", "y") or []), 10, "the first stroke's dots")
    _stroke(page, LOWER)
    wait_for(lambda: len(_column(page, "drawn_points", "y")) > n_upper, 10, "the second stroke's dots")
    y = np.array(_column(page, "drawn_points", "y"))
    assert (np.abs(y - LOWER) < 0.3).sum() > 20 and (np.abs(y - UPPER) < 0.3).sum() > 20

    page.get_by_role("button", name="Undo").click()
    # The dots of the second stroke go at once, and the training data with them (the main plot's grey points).
    wait_for(lambda: len(_column(page, "drawn_points", "y")) == n_upper, 5, "Undo to remove the second stroke's dots")
    assert np.all(np.abs(np.array(_column(page, "drawn_points", "y")) - UPPER) < 0.3)
    assert len(_column(page, "data", "y")) == n_upper
    wait_for(lambda: f"{n_upper} points" in _status(page), 5, "the status to give the new count")
    assert "Undid" in _status(page)

    page.get_by_role("button", name="Clear", exact=True).click()
    wait_for(lambda: _column(page, "drawn_points", "y") == [], 5, "Clear to remove every dot")
    wait_for(lambda: "Cleared" in _status(page), 5, "the status to say the drawing was cleared")
    assert _n_strokes(page) == 0 and _column(page, "data", "y") == []
    page.get_by_role("button", name="Train").click()
    _notification(page, "no training data")
    assert page.get_by_role("button", name="Train").is_enabled(), "nothing may start training"
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def test_an_empty_csv_says_so_and_keeps_the_drawing(page, app_server, tmp_path):
    errors = open_drawing(page, app_server, TITLE)
    good = tmp_path / "good.csv"
    good.write_text("x,y\n" + "".join(f"{t:.3f},{-t:.3f}\n" for t in np.linspace(-2, 2, 40)))
    upload = page.locator("input[type=file][accept='.csv']")
    upload.set_input_files(good)
    wait_for(lambda: len(_column(page, "drawn_points", "x") or []) == 40, 10, "the good upload")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    upload.set_input_files(empty)
    _notification(page, "empty.csv")
    message = page.locator(".notyf__message").filter(has_text="empty.csv").first.inner_text()
    assert "empty" in message.replace("empty.csv", ""), message
    assert len(_column(page, "drawn_points", "x")) == 40, "the previous points must stay"
    # The same file again: the page must say it again, not ignore it. The first message goes after 6 s; waiting
    # for it to go first means a new message cannot be mistaken for the old one (and a slow page cannot hide
    # the second message by letting the first expire while it waits for both).
    messages = page.locator(".notyf__message").filter(has_text="empty.csv")
    wait_for(lambda: messages.count() == 0, 15, "the first message to go")
    upload.set_input_files(empty)
    wait_for(lambda: messages.count() >= 1, 15, "a second message for the second empty upload")
    assert len(_column(page, "data", "x")) == 40
    assert errors == [], "browser console errors:\n" + "\n".join(errors)


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours given as '#rrggbb' or 'rgb(r, g, b)'."""
    def luminance(c: str) -> float:
        if c.startswith("#"):
            rgb = [int(c[i:i + 2], 16) for i in (1, 3, 5)]
        else:
            rgb = [int(float(v)) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]]
        lin = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# What the page looks like: the page's and the sidebar's background, the main plot's colours and the loss
# plot's card, or the main plot's before there is a loss plot (from their models), and the colour of a text
# in a tab drawn later (`text`, if given).
LOOK_JS = """(text) => {
  const doc = Bokeh.documents[0], s = doc.get_model_by_name('samples');
  const fig = [...doc._all_models.values()].find(m => m.renderers && m.renderers.some(r => r.data_source === s));
  const dots = fig.renderers.find(r => r.data_source === s).glyph;
  // the loss plot's card once it is made (with the first loss: training_view.py); the main plot's before
  const loss = doc.get_model_by_name('loss_figure') ?? fig;
  let color = null;
  const walk = (root) => { for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
    walk(el.shadowRoot);
    if (text && [...el.shadowRoot.children].some(c => c.tagName === 'DIV' && c.textContent.includes(text)))
      color = getComputedStyle(el).color;
  } };
  walk(document);
  return {body: getComputedStyle(document.body).backgroundColor,
          sidebar: getComputedStyle(document.getElementById('sidebar')).backgroundColor,
          plot: fig.background_fill_color,  // samples without a class take the class colour map's NaN colour
          samples: (c => c.transform ? c.transform.nan_color : (c.value ?? c))(dots.fill_color),
          card: [loss.border_fill_color, loss.border_fill_alpha], title: loss.title.text_color, text: color,
          marker: window.__explorer_marker ?? null};
}"""
INTRO = "Each colour starts from the trunk"  # the Paths tab's first line: drawn when the tab is first opened


def _dark(look: dict) -> bool:
    return _contrast(look["body"], "#000000") < 2 and _contrast(look["sidebar"], "#000000") < 2.5


def _light(look: dict) -> bool:
    return _contrast(look["body"], "#ffffff") < 1.1 and _contrast(look["sidebar"], "#ffffff") < 1.2


def test_the_theme_switch_keeps_the_drawing_and_the_samples_readable(page, app_server):
    errors = open_drawing(page, app_server, TITLE)
    _stroke(page, UPPER)
    n = wait_for(lambda: len(_column(page, "drawn_points", "x") or []), 10, "the drawing's dots")
    assert _light(page.evaluate(LOOK_JS, None))
    page.evaluate("() => { window.__explorer_marker = 42; }")  # gone if the page reloads

    page.locator("#theme-switch").click()
    wait_for(lambda: _dark(page.evaluate(LOOK_JS, None)), 10, "a dark page")
    wait_for(lambda: page.evaluate(LOOK_JS, None)["card"] == ["#ffffff", 1], 5, "the plots on white cards")
    dark = page.evaluate(LOOK_JS, None)
    assert dark["marker"] == 42, "the page reloaded"
    assert _contrast(dark["samples"], dark["plot"]) > 4.5, f"the samples must stay readable: {dark}"
    assert _contrast(dark["title"], dark["card"][0]) > 7, dark
    assert len(_column(page, "drawn_points", "x")) == n and len(_column(page, "data", "x")) == n
    assert page.get_by_label("Dataset").evaluate("s => s.options[s.selectedIndex].text") == "Your drawing"
    assert "theme=dark" in page.url, "a reload (or a shared link) keeps the theme"
    # A tab drawn after the switch comes in the dark theme too: its text is light on the dark page.
    page.locator(".bk-tab", has_text="Paths not taken").click()
    wait_for(lambda: page.evaluate(LOOK_JS, INTRO)["text"], 15, "the Paths tab")
    assert _contrast(page.evaluate(LOOK_JS, INTRO)["text"], dark["body"]) > 7

    page.locator("#theme-switch").click()
    wait_for(lambda: _light(page.evaluate(LOOK_JS, INTRO)), 10, "the light page again")
    back = page.evaluate(LOOK_JS, INTRO)
    assert back["marker"] == 42 and _contrast(back["text"], "#ffffff") > 7, back
    assert len(_column(page, "drawn_points", "x")) == n
    assert errors == [], "browser console errors:\n" + "\n".join(errors)
