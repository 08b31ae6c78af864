"""The dashboard page, served by ``panel serve explorer/app.py`` (or ``diffusion-explorer serve``).

Panel runs this file once per browser session, so everything mutable (state, models, Bokeh
sources) is created inside :func:`create_app`, never at module level.
"""
import panel as pn
import torch
from panel.theme import Fast

from explorer.ui.explorer import TITLE, Explorer
from explorer.ui.export_view import ExportView
from explorer.ui.lazy import lazy_card
from explorer.ui.lessons_view import LessonsView
from explorer.ui.url_state import sync_url

pn.extension(notifications=True)
# One torch thread per session: faster on a busy 2-core machine and fair when several sessions train.
torch.set_num_threads(1)
# Torch's first optimiser costs ~1 s of lazy imports; pay it while the page loads, not on the first Train.
torch.optim.Adam([torch.zeros(1, requires_grad=True)])

HOW_TO = """
Pick a dataset (or press **Draw** and sketch one), choose what the network predicts and the noise
schedule, then press **Train** and watch the loss fall. Drag **Time** under the plot, or press play, to
watch noise flow into data; change the sampler to see how the paths change.
"""


# Panel's Fast design links a Google web font; offline (a classroom, this project's closed CI network)
# that link fails and the browser logs an error. The same design without it: the class keeps the name
# "Fast" because Panel finds the design's bundled files by the lower-cased class name.
FastWithoutWebFont = type("Fast", (Fast,), {"_resources": {**Fast._resources, "font": {}}})


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


def create_app() -> pn.template.FastListTemplate:
    """A fresh dashboard for one session."""
    explorer = Explorer().start()
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
    return pn.template.FastListTemplate(
        title=TITLE,
        sidebar=[how_to, lessons_card, explorer.controls, export],
        main=[explorer.main],
        main_layout=None,  # no card around the main area: its padding pushed the plot below a laptop's fold
        sidebar_width=340,
        accent="#1f5fa8",
        design=FastWithoutWebFont,
        font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        # No spinner in the header: Panel's busy flag is one for the whole server, so every event of every
        # session would toggle the spinner of every open page (two patches to each). With 5 tabs playing,
        # that was half of the server's CPU (bench/bench_load.py); the app shows its own progress bars.
        busy_indicator=None,
    )


create_app().servable(title=TITLE)
