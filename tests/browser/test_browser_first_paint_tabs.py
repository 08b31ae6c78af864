"""Every tab a link opens with the page renders, with the server's speed-ups on (explorer/ui/compat.py).

A link can open a tab during the first paint: a lesson's teacher link (/app?lesson=forward&step=2, the
Lessons card's steps, from explorer/lessons/) or ?tab=. That tab's view is then built while Bokeh's property
checks are off (compat.quick_build), and on the code before issue 23 the first lesson's link was a blank page
(the Densities figures kept their titles as strings; the server raised). Each link here is loaded in a real
browser against one served app: the status line shows, the link's tab is the open one, a plot in it is drawn,
the lesson's step is the one shown, and neither the server's log nor the page has an error.
"""
from __future__ import annotations

import pytest
from browser_support import APP_PATH, serve_process

from explorer.lessons import load_lessons
from explorer.ui.explorer import Explorer

pytestmark = pytest.mark.browser

LESSONS = load_lessons()
TABS = Explorer.TAB_NAMES


def _lesson_tab(name: str, step: int) -> str:
    """The tab the link of step `step` (from 1) opens: the last `tab=` of steps 1..step, as lesson_state.open."""
    tab = "Explore"
    for earlier in LESSONS[name].steps[:step]:
        tab = earlier.settings.get("tab", tab)
    return tab


# In the page: the open tab's title, and how many of its plots are drawn (a view that has finished, on screen).
SHOWN_JS = """() => {
  const models = [...Bokeh.documents[0].all_models];
  const tabs = models.find((m) => m.type.endsWith('Tabs') && m.tabs.some((t) => t.title === 'Explore'));
  let drawn = 0;
  for (const m of models) {
    if (!m.type.endsWith('Plot') && m.type !== 'Figure') continue;
    const view = Bokeh.index.find_one(m);
    if (view == null || !view.has_finished()) continue;
    const box = view.el.getBoundingClientRect();
    if (box.width > 50 && box.height > 50 && view.el.checkVisibility()) drawn += 1;
  }
  return {tab: tabs == null ? null : tabs.tabs[tabs.active].title, drawn};
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app with its speed-ups on (EXPLORER_VALIDATE_PROPERTIES=0); yields (url, the server's log)."""
    env = {"EXPLORER_VALIDATE_PROPERTIES": "0"}
    with serve_process(APP_PATH, tmp_path_factory.mktemp("first-paint-tabs"), env=env) as (_proc, url, log):
        yield url, log


@pytest.fixture(scope="module")
def tab(browser):
    """One browser page for every link (a new page per link cost a second or two more, on a busy machine);
    yields (page, the list collecting its uncaught errors)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, errors
    page.close()


def _server_errors(log, since: int) -> str:
    text = log.read_text(errors="replace")[since:]
    return "\n".join(line for line in text.splitlines() if "Error" in line or "Traceback" in line
                     or "not applied" in line)


def _open(page, errors: list, served, query: str, tab: str) -> None:
    url, log = served
    page.goto("about:blank")  # the previous link's page closed first: what its end logs is not this link's
    page.wait_for_timeout(200)
    since = len(log.read_text(errors="replace"))
    errors.clear()
    page.goto(f"{url}?{query}", timeout=60_000)
    try:
        page.get_by_text("Status:").first.wait_for(state="visible", timeout=45_000)
        page.wait_for_function(f"() => ({SHOWN_JS})().drawn > 0 && ({SHOWN_JS})().tab === {tab!r}",
                               timeout=30_000)
    except Exception as exc:  # a blank page: say what the server said
        raise AssertionError(f"?{query}: no drawn plot in tab {tab!r}; server: {_server_errors(log, since)}") from exc
    shown = page.evaluate(SHOWN_JS)
    assert shown["tab"] == tab and shown["drawn"] >= 1, shown
    page.wait_for_timeout(300)  # what the page does next (the sidebar, after the first paint) errs here too
    assert not _server_errors(log, since), _server_errors(log, since)
    assert not errors, errors


def _check_step(page, name: str, k: int) -> None:
    """Step k (from 1) of lesson `name` is the one shown: its title, and for a question, round radio buttons
    with every choice inside the sidebar's card and the answer hidden until Reveal."""
    lesson_step = LESSONS[name].steps[k - 1]
    page.get_by_text(lesson_step.title, exact=True).first.wait_for(state="visible", timeout=30_000)  # the card's step
    if lesson_step.question:  # one answer is asked for
        radios = page.locator("input[type=radio]")
        assert radios.count() == len(lesson_step.choices), (name, k)
        assert radios.first.evaluate("e => getComputedStyle(e).borderRadius") == "50%"
        card = page.get_by_text(lesson_step.title, exact=True).first.evaluate(
            "e => { let c = e; while (c && !(c.getBoundingClientRect().width > 250)) c = c.parentElement;"
            " return c.getBoundingClientRect().right; }")
        for choice in lesson_step.choices:
            box = page.get_by_text(choice, exact=True).first.bounding_box()
            assert box is not None and box["x"] + box["width"] <= card + 1, (name, k, choice, box, card)
        assert not page.get_by_text(lesson_step.reveal_text.splitlines()[0]).first.is_visible(), (name, k)


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_link_renders_and_every_step_after_it(tab, served, name):
    """The lesson's teacher link renders its first step; then Next walks every later step in the same page,
    each in its tab with a plot drawn. (A link to step k sets what steps 1..k set, which is what walking does;
    the first paint of every tab is the test below. One page load per lesson, not per step, keeps this
    test at a minute of CI instead of five.)"""
    page, errors = tab
    _open(page, errors, served, f"lesson={name}&step=1", _lesson_tab(name, 1))
    _check_step(page, name, 1)
    url, log = served
    since = len(log.read_text(errors="replace"))
    for k in range(2, len(LESSONS[name].steps) + 1):
        page.get_by_role("button", name="Next ▶").click()
        want = _lesson_tab(name, k)
        try:
            page.wait_for_function(f"() => ({SHOWN_JS})().drawn > 0 && ({SHOWN_JS})().tab === {want!r}",
                                   timeout=30_000)
        except Exception as exc:
            raise AssertionError(f"{name} step {k}: no drawn plot in tab {want!r}; "
                                 f"server: {_server_errors(log, since)}") from exc
        _check_step(page, name, k)
    assert not _server_errors(log, since), _server_errors(log, since)
    assert not errors, errors


def test_a_teacher_link_to_a_later_step_sets_up_the_steps_before_it(tab, served):
    """The first lesson's halfway link (the one that was a blank page): the step's own tab, drawn, its title."""
    name = "forward"
    _open(page := tab[0], tab[1], served, f"lesson={name}&step=2", _lesson_tab(name, 2))
    _check_step(page, name, 2)


@pytest.mark.parametrize("name", TABS)
def test_every_tab_opened_by_the_link_renders(tab, served, name):
    page, errors = tab
    _open(page, errors, served, f"tab={name.replace(' ', '_')}", name)


def test_an_unknown_tab_in_the_link_says_so(tab, served):
    page, errors = tab
    _open(page, errors, served, "tab=Nowhere", "Explore")
    page.get_by_text("tab='Nowhere' is not one of").first.wait_for(state="visible", timeout=15_000)
