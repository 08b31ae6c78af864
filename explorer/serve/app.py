"""The dashboard page, served by ``panel serve explorer/serve/app.py`` (or ``diffusion-explorer serve``).

Panel runs this file once per browser session, so everything mutable (state, models, Bokeh
sources) is created inside :func:`create_app`, never at module level.
"""
import copy
import json

import panel as pn
from bokeh.models import CustomJS
from bokeh.settings import settings
from bokeh.themes import Theme as BokehTheme
from panel.theme import Fast
from panel.theme.fast import DARK_STYLE, FastStyle

from explorer.serve.runtime import freeze_imports, use_thread_policy, warm_up_soon
from explorer.serve.settings import SETTINGS
from explorer.ui import compat
from explorer.ui.compat import quick_build
from explorer.ui.explorer import TITLE, Explorer
from explorer.ui.lazy import after_first_paint, lazy_card, wait_quiet
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.url_state import follow_in_address_bar, replace_keys, sync_url
from explorer.ui.views.export_view import ExportView
from explorer.ui.views.lessons_view import LessonsView

pn.extension(notifications=True)
# One torch thread per session: faster on a busy 2-core machine and fair when several sessions train (runtime.py).
# The first page is served without torch (docs/performance.md#first-page): then its session sets it once its model
# is in (ui/session/first_run.py).
use_thread_policy(if_imported=True)
# The imports' objects, frozen before the first session: the collector stops walking them (runtime.py).
freeze_imports()
# The uses of Panel's and Bokeh's internals that the installed versions were tested with; among them Bokeh's
# immutable property defaults computed once, not at each read (ui/compat.py).
compat.install()
# Bokeh's development checks cost ~0.1 s of every new session (docs/performance.md#sessions): validating the
# whole document, and inspecting the signature of each of its ~375 Python callbacks. The views' own tests
# (tests/ui) build them with the checks on; BOKEH_VALIDATE_DOC=1 / BOKEH_PERFORM_ERROR_DIAGNOSTICS=1 turn them on
# (serve/settings.py).
settings.perform_document_validation.set_value(SETTINGS.bokeh_validate_doc)
settings.perform_error_diagnostics.set_value(SETTINGS.bokeh_error_diagnostics)

HOW_TO = """
Pick a dataset (or press **Draw** and sketch one), choose what the network predicts and the noise
schedule, then press **Train** and watch the loss fall. Drag **Time** under the plot, or press play, to
watch noise flow into data; change the sampler to see how the paths change.
"""


# Panel's Fast design links a Google web font; offline (a classroom, this project's closed CI network)
# that link fails and the browser logs an error. The same design without it (ui/compat.py).
FastWithoutWebFont = compat.without_web_font(Fast)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# --- the light/dark switch -------------------------------------------------------------------------
# Panel's switch in the header reloads the page with ?theme=dark, which threw away a drawing and a trained
# model. Here the same switch flips the theme in place: the page's colours in the browser (THEME_JS: Panel's
# theme stylesheets, the Fast design's luminance, the template's background), the plots' theme on the server
# (plot_theme), and the address (?theme=dark, so a reload or a shared link keeps it). The plots stay light
# cards in the dark: the samples' colours, and the views' titles and labels, were chosen for a light
# background, so the dark theme only closes the plots' transparent border in white.


def plot_theme(dark: bool) -> BokehTheme:
    """The Fast design's Bokeh theme for the page's plots; dark: the same, on an opaque white card."""
    spec = FastStyle(font=FONT).create_bokeh_theme()
    if dark:
        spec = copy.deepcopy(spec)
        spec["attrs"]["figure"].update(border_fill_color="#ffffff", border_fill_alpha=1.0)
    return BokehTheme(json=spec)


PLOT_THEMES = {False: plot_theme(False), True: plot_theme(True)}

# In the page, when the hidden `dark` toggle changes (from the header's switch or from the server).
THEME_JS = r"""
const dark = cb_obj.active, style = dark ? %s : %s;
const theme = /bundled\/theme\/(default|dark)\.css/, css = dark ? 'dark.css' : 'default.css';
for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {  // the page's theme variables
  const href = link.getAttribute('href') || '';
  if (theme.test(href)) link.setAttribute('href', href.replace(/(default|dark)\.css/, css));
}
// ... and the components' own copies: one shared stylesheet model, which the server also hands to the
// components it draws later (a tab's first visit), so they come in the new theme too
for (const doc of Bokeh.documents)
  for (const m of doc.all_models)
    if (typeof m.url === 'string' && theme.test(m.url) && !m.url.includes(css))
      m.url = m.url.replace(/(default|dark)\.css/, css);
const root = document.documentElement;
root.style.setProperty('--background-color', style.background);
root.style.backgroundColor = style.html;
document.body.style.color = style.color;
if (window.bodyDesign) window.bodyDesign.setLuminance(style.luminance);  // the Fast components' colours
const header = document.getElementById('header');
if (header) header.classList.toggle('shadow', style.shadow);
const sw = document.getElementById('theme-switch');  // checked = light
if (sw && sw.checked === dark) sw.checked = !dark;
"""
# Once the page is drawn: the header's switch toggles the hidden `dark` toggle instead of reloading the page.
SWITCH_JS = """
window.toggleLightDarkTheme = () => {
  for (const doc of Bokeh.documents)
    for (const m of doc.all_models)
      if ((m.css_classes || []).includes('explorer-dark-theme')) { m.active = !m.active; return; }
};
"""


def _page_style(style: FastStyle, html: str) -> str:
    return json.dumps({"background": style.background_color, "color": style.color, "luminance": style.luminance,
                       "shadow": style.shadow, "html": html})


def theme_switch(dark: bool, tabs: pn.Tabs, *later: pn.layout.ListPanel) -> pn.widgets.Toggle:
    """The hidden toggle behind the header's light/dark switch (for the template's `header`): switches the
    theme without reloading, so the session keeps its drawing, model and runs. `later`: layouts whose plots are
    made after the page is drawn (lazy.py), which get the theme when they arrive, as a tab's first visit does."""
    toggle = pn.widgets.Toggle(label="Dark theme", value=dark, visible=False, css_classes=["explorer-dark-theme"])
    toggle.jscallback(value=THEME_JS % (_page_style(DARK_STYLE, "#121212"), _page_style(FastStyle(), "")))
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return toggle

    def apply(*_):  # the plots: every model of the page, also those drawn later (a tab's first visit, and
        theme = PLOT_THEMES[toggle.value]  # Panel gives a redrawn plot its own theme again)
        doc.theme = theme
        for model in list(doc.models):
            theme.apply_to_model(model)

    def on_switch(event):
        pn.config.theme = "dark" if event.new else "default"  # this session's components made from now on
        apply()
        if pn.state.location is not None:
            replace_keys(pn.state.location, pn.state.curdoc, theme="dark" if event.new else "default")

    toggle.param.watch(on_switch, "value")
    for watched, what in ((tabs, "active"), *((layout, "objects") for layout in later)):
        watched.param.watch(lambda *_: pn.state.execute(apply, schedule=True), what)
    doc.js_on_event("document_ready", CustomJS(code=SWITCH_JS))
    pn.state.onload(apply)  # after Panel's own theme (a page opened with ?theme=dark)
    return toggle


def theme_from_link() -> str:
    """?theme=dark: "dark" (read as Panel's Fast template reads it)."""
    raw = pn.state.session_args.get("theme", [b""])[0].decode(errors="replace")
    return raw.strip("'").strip('"')


def open_lesson_from_link(card: pn.Card, lessons: list) -> None:
    """A teacher's link, /app?lesson=forward&step=2, opens the Lessons card on that step (steps count from 1)."""
    args = pn.state.session_args
    name = args.get("lesson", [b""])[0].decode(errors="replace")
    if not name:
        return
    try:
        step = int(args.get("step", [b"1"])[0]) - 1
    except ValueError:
        step = 0
    card.collapsed = False  # builds the LessonsView
    if not lessons[0].open(name, step):
        card.collapsed = True


def after_drawn(explorer: Explorer) -> None:
    """Once the page is drawn: from now on a need for the pretrained model loads it in the background (the first
    paint showed its shipped run, ui/session/first_run.py). The model itself, and once per process torch's optimiser
    and what else the first page did without (runtime.warm_up_soon), load once the server is quiet (lazy.wait_quiet):
    after this page's player and controls, and after any other page on its way. Outside a server nothing starts."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return
    first_run = explorer.state.first_run
    first_run.drawn = True

    def start():
        first_run.fetch(until_free=wait_quiet)
        warm_up_soon(WARM_UP_AFTER_S, wait=wait_quiet)

    doc.add_next_tick_callback(start)


WARM_UP_AFTER_S = 3.0  # after the model's load may start: once the server is quiet, the model goes first


def create_app() -> pn.template.FastListTemplate:
    """A fresh dashboard for one session."""
    explorer = Explorer(state=ExplorerState(model_later=True)).start()
    # The rarely opened cards are built when first opened (lazy.py): a new session sends less.
    export = lazy_card("Export & share", lambda: ExportView(state=explorer.state), sizing_mode="stretch_width",
                       margin=(10, 5))
    how_to = lazy_card("How to use", lambda: pn.pane.Markdown(HOW_TO, margin=(0, 10)), sizing_mode="stretch_width",
                       margin=(0, 5, 10, 5))
    lessons = []  # the one LessonsView, once made

    def make_lessons():
        lessons.append(LessonsView(state=explorer.state, tabs=explorer.TAB_NAMES, show_tab=explorer.show_tab))
        return lessons[0]

    lessons_card = lazy_card("Lessons", make_lessons, sizing_mode="stretch_width", margin=(0, 5, 10, 5))
    if pn.state.location is not None:  # the setup lives in the page's address (None outside a server)
        sync_url(explorer.state)
        open_lesson_from_link(lessons_card, lessons)
    compat.name_checkboxes(pn.state.curdoc)  # checkboxes named by their labels, which toggle them

    def sidebar() -> list:
        return [how_to, lessons_card, explorer.controls, export]

    pn.state.onload(lambda: after_drawn(explorer))

    dark = theme_from_link() == "dark"  # Panel's template reads ?theme= too
    return pn.template.FastListTemplate(
        title=TITLE,
        header=[theme_switch(dark, explorer.tabs, explorer.training_view._plots, explorer._draw_area)],
        # One root, drawn after the plot: the plot is what a newcomer (and a class opening the link at once) sees
        # first; the controls follow once the page is drawn, ~0.2 s later on a quiet server (lazy.py).
        sidebar=[after_first_paint(sidebar,
                                   "*Loading the controls…*", sizing_mode="stretch_width", margin=0)],
        main=[explorer.main],
        main_layout=None,  # no card around the main area: its padding pushed the plot below a laptop's fold
        sidebar_width=340,
        accent="#1f5fa8",
        design=FastWithoutWebFont,
        font=FONT,
        # No spinner in the header: Panel's busy flag is one for the whole server, so every event of every
        # session would toggle the spinner of every open page (two patches to each). With 5 tabs playing,
        # that was half of the server's CPU (bench/bench_load.py); the app shows its own progress bars.
        busy_indicator=None,
    )


def serve(page, doc=None) -> None:
    """Put `page` into this session's document (`doc`, else Panel's current one), as `.servable()` does, with
    the document's model graph frozen: Bokeh otherwise re-walks every model of the page after each root added
    and each JS link set up, ~60 walks of ~570 models for one new session (docs/performance.md#sessions)."""
    doc = doc if doc is not None else pn.state.curdoc
    if doc is None:  # imported outside a server (a test, a bench): nothing to serve into
        return
    with doc.models.freeze():
        if doc is pn.state.curdoc and doc.session_context is not None:
            page.servable(title=TITLE)
        else:
            page.server_doc(doc, title=TITLE)
        follow_in_address_bar(doc)


with quick_build():  # Bokeh's property checks off while the page is built (ui/compat.py)
    serve(create_app())
