"""The main animated view: samples flowing from noise to data, with tails, density, velocity field and mesh.

Every frame of a run goes to the page once, in a hidden `store` ColumnDataSource (frames.pack_run and
frames.store_columns); the page then draws alone (main_view_js), interpolating between frames so playback is
smooth whatever the number of sampler steps. Display sources are set with ``setv(..., {sync: false})``.
Playback is one state machine (player.py), mirrored in the page by the controls (player_controls.py): playing
costs the server nothing per frame; it learns t, as `state.frame`, when playback stops or the user scrubs.
A new run, or a layer switched on, repacks and sends once; the shown t is kept (the nearest frame).
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.events import Tap
from bokeh.models import ColumnDataSource, CustomJS, Label, LinearColorMapper
from bokeh.plotting import figure

from explorer.core import samplers
from explorer.core.errors import ExplorerError
from explorer.ui.base import StateView
from explorer.ui.compat import forget_js_callbacks
from explorer.ui.lazy import after_first_paint
from explorer.ui.plot import frames
from explorer.ui.plot.canvas import BASE_Z, Canvas, PlotLayers
from explorer.ui.plot.guidance_arrows import GuidanceArrows
from explorer.ui.plot.layer_specs import TAIL_FRAMES, TAIL_SAMPLES
from explorer.ui.plot.layers import layer_params, legend_html, toggles
from explorer.ui.plot.main_view_js import DEFINE_RENDER_JS, FIRST_PICTURE_JS
from explorer.ui.plot.main_view_labels import (
    CLASS_COLORS,
    COLORS,
    LEGEND_CSS,
    MUTED,
    class_palette,
    start_words,
)
from explorer.ui.plot.player import Player
from explorer.ui.plot.player_controls import PlayerControls
from explorer.ui.style import MAIN_PLOT_PX, PLOT_BACKEND, empty_columns, style_figure

PLOT_PX = MAIN_PLOT_PX  # the plot's square frame (style.py says what fits under it at 1280x720)
COLUMN_PX = 510  # the plot's column: the five layer toggles on one line
SWEEP_TICKS = 40  # at least this many slider positions from noise to data (more when there are more frames)
SWEEP_MS = 4000  # one noise -> data sweep of the player, whatever the step count (the speed buttons change it)
HOLD_MS = 800  # the player rests this long on the data before looping
MAX_TRACES = 5
REST_PX = 220  # the player, toggles, legend and caption under the plot: kept free until they come (no jump)
BASE_COLUMNS = frozenset(frames.store_columns(None, 1, 1, 1)) - frozenset(frames.layer_columns({}))  # not a layer's


class MainView(StateView):
    """`MainView(state=state)`: the animated scatter of `state.run`, its Time slider, player and toggles."""

    backend = param.Selector(default=PLOT_BACKEND, objects=["webgl", "canvas"],
                             doc="Bokeh's output backend (EXPLORER_PLOT_BACKEND, canvas unless set: quicker where "
                                 "WebGL runs in software; webgl: GPU drawing).")

    def __init__(self, **params):
        super().__init__(**params)
        self._packed: dict | None = None
        self._traces: list[tuple] = []
        self._trace_model = None
        self._pending_tap = None  # a tap while playing: traced once the page has paused and said where
        self._model_tap = None  # a tap before the model was in: traced when it is
        self.player = Player()  # playing, paused, loop, the shown t: play, pause, scrub, tabs, new runs
        self._build_figure()
        self._build_widgets()
        st = self.state
        st.param.watch(self._on_run, ["run"])
        st.param.watch(self._on_data, ["data"])
        st.param.watch(self._on_frame, ["frame"])
        st.param.watch(self._on_toggle, layer_params())
        st.param.watch(self._on_model, ["model"])  # a model that came after its run (first_run.py): its layers
        # the arrows at a tapped point follow the class asked for, w and the guide (none keeps an old name)
        st.sampling.param.watch(self._on_guidance, ["label", "guidance", "guide", "use_oracle"])
        self._on_data()
        self._on_run()

    # --- construction -----------------------------------------------------------------------
    def _build_figure(self):
        b = frames.BOUNDS
        fig = figure(name="main_plot", x_range=(b[0], b[1]), y_range=(b[2], b[3]), frame_width=PLOT_PX,
                     frame_height=PLOT_PX,
                     match_aspect=True, output_backend=self.backend, tools="pan,wheel_zoom,reset,save,tap",
                     toolbar_location="right", min_border=4)
        style_figure(fig)
        self._store = ColumnDataSource(self._columns(None), name="main_view_store")
        self._ghost = ColumnDataSource(empty_columns("x", "y"), name="data")
        ghost_r = fig.scatter("x", "y", source=self._ghost, size=3.5, color=COLORS["ghost"], alpha=0.3)
        self._samples = ColumnDataSource(empty_columns("x", "y", "c"), name="samples")
        # c: the class a sample asked for (a conditional model), NaN for none: one colour per class
        self._class_map = LinearColorMapper(palette=CLASS_COLORS, low=-0.5, high=len(CLASS_COLORS) - 0.5,
                                            nan_color=COLORS["samples"])
        samples_r = fig.scatter("x", "y", source=self._samples, size=4, alpha=0.72, line_color=None,
                                color={"field": "c", "transform": self._class_map})
        self._label = Label(x=10, y=10, x_units="screen", y_units="screen", text="", text_font_size="15px",
                            text_color="#3c4043", background_fill_color="white", background_fill_alpha=0.8)
        fig.add_layout(self._label)
        fig.on_event(Tap, self._on_tap)
        self._fig = fig
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:  # served: the first picture counts as a frame
            doc.js_on_event("document_ready", CustomJS(args={"samples": self._samples}, code=FIRST_PICTURE_JS))
        # the page finds the layers in `fig` by their renderers' names, their code on the store (layers.py)
        self._js_args = dict(store=self._store, samples=self._samples, fig=fig, label=self._label)
        redraw = CustomJS(args=self._js_args, code=DEFINE_RENDER_JS + "store._render(store._tick);")
        self._store.js_on_change("data", redraw)
        canvas = Canvas(fig, self._store, redraw)
        canvas.place(BASE_Z["ghost"], ghost_r)
        canvas.place(BASE_Z["samples"], samples_r)
        self.layers = PlotLayers(canvas)  # every registered layer, made when first shown (layers.py)
        self._arrows = GuidanceArrows(self.layers["arrows"])  # a guided model: the predictions at a tapped point

    def _build_widgets(self):
        # The slider shows no value of its own: the time is read in one place, the label in the plot, which the
        # same render call draws with the frame (a value on the slider lagged behind after a new run).
        self._slider = pn.widgets.IntSlider(label="Time (noise → data)", start=0, end=SWEEP_TICKS, value=0,
                                            show_value=False, tooltips=False, sizing_mode="stretch_width",
                                            bar_color=COLORS["samples"])
        self._slider.margin = (2, 10, 0, 10)  # tight: plot, slider, toggles and legend fit 1280x720
        self._controls = PlayerControls(
            slider=self._slider, on_event=self._on_page, interval=SWEEP_MS / SWEEP_TICKS, sizing_mode="stretch_width",
            ids={k: m.id for k, m in self._js_args.items()}, margin=(0, 0, 0, 0))
        player, controls = self.player, self._controls
        player.param.watch(lambda e: setattr(controls, e.name, e.new), ["playing", "loop", "shown"])
        controls.param.watch(lambda e: setattr(player, "loop", e.new), ["loop"])
        st = self.state
        names = layer_params()  # one checkbox per toggle layer, in registration order
        self._layers = pn.widgets.CheckBoxGroup(
            options={s.label: s.param_name for s in toggles()}, value=[p for p in names if getattr(st, p)],
            inline=True, margin=(5, 6, 0, 8),
            stylesheets=[".bk-input-group {gap: 4px 14px;} label {cursor: pointer;}"])
        self._layers.param.watch(self._on_layers, "value")
        st.param.watch(self._show_layers, names)
        self._legend = pn.pane.HTML("", sizing_mode="stretch_width", min_height=15, margin=(2, 10, 0, 10),
                                    css_classes=["layer-legend"], stylesheets=[LEGEND_CSS])
        self._show_layers()
        self._clear = pn.widgets.Button(label="Clear traces", color="primary", variant="outline", disabled=True,
                                        width=104, height=26, margin=(0, 5, 0, 4))
        self._clear.on_click(self._clear_traces)
        text, _ = start_words(None)  # what t = 1 is: the shown model's start (noise, or another set)
        self._caption = pn.pane.Markdown(text, styles=MUTED, width=COLUMN_PX - 30, margin=(4, 10, 0, 10))

    # --- toggles, loop and legend --------------------------------------------------------------
    def _on_layers(self, event):
        with pn.io.hold():  # one batch: the view repacks once for several layers
            self.state.param.update({p: p in event.new for p in self._layers.options.values()})

    def _show_layers(self, *_):
        st = self.state
        self._layers.value = [p for p in self._layers.options.values() if getattr(st, p)]
        self._legend.object = legend_html(st)

    # --- packing ------------------------------------------------------------------------------
    @staticmethod
    def _columns(packed):
        return frames.store_columns(packed, SWEEP_TICKS, TAIL_SAMPLES, TAIL_FRAMES)

    def _pack(self, run) -> dict:
        st = self.state
        packed = frames.pack_points(run)  # the layers pack their own columns (layers.py)
        n, labels = packed["n"], st.run_labels
        names = list(getattr(st.model, "class_names", None) or [])[:len(CLASS_COLORS)]
        palette = [*class_palette(names), *CLASS_COLORS[len(names):]]
        if list(self._class_map.palette) != palette:  # a drawn class keeps its colour
            self._class_map.palette = palette
        packed["c"] = (np.full(n, np.nan, np.float32) if labels is None or len(labels) != n
                       else np.asarray(labels, np.float32))
        return packed

    # --- state -> view ------------------------------------------------------------------------
    def _on_data(self, *_):
        data = self.state.data  # None: a cleared drawing, no training points
        self._ghost.data = empty_columns("x", "y") if data is None else {"x": data[:, 0].astype(np.float32),
                                                                  "y": data[:, 1].astype(np.float32)}

    def _on_run(self, *_):
        st, player, controls = self.state, self.player, self._controls
        if st.run is None:
            return
        first = self._packed is None
        sweep = SWEEP_MS if first else controls.interval * self._slider.end  # a new run keeps the player's speed
        self._packed = self._pack(st.run)
        cols = self._columns(self._packed)
        end = cols["S"][0] * (len(self._packed["t"]) - 1)
        interval = float(np.clip(sweep / end, 4, 2000))
        frame = player.new_run(st.run.times)  # ... and the shown t (the nearest frame; the first run: noise)
        caption, tags = start_words(st.model)
        with pn.io.hold():
            self._caption.object, self._label.tags = caption, tags  # before the frames: the page labels them
            self._slider.end = end  # (the page moves the slider's value; the server never sets it)
            controls.param.update(interval=interval, hold=max(1, round(HOLD_MS / interval)))
            self._store.data.update({k: v for k, v in cols.items() if k in BASE_COLUMNS})  # layers: their own
            if not player.playing:  # playing, the page keeps the shown t itself
                controls.tick = self._tick_of(frame)
            if st.frame != frame:
                st.frame = frame
            if first:  # the first document's picture: the shown frame, before the page's player draws any
                self._samples.data = self._frame_columns(frame)
            if st.model is not self._trace_model:  # traces belong to the model, not the run
                self._trace_model = st.model
                self._clear_traces()
            self._apply_visibility()

    def _apply_visibility(self):
        st = self.state
        self.layers.sync(st, st.run if self._packed is not None else None, st.model)

    def _on_toggle(self, *_):
        with pn.io.hold():
            self._apply_visibility()

    # --- frames and time ------------------------------------------------------------------------
    def _frame_and_t(self, tick: int) -> tuple[int, float]:
        """(the run's frame nearest to slider `tick`, the interpolated time there)."""
        p, S = self._packed, int(self._store.data["S"][0])
        pos = min(max(tick / S, 0.0), len(p["t"]) - 1)
        return int(p["index"][round(pos)]), float(np.interp(pos, np.arange(len(p["t"])), p["t"]))

    def _packed_frame(self, frame: int) -> int:
        """Which packed frame is nearest to the run's frame `frame`."""
        return int(np.argmin(np.abs(self._packed["index"] - frame)))

    def _frame_columns(self, frame: int) -> dict:
        """The samples of the packed frame nearest to the run's frame `frame`, as the `samples` source's columns."""
        p, k = self._packed, self._packed_frame(frame)
        n = p["n"]
        return {"x": p["x"][k * n:(k + 1) * n], "y": p["y"][k * n:(k + 1) * n], "c": p["c"]}

    def _tick_of(self, frame: int) -> int:
        """The slider position of the packed frame nearest to the run's frame `frame`."""
        return self._packed_frame(frame) * int(self._store.data["S"][0])

    def _on_page(self, msg: dict) -> None:
        """What the user did in the page (player_controls.py): play, or pause / scrub at a slider tick."""
        player, event = self.player, msg.get("event")
        if event == "play":
            player.play()
            return
        tick = msg.get("tick")
        if event not in ("pause", "scrub") or self._packed is None or not isinstance(tick, (int, float)):
            return
        tick = int(np.clip(tick, 0, self._slider.end))
        _, t = self._frame_and_t(tick)
        with pn.io.hold():
            self._controls.tick = tick  # what the page shows: the server's copy agrees
            if event == "pause":
                player.pause(t)
            else:
                player.scrub(t)
            if self.state.frame != player.frame:
                self.state.frame = player.frame
        tap, self._pending_tap = self._pending_tap, None
        if tap is not None and not player.playing:
            self._on_tap(tap)

    def _on_frame(self, event):
        """Follow `state.frame` moved by someone else (when paused), once the change has settled: a sampler
        change moves `frame` just before it replaces `run`, and then _on_run has already placed the player."""
        if self._packed is None or self.player.playing:
            return
        run = self.state.run

        def follow():
            if self.state.run is not run or self.state.frame != event.new or self._packed is None:
                return
            if self.player.frame != event.new:
                self.player.scrub(float(run.times[min(event.new, len(run.times) - 1)]))
                self._controls.tick = self._tick_of(self.player.frame)

        pn.state.execute(follow, schedule=True)  # next tick on a server; at once elsewhere

    # --- taps ---------------------------------------------------------------------------------
    def _on_model(self, *_):
        self._on_toggle()  # the layers that waited for the model (vector field, mesh); the others are up to date
        tap, self._model_tap = self._model_tap, None
        if tap is not None and self.state.model is not None:
            self._on_tap(tap)

    def _on_tap(self, event):
        st = self.state
        if st.model is None and event.x is not None and st.awaiting_model():
            self._model_tap = event  # traced when the model is in (it says "Loading the model…" meanwhile)
            return
        if st.model is None or self._packed is None or event.x is None:
            return
        if self.player.playing:  # the server knows t only when paused: pause, and trace once the page says where
            self._pending_tap = event
            self.player.pause()
            return
        t = self.player.t
        try:  # the path the samples follow: the guided denoiser, when guidance is on
            path, times = samplers.trace(st.denoiser() or st.model, (float(event.x), float(event.y)), t)
        except ExplorerError as err:
            st.error = str(err)
            return
        used = {c for *_, c in self._traces[-(MAX_TRACES - 1):]}
        color = next(c for c in COLORS["traces"] if c not in used)
        self._traces = (self._traces + [(path, times.astype(np.float32), (event.x, event.y), color)])[-MAX_TRACES:]
        # One batch: the layers made at a first tap go to the page in one message with their data. Sent apart,
        # the page was once told of a model before it had received it ("reference ... isn't known").
        with pn.io.hold():
            self._draw_traces()  # (first: the guidance arrows, made at their first tap, go on top)
            said = self._arrows.show(st, (event.x, event.y), t)
        if said:
            st.status = said

    def _on_guidance(self, *_):
        said, st = self._arrows.refresh(self.state), self.state
        if said and st.status.startswith("Arrows at"):  # the status named the old arrows
            st.status = said

    def _draw_traces(self):
        self.layers["traces"].feed(self._traces)
        self._clear.disabled = not self._traces

    def _clear_traces(self, *_):
        self._arrows.clear()
        self._traces = []
        self._draw_traces()

    def release(self) -> None:
        """Let the session be freed once it ends (compat.forget_js_callbacks says why)."""
        forget_js_callbacks(self._slider)

    def __panel__(self):
        # five toggles fill the column's width: Clear traces goes beside their one-line legend, below them
        legend = pn.Row(self._legend, self._clear, sizing_mode="stretch_width")
        # The picture first: a new page's first document holds the figure with the shown frame's samples; the
        # player, toggles, legend and caption come in the next patch, once the page has drawn it (lazy.py). The
        # player's module is compiled in the page, which held the first picture back ~0.4 s
        # (docs/performance.md#the-picture-first-2026-12-04).
        rest = after_first_paint(lambda: [self._controls, self._layers, legend, self._caption],
                                 sizing_mode="stretch_width", margin=0, min_height=REST_PX)
        return pn.Column(self._fig, rest, width=COLUMN_PX)
