"""The whole dashboard for ONE session: state, sidebar, drawing canvas, main plot and training view.

    import panel as pn
    from explorer.ui.explorer import Explorer
    pn.extension()
    Explorer()          # in a notebook cell; `panel serve explorer/serve/app.py` for the full page

Explorer itself is a plain Row (sidebar, main column) so it embeds anywhere; app.py puts its
`controls` and `main` into a FastListTemplate instead. Whichever is shown, `start()` hooks the
session up: the session's job runner gets its poller, which moves the jobs' news into the state
(docs/performance.md#threads-and-the-poller), and closing the session stops every job.
"""
from __future__ import annotations

import functools
import threading

import panel as pn

from explorer.serve.runtime import release_memory
from explorer.ui.base import StateView
from explorer.ui.jobs.export_files import escape_markdown
from explorer.ui.jobs.polling import on_session_destroyed, serve_jobs
from explorer.ui.lazy import lazy_column
from explorer.ui.plot.main_view import MainView
from explorer.ui.session.state import DRAWN
from explorer.ui.tabs import EXPLORE, EXPLORE_LABEL, TABS, labels, tab_name
from explorer.ui.views.controls import Controls
from explorer.ui.views.draw_view import DrawView
from explorer.ui.views.quality_view import QualityView
from explorer.ui.views.training_view import TrainingView

TITLE = "2D Diffusion Explorer"
_TIGHT = "p { margin: 2px 0; }"  # the status line: one line, no paragraph margins
# Ten tab heads on one line beside the sidebar at 1280 px (Bokeh's default padding left the last one off-screen).
_TAB_HEADS = ".bk-tab { padding-left: 9px !important; padding-right: 9px !important; }"
TRIM_AFTER_S = 2.0  # after a session closes, when to hand its freed memory back to the system


class _TabNames:
    """`Explorer.TAB_NAMES`: the tabs' labels, Explore first, read from the tab registry (explorer/ui/tabs.py)."""

    def __get__(self, obj, cls=None) -> tuple[str, ...]:
        return tuple(labels()) if obj is None else (EXPLORE_LABEL, *(s.label for s in obj._tab_specs))


class Explorer(StateView):
    """One session's dashboard. `Explorer()` makes a fresh state; `Explorer(state=s)` shows an existing one."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.main_view = MainView(state=s)
        self.training_view = TrainingView(state=s)
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10), name="status",
                                       styles={"font-size": "14px"}, stylesheets=[_TIGHT])
        self.alert = pn.pane.Alert("", alert_type="danger", visible=False, sizing_mode="stretch_width")
        self._draw_view: DrawView | None = None  # built when first drawn (lazy.py)
        self._draw_area = lazy_column(lambda: self.draw_view, s.dataset == DRAWN, sizing_mode="stretch_width")
        # The plot and the training panel side by side. (Not a FlexBox: a FlexBox next to the drawing area
        # inside Tabs leaves the Bokeh document never idle, so Panel's onload never fires; measured in
        # headless Chromium, Panel 1.9.4 / Bokeh 3.9.2.)
        self.quality_view = QualityView(state=s)  # the samples' energy distances, under the plot
        # The plot is the product: it stays at the top left, with the drawing canvas (while drawing) and the
        # training progress beside it, so a 1280x720 screen shows plot, Time slider and progress at once.
        explore = pn.Row(pn.Column(self.main_view, self.quality_view), pn.Column(self.training_view, self._draw_area),
                         sizing_mode="stretch_width")
        # The views other explorers lack, one tab each (the registered tabs, explorer/ui/tabs.py), made when their
        # tab is first opened: a new session costs the server ~0.4 s less, and a class opens thirty at once.
        self._tab_specs = TABS.specs()
        self._views: dict[str, StateView] = {}
        self._slots = {spec.name: pn.Column(sizing_mode="stretch_width") for spec in self._tab_specs}
        self.tabs = pn.Tabs((EXPLORE_LABEL, explore), *((spec.label, self._slots[spec.name])
                                                        for spec in self._tab_specs),
                            dynamic=True, sizing_mode="stretch_width", stylesheets=[_TAB_HEADS])
        self.main = pn.Column(self.status, self.alert, self.tabs, sizing_mode="stretch_width")
        # Branches regrow on every new run, and densities follow every frame, only while their tab is open
        # (0.6 s at 500 steps; and every scrub moves the frame).
        self.tabs.param.watch(self._on_tab, "active")
        s.param.watch(lambda e: self.show_tab(e.new), "tab")  # the link's ?tab= (url_state.py) or a lesson
        self.show_tab(s.tab)
        self._on_tab()
        self._started = False
        s.param.watch(self._on_status, "status")
        s.param.watch(self._on_error, "error")
        s.param.watch(self._on_dataset, "dataset")
        self._on_status()
        if s.error:
            self._on_error()

    # --- session wiring -----------------------------------------------------------------------
    def start(self) -> Explorer:
        """Hook the session up (idempotent): the state's job runner gets its poller (polling.serve_jobs: it
        runs only while a job does), and the session's end stops every job and frees the page."""
        if not self._started:
            self._started = True
            serve_jobs(self.state.jobs)
            on_session_destroyed(self._on_destroyed)
        return self

    def _on_destroyed(self, session_context) -> None:
        try:
            self.main_view.release()
        finally:
            self.state.jobs.stop_all()  # the threads must stop even if the page is already gone
            # Bokeh frees the session's models after this hook returns: trim the heap a moment later.
            timer = threading.Timer(TRIM_AFTER_S, release_memory)
            timer.daemon = True
            timer.start()

    # --- reactions to the state ---------------------------------------------------------------
    def _on_status(self, *_events) -> None:
        self.status.object = f"**Status:** {self.state.status}" if self.state.status else ""
        if self.alert.visible and self.state.training:
            self.alert.visible = False  # the user has moved on since the last error

    def _on_error(self, *_events) -> None:
        message = self.state.error
        if not message:
            return
        notifications = pn.state.notifications
        if notifications is not None:
            notifications.error(message, duration=6000)
        else:  # no notification area (e.g. a notebook without notifications=True): an alert box, in Markdown
            self.alert.object = escape_markdown(message)
            self.alert.visible = True
        self.state.error = ""

    TAB_NAMES = _TabNames()

    @property
    def tab_names(self) -> list[str]:
        """The tabs' names, as the link and lessons spell them (Explore first)."""
        return [EXPLORE, *(spec.name for spec in self._tab_specs)]

    def show_tab(self, name: str) -> None:
        """Switch to the tab called `name` (its name or its label: a lesson step or the link asks for one)."""
        name = tab_name(name)
        if name in self.tab_names:
            self.tabs.active = self.tab_names.index(name)

    def view(self, tab: int | str) -> StateView:
        """The view of tab `tab` (its name, or its place from 1), made now if its tab was never opened."""
        spec = self._tab_specs[tab - 1] if isinstance(tab, int) else TABS[tab]
        if spec.name not in self._views:
            self._views[spec.name] = spec.view(self.state)
            self._slots[spec.name].objects = [self._views[spec.name]]
        return self._views[spec.name]

    @property
    def branch_view(self):
        return self.view("branches")

    @property
    def density_view(self):
        return self.view("densities")

    def _on_tab(self, *_events) -> None:
        shown = self.tab_names[self.tabs.active]
        player = self.main_view.player  # the plot keeps its state and picture over a tab round trip
        player.tab_shown() if shown == EXPLORE else player.tab_hidden()
        if shown != EXPLORE:
            if self.state.model is None:
                self.state.awaiting_model()  # a tab opened before the model is in says it is loading
            self.view(shown)
        for spec in self._tab_specs:
            if spec.active is not None and spec.name in self._views:
                spec.active(self._views[spec.name], spec.name == shown)
        self.state.tab = shown

    @functools.cached_property
    def controls(self) -> Controls:
        """The sidebar's controls, made on first use (app.py draws them after the plot)."""
        return Controls(state=self.state)

    @property
    def draw_view(self) -> DrawView:
        """The drawing canvas, made on first use."""
        if self._draw_view is None:
            self._draw_view = DrawView(state=self.state)
        return self._draw_view

    def _on_dataset(self, *_events) -> None:
        self._draw_area.show(self.state.dataset == DRAWN)

    def __panel__(self):
        self.start()
        sidebar = pn.Column(pn.pane.Markdown(f"## {TITLE}"), self.controls, width=320)
        return pn.Row(sidebar, self.main, sizing_mode="stretch_width")
