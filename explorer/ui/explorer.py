"""The whole dashboard for ONE session: state, sidebar, drawing canvas, main plot and training view.

    import panel as pn
    from explorer.ui.explorer import Explorer
    pn.extension()
    Explorer()          # in a notebook cell; `panel serve explorer/serve/app.py` for the full page

Explorer itself is a plain Row (sidebar, main column) so it embeds anywhere; app.py puts its
`controls` and `main` into a FastListTemplate instead. Whichever is shown, `start()` hooks the
session up: a periodic callback moves the training thread's news into the state
(docs/performance.md#threads-and-the-poller), and closing the session stops the thread.
"""
from __future__ import annotations

import functools
import threading

import panel as pn

from explorer.serve.runtime import release_memory
from explorer.ui.base import StateView
from explorer.ui.jobs.export_files import escape_markdown
from explorer.ui.jobs.polling import Poller, on_session_destroyed
from explorer.ui.lazy import lazy_column
from explorer.ui.plot.main_view import MainView
from explorer.ui.session.state import DRAWN
from explorer.ui.views.branch_view import BranchView
from explorer.ui.views.compare_view import CompareView
from explorer.ui.views.controls import Controls
from explorer.ui.views.density_view import DensityView
from explorer.ui.views.draw_view import DrawView
from explorer.ui.views.guidance_view import GuidanceView
from explorer.ui.views.pairing_view import PairingView
from explorer.ui.views.quality_view import QualityView
from explorer.ui.views.schedule_view import ScheduleView
from explorer.ui.views.sweep_view import SweepView
from explorer.ui.views.training_view import TrainingView

TITLE = "2D Diffusion Explorer"
_TIGHT = "p { margin: 2px 0; }"  # the status line: one line, no paragraph margins
TRIM_AFTER_S = 2.0  # after a session closes, when to hand its freed memory back to the system
TAB_VIEWS = {1: ("Paths not taken", BranchView), 2: ("Densities", DensityView), 3: ("A/B compare", CompareView),
             4: ("Steps vs quality", SweepView), 5: ("Guidance", GuidanceView), 6: ("Pairings", PairingView),
             7: ("Schedule", ScheduleView)}


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
        # The views other explorers lack, one tab each, made when their tab is first opened: a new session
        # costs the server ~0.4 s less (compare alone is 0.25 s), and a class opens thirty at once.
        self._views: dict[int, StateView] = {}
        self._slots = {i: pn.Column(sizing_mode="stretch_width") for i in TAB_VIEWS}
        self.tabs = pn.Tabs(("Explore", explore), *((TAB_VIEWS[i][0], self._slots[i]) for i in TAB_VIEWS),
                            dynamic=True, sizing_mode="stretch_width")
        self.main = pn.Column(self.status, self.alert, self.tabs, sizing_mode="stretch_width")
        # Branches regrow on every new run, and densities follow every frame, only while their tab is open
        # (0.6 s at 500 steps; and a playing page moves the frame 4 times a second).
        self.tabs.param.watch(self._on_tab, "active")
        self._on_tab()
        self._callback = None
        s.param.watch(self._on_status, "status")
        s.param.watch(self._on_error, "error")
        s.param.watch(self._on_dataset, "dataset")
        self._on_status()
        if s.error:
            self._on_error()

    # --- session wiring -----------------------------------------------------------------------
    def start(self) -> Explorer:
        """Hook the session up (idempotent): poll the training thread while it runs (polling.py: an idle
        session runs no callback at all), and stop the thread when the session closes."""
        if self._callback is None:
            self._callback = Poller(self._tick)
            self.state.param.watch(self._on_training, "training")
            self._on_training()
            on_session_destroyed(self._on_destroyed)
        return self

    def _on_training(self, *_events) -> None:
        callback = self._callback
        if callback is None:
            return
        if self.state.training:
            callback.start()
        else:
            callback.stop()

    def _tick(self) -> None:
        with pn.io.hold():
            self.state.poll()

    def _on_destroyed(self, session_context) -> None:
        callback, self._callback = self._callback, None
        try:
            self.main_view.release()
            if callback is not None:
                callback.stop()
        finally:
            self.state.shutdown()  # the training thread must stop even if the page is already gone
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

    TAB_NAMES = ("Explore", *(TAB_VIEWS[i][0] for i in sorted(TAB_VIEWS)))

    def show_tab(self, name: str) -> None:
        """Switch to the tab called `name` (a lesson step asks for one)."""
        if name in self.TAB_NAMES:
            self.tabs.active = self.TAB_NAMES.index(name)

    def view(self, tab: int) -> StateView:
        """The view of tab `tab` (1-7), made now if its tab was never opened."""
        if tab not in self._views:
            self._views[tab] = TAB_VIEWS[tab][1](state=self.state)
            self._slots[tab].objects = [self._views[tab]]
        return self._views[tab]

    @property
    def branch_view(self) -> BranchView:
        return self.view(1)

    @property
    def density_view(self) -> DensityView:
        return self.view(2)

    def _on_tab(self, *_events) -> None:
        active = self.tabs.active
        player = self.main_view.player  # the plot keeps its state and picture over a tab round trip
        player.tab_shown() if active == 0 else player.tab_hidden()
        if active in TAB_VIEWS:
            self.view(active)
        if 1 in self._views:
            self._views[1].branches.active = active == 1
        if 2 in self._views:
            self._views[2].active = active == 2

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
