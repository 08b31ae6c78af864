"""Nothing clipped at 1280x720 in headless Chromium: the A/B tab's intro, B's menus and B's plot, the export
buttons, a lesson's choices and the plot's layer legend each show all of their text (no "…": scrollWidth <=
clientWidth on the element and on everything inside it) and lie inside the window and their container; the
legend stays above the fold when the status line takes two lines."""
from __future__ import annotations

import pytest
from browser_support import open_app, wait_for

pytestmark = pytest.mark.browser

W, H = 1280, 720

# Every box under `el` (shadow roots too): a child cut by its own width, or sticking out of `el` or the window.
CLIPPED_JS = """(el) => {
  const out = [], box = el.getBoundingClientRect();
  const check = (e) => {
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    if (!r.width || !r.height || cs.visibility === 'hidden') return;
    const what = `${e.tagName}.${(e.className || '').toString().slice(0, 30)} "${(e.innerText || e.textContent || '')
      .trim().slice(0, 40)}"`;
    if (e.scrollWidth > e.clientWidth + 1 && cs.overflowX !== 'visible' && cs.overflowX !== 'auto'
        && cs.overflowX !== 'scroll') out.push(`cut: ${what} ${e.scrollWidth} > ${e.clientWidth}`);
    if (r.right > innerWidth + 0.5 || r.left < -0.5) out.push(`out of the window: ${what} ${r.left}..${r.right}`);
    if (r.right > box.right + 1 || r.left < box.left - 1)
      out.push(`out of its container: ${what} ${r.left}..${r.right} not in ${box.left}..${box.right}`);
  };
  const walk = (root) => {
    for (const e of root.querySelectorAll('*')) { check(e); if (e.shadowRoot) walk(e.shadowRoot); }
  };
  check(el); if (el.shadowRoot) walk(el.shadowRoot); walk(el);
  return out;
}"""


def _clipped(locator) -> list[str]:
    locator.first.wait_for(state="visible", timeout=30_000)
    return locator.first.evaluate(CLIPPED_JS)


@pytest.fixture
def app(page, app_server):
    errors = open_app(page, app_server, height=H)
    page.set_viewport_size({"width": W, "height": H})
    page.locator("button.pause").click()
    page.wait_for_timeout(500)
    yield page
    assert not errors, errors


def test_the_ab_tab_fits_1280(app):
    page = app
    page.locator(".bk-tab", has_text="A/B compare").click()
    intro = page.locator(".markdown", has_text="Train two configurations")
    wait_for(lambda: page.get_by_role("button", name="Train both").count(), 30, "the A/B tab")
    page.wait_for_timeout(1000)
    assert _clipped(intro) == []
    schedule = page.locator(".bk-input-group", has_text="B: Schedule")
    assert _clipped(schedule) == []
    for name in ("compare_plot_b", "compare_plot_a"):
        box = page.evaluate("""(name) => { const fig = Bokeh.documents[0].get_model_by_name(name);
            const r = Bokeh.index.find_one(fig).el.getBoundingClientRect(); return [r.left, r.right]; }""", name)
        assert 0 <= box[0] and box[1] <= W, (name, box)


def test_the_export_buttons_show_their_whole_names(app):
    page = app
    page.get_by_role("button", name="Draw").click()  # the drawing's Upload CSV and Download CSV
    page.get_by_text("Draw with the mouse").first.wait_for(state="visible", timeout=20_000)
    page.wait_for_timeout(1000)
    for name in ("Upload CSV", "Download CSV"):
        assert _clipped(page.locator(".bk-input-group, .bk-btn-group, .bk-panel-models-widgets-FileDownload",
                                     has_text=name).last) == [], name
    page.get_by_text("Export & share", exact=True).click()
    page.get_by_text("Dataset CSV").first.wait_for(state="visible", timeout=10_000)
    for name in ("Dataset CSV", "Samples CSV", "Trajectories CSV", "Model (.zip)", "Interactive page (.html)",
                 "Render GIF", "Render video", "Download GIF", "Download MP4"):
        button = page.locator(".bk-panel-models-widgets-FileDownload, .bk-panel-models-widgets-Button",
                              has_text=name)
        assert _clipped(button) == [], name


def test_a_lessons_choices_are_whole(app):
    page = app
    page.get_by_text("Lessons", exact=True).click()
    page.locator("select").filter(has_text="Choose a lesson").select_option(index=1)
    page.get_by_role("button", name="Next ▶").click()  # step 2 asks a question
    choices = page.locator(".bk-input-group").filter(has=page.locator("input[type=radio]"))
    wait_for(lambda: choices.count(), 15, "a lesson's choices")
    for k in range(choices.count()):
        assert _clipped(choices.nth(k)) == []


def test_the_layer_legend_is_whole_and_stays_on_screen_under_a_two_line_status(app):
    page = app
    for label in ("Density", "Vector field", "Streamlines", "Mesh"):
        page.get_by_text(label, exact=True).first.click()
        page.wait_for_timeout(300)
    legend = page.locator(".layer-legend")
    shown = "(e) => (e.shadowRoot || e).textContent"
    wait_for(lambda: "grid, carried" in legend.first.evaluate(shown), 15, "the legend of four layers")
    assert _clipped(legend) == []
    # a two-line status (v-prediction cannot train on rectified flow: the sidebar says what it switched)
    page.get_by_label("Objective", exact=True).select_option(label="v-prediction")
    page.get_by_label("Schedule", exact=True).select_option(label="Rectified flow (straight paths)")
    status = page.get_by_text("Status:").first
    wait_for(lambda: status.evaluate("e => e.parentElement.getBoundingClientRect().height") > 30, 15,
             "a status of two lines")
    box = legend.first.bounding_box()
    assert box["y"] + box["height"] <= H, (box, status.evaluate("e => e.parentElement.textContent"))
    assert _clipped(legend) == []
