"""The "Paths not taken" tab: one trajectory (the trunk) and the branches that leave it at a few times.

The logic lives in BranchState (no Panel); this is the figure and the widgets. All branches of one branch
time are one NaN-separated line (one multi_line row per time, coloured by time), so redrawing 8 x 32
branches sends a handful of float32 arrays. Taps are handled on the server: the nearest branch end point
is promoted to be the trunk, else the nearest sample of the run becomes the trunk.

What to see at a glance (with DDIM η = 1 or an SDE the paths zigzag): the end-point clouds, one colour per
branch time, are drawn on top and large; the paths are faint; a diamond marks the denoiser's guess x̂0 at each
branch point, which its cloud surrounds. The colour key is the table beside the plot (no legend on the data),
with a bar per branch time for how far apart its branches end: long for early times, short for late ones.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.events import Tap
from bokeh.models import ColumnDataSource
from bokeh.palettes import Plasma256
from bokeh.plotting import figure

from explorer.core.lazy_import import lazy_module
from explorer.ui.base import StateView
from explorer.ui.plot import frames
from explorer.ui.session.branch_state import MAX_BRANCHES, MAX_TIMES, BranchState, evenly
from explorer.ui.style import PLOT_BACKEND, empty_columns, style_figure

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

INTRO = ("**Each colour starts from the trunk at one time and continues with fresh noise: early branches end "
         "anywhere, late ones only jitter.**")
HINT = ("Big dots: where the branches end, one colour per branch time; faint lines: their paths. Black: the "
        "trunk, one sampling path from noise (○) to data (●). ◇: the denoiser's guess x̂0 of the end at each "
        "branch point; its branches land around it. Small blue dots: the run's samples — tap one to make its "
        "path the trunk. Tap a big dot to promote that branch: it becomes the trunk and new branches grow from it.")
COLORS = dict(ghost="#9aa0a6", candidates="#1f4e9c", trunk="#202124")
MUTED = {"color": "var(--panel-on-background-color, #3c4043)", "opacity": "0.8"}  # light and dark themes
FRAME_PX = 440  # the plot's square frame: with the intro line it fits a 1280x720 screen, like the main plot
PATH_ALPHA, PATH_WIDTH = 0.22, 1.0  # faint: the paths show the zigzag, the end points tell the story
PICK_PX = 10  # a tap within this many pixels of a point picks it


def time_colors(n: int) -> list[str]:
    """One colour per branch time, from the earliest (deep purple) to the latest (orange)."""
    if n == 1:
        return [Plasma256[120]]
    return [Plasma256[int(round(i))] for i in np.linspace(25, 215, n)]


def _xy(points: np.ndarray) -> dict:
    pts = np.asarray(points, np.float32)
    return {"x": pts[:, 0], "y": pts[:, 1]}


class BranchView(StateView):
    """`BranchView(state=s)`: the trunk, its branches and their end points, with the knobs that shape them."""

    def __init__(self, **params):
        super().__init__(**params)
        self.branches = BranchState(state=self.state)
        self._build_figure()
        self._build_widgets()
        st, bs = self.state, self.branches
        st.param.watch(self._on_data, ["data"])
        st.param.watch(self._on_run, ["run"])
        bs.param.watch(self._on_trunk, ["trunk"])
        bs.param.watch(self._on_result, ["result"])
        bs.param.watch(self._on_message, ["message"])
        self._on_data()
        self._on_run()
        self._on_trunk()
        self._on_result()
        self._on_message()

    # --- construction -------------------------------------------------------------------------
    def _build_figure(self):
        b = frames.BOUNDS
        fig = figure(x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=FRAME_PX, frame_height=FRAME_PX,
                     match_aspect=True, output_backend=PLOT_BACKEND, tools="pan,wheel_zoom,reset,save",
                     toolbar_location="right", min_border=4, name="branch_figure")
        style_figure(fig)
        self._ghost = ColumnDataSource(empty_columns("x", "y"), name="branch_data")
        fig.scatter("x", "y", source=self._ghost, size=3.5, color=COLORS["ghost"], alpha=0.25, line_color=None)
        self._cands = ColumnDataSource(empty_columns("x", "y"), name="branch_candidates")
        fig.scatter("x", "y", source=self._cands, size=4, color=COLORS["candidates"], alpha=0.25,
                    line_color=None)
        # Bottom to top: faint paths, the trunk, the split points and x̂0 guesses, then the end points on top.
        self._lines = ColumnDataSource({"xs": [], "ys": [], "color": [], "label": []}, name="branch_lines")
        fig.multi_line("xs", "ys", source=self._lines, color="color", line_width=PATH_WIDTH, alpha=PATH_ALPHA)
        self._trunk = ColumnDataSource(empty_columns("x", "y"), name="branch_trunk")
        fig.line("x", "y", source=self._trunk, color=COLORS["trunk"], line_width=2, alpha=0.8)
        self._trunk_ends = ColumnDataSource({"x": [], "y": [], "fill": []}, name="branch_trunk_ends")
        fig.scatter("x", "y", source=self._trunk_ends, size=10, fill_color="fill", line_color=COLORS["trunk"],
                    line_width=2.5)
        self._splits = ColumnDataSource({"x": [], "y": [], "color": []}, name="branch_points")
        fig.scatter("x", "y", source=self._splits, size=10, fill_color="color", line_color="white", line_width=2)
        self._guesses = ColumnDataSource({"x": [], "y": [], "color": []}, name="branch_x0_guesses")
        fig.scatter("x", "y", source=self._guesses, marker="diamond", size=15, fill_color="white", fill_alpha=0.7,
                    line_color="color", line_width=2.5)
        self._ends = ColumnDataSource({"x": [], "y": [], "color": [], "time": [], "branch": []},
                                      name="branch_endpoints")
        fig.scatter("x", "y", source=self._ends, size=11, fill_color="color", fill_alpha=0.95, line_color="white",
                    line_width=1.2)
        fig.on_event(Tap, self._on_tap)
        self._fig = fig

    def _build_widgets(self):
        bs = self.branches
        self._n_times = pn.widgets.IntSlider(label="Branch times", start=1, end=MAX_TIMES, value=len(bs.at),
                                             sizing_mode="stretch_width")
        self._n_times.param.watch(self._on_n_times, "value")
        self._n_branches = pn.widgets.IntSlider.from_param(bs.param.n_branches, label="Branches per time",
                                                           start=1, end=MAX_BRANCHES, sizing_mode="stretch_width")
        self._reseed = pn.widgets.Button(label="Reseed", color="primary", variant="outline",
                                         description="Fresh noise for every branch; the trunk stays.",
                                         sizing_mode="stretch_width")
        self._reseed.on_click(self._on_reseed)
        self._ddim = pn.widgets.Button(label="Use DDIM η = 1", color="primary")
        self._sde = pn.widgets.Button(label="Use SDE", color="primary")
        self._ddim.on_click(self._on_ddim)
        self._sde.on_click(self._on_sde)
        self._alert = pn.pane.Alert("", alert_type="warning", sizing_mode="stretch_width", margin=(5, 5, 0, 5))
        self._fix = pn.Column(self._alert, pn.Row(self._ddim, self._sde), visible=False,
                              sizing_mode="stretch_width", name="branch_deterministic")
        self._readout = pn.pane.HTML("", sizing_mode="stretch_width", margin=(5, 10))

    # --- state -> view ------------------------------------------------------------------------
    def _on_data(self, *_):
        data = self.state.data  # None: a cleared drawing
        self._ghost.data = empty_columns("x", "y") if data is None else _xy(data)

    def _on_run(self, *_):
        run = self.state.run
        if run is not None:
            with pn.io.hold():
                self._cands.data = _xy(run.samples)

    def _on_trunk(self, *_):
        trunk = self.branches.trunk
        with pn.io.hold():
            if trunk is None:
                self._trunk.data = empty_columns("x", "y")
                self._trunk_ends.data = {"x": [], "y": [], "fill": []}
                return
            self._trunk.data = _xy(trunk)
            ends = trunk[[0, -1]].astype(np.float32)
            self._trunk_ends.data = {"x": ends[:, 0], "y": ends[:, 1], "fill": ["white", COLORS["trunk"]]}
            self._update_readout()

    def _on_result(self, *_):
        res, bs = self.branches.result, self.branches
        with pn.io.hold():
            self._reseed.disabled = res is None
            if res is None:
                self._lines.data = {"xs": [], "ys": [], "color": [], "label": []}
                self._splits.data = {"x": [], "y": [], "color": []}
                self._guesses.data = {"x": [], "y": [], "color": []}
                self._ends.data = {"x": [], "y": [], "color": [], "time": [], "branch": []}
                self._update_readout()
                return
            n_times, n_br = res.branches.shape[:2]
            colors = time_colors(n_times)
            xs, ys = [], []
            for i, f in enumerate(res.frames):
                part = res.branches[i, :, f:]  # from the split on: before it every branch is the trunk
                gap = np.full((n_br, 1, 2), np.nan, np.float32)
                flat = np.concatenate([part, gap], axis=1).reshape(-1, 2)[:-1]
                xs.append(flat[:, 0].astype(np.float32))
                ys.append(flat[:, 1].astype(np.float32))
            labels = [f"branch at t = {t:.2f}" for t in bs.branch_times()]
            self._lines.data = {"xs": xs, "ys": ys, "color": colors, "label": labels}
            split = res.trunk[res.frames].astype(np.float32)
            self._splits.data = {"x": split[:, 0], "y": split[:, 1], "color": colors}
            guess = self._x0_guesses(split, res.times[res.frames])
            self._guesses.data = ({"x": [], "y": [], "color": []} if guess is None else
                                  {"x": guess[:, 0], "y": guess[:, 1], "color": colors})
            ends = res.endpoints.reshape(-1, 2).astype(np.float32)
            self._ends.data = {"x": ends[:, 0], "y": ends[:, 1], "color": np.repeat(colors, n_br).tolist(),
                               "time": np.repeat(np.arange(n_times), n_br), "branch": np.tile(np.arange(n_br), n_times)}
            self._update_readout()

    def _x0_guesses(self, points: np.ndarray, times: np.ndarray) -> np.ndarray | None:
        """The denoiser's x̂0 at each branch point (the centre its branches scatter around), or None."""
        denoiser = self.state.denoiser()
        if denoiser is None:
            return None
        try:
            with torch.no_grad():
                x0, _ = denoiser.denoise(torch.from_numpy(np.ascontiguousarray(points, np.float32)),
                                         torch.from_numpy(np.asarray(times, np.float32)).reshape(-1, 1))
        except Exception:  # noqa: BLE001 - a guess to look at: never let it break the branches
            return None
        out = x0.detach().numpy().astype(np.float32)
        return out if np.isfinite(out).all() else None

    def _on_message(self, *_):
        msg = self.branches.message
        self._alert.object = msg
        self._fix.visible = bool(msg)

    def _update_readout(self):
        bs = self.branches
        who = ("a promoted branch" if bs.trunk_index is None else f"sample {bs.trunk_index} of the run")
        lines = [f"<b>Trunk:</b> {who}"]
        res = bs.result
        if res is not None:
            # The colour key of the plot, and the point of it: how far apart each time's branches end.
            lines.append("<b>Branches leave the trunk at</b> … and <b>end this far apart</b> (RMS distance "
                         "from their mean):")
            spread = bs.spread()
            top = max(float(np.max(spread)), 1e-9)
            cells = "".join(
                f"<tr><td style='white-space:nowrap'><span style='display:inline-block;width:11px;height:11px;"
                f"border-radius:6px;background:{c};margin-right:6px'></span>t = {t:.2f}</td>"
                f"<td style='text-align:right;padding:0 8px 0 12px'>{s:.3f}</td>"
                f"<td><span style='display:inline-block;height:9px;width:{max(2, round(110 * s / top))}px;"
                f"background:{c};border-radius:2px'></span></td></tr>"
                for c, t, s in zip(time_colors(len(res.frames)), bs.branch_times(), spread, strict=True))
            lines.append(f"<table class='branch-key' style='font-size:13px;margin-top:2px'>{cells}</table>")
        self._readout.object = "<div style='font-size:13px'>" + "<br>".join(lines) + "</div>"

    # --- view -> state ------------------------------------------------------------------------
    def _on_n_times(self, event):
        with pn.io.hold():
            self.branches.at = evenly(event.new)

    def _on_reseed(self, _event=None):
        with pn.io.hold():
            self.branches.reseed()

    def _on_ddim(self, _event=None):
        with pn.io.hold():
            self.branches.use_ddim_eta1()

    def _on_sde(self, _event=None):
        with pn.io.hold():
            self.branches.use_sde()

    def _on_tap(self, event):
        if event.x is None or event.y is None:
            return
        xr = self._fig.x_range
        radius = PICK_PX * (xr.end - xr.start) / self._fig.frame_width  # zoom-aware: PICK_PX on screen
        with pn.io.hold():
            self.branches.pick(float(event.x), float(event.y), radius)

    def __panel__(self):
        side = pn.Column(
            self._n_times, self._n_branches, self._reseed, self._fix, self._readout,
            pn.pane.Markdown(HINT, styles=MUTED, margin=(0, 10)),
            width=330, margin=(10, 0, 0, 10))
        return pn.Column(pn.pane.Markdown(INTRO, margin=(5, 10)), pn.Row(self._fig, side),
                         sizing_mode="stretch_width")
