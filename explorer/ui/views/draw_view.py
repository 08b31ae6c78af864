"""Draw your own training set: freehand strokes become points (or upload / download a CSV).

The FreehandDrawTool owns `stroke_source`: the browser fills its `xs`/`ys` (and `cls`, the colour picked
for the stroke: its class) and we only read them (writing to it while the user draws would fight the tool).
Each change is converted at once with `labelled_points.from_coloured_strokes` (two colours or more make a
drawing with classes) and handed to `state.set_drawn`; the resulting training points come back
through `state.data` and are shown as dots from a separate `point_source`.

Undo and Clear are button presses (nobody is drawing): they rewrite the strokes and update the points, the
status line and the training data in the same step, and never rely on the source's change callback for that.
An emptied canvas means no training data (`state.set_drawn(None)`), so Train says so instead of silently
training on dots that are no longer shown.
"""
from __future__ import annotations

import html
import io

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, FreehandDrawTool
from bokeh.plotting import figure
from bokeh.transform import factor_cmap

from explorer.core.errors import ExplorerError
from explorer.data.labelled_points import DRAW_CLASSES, from_coloured_strokes, read_labelled_csv, write_labelled_csv
from explorer.ui.base import StateView
from explorer.ui.jobs.export_files import plain_name, safe_name
from explorer.ui.plot.main_view_labels import CLASS_COLORS, class_palette
from explorer.ui.session.state import DRAWN

CANVAS_RANGE = (-4.0, 4.0)
HINT = "Draw with the mouse: the dots are your training set. Draw in two colours or more for classes."
INK = dict(zip(DRAW_CLASSES, CLASS_COLORS, strict=False))  # a class's colour on the canvas and in the plots
UPLOAD_DOTS = INK["orange"]  # the dots of an upload without classes
# Choosing Draw brings the canvas into view: it opens beside the plot, under the training panel, which after a
# run pushes it below a laptop's screen. The page waits for the canvas (made on first use, lazy.py) to be laid out,
# then scrolls it to the middle of the window, unless it is fully in view already (under the 64 px header).
SCROLL_TO_CANVAS_JS = """
let tries = 0, last = null;
const look = () => {
  const docs = Bokeh.documents.filter((d) => d.get_model_by_name('draw_canvas') != null);
  const fig = docs.length ? docs[docs.length - 1].get_model_by_name('draw_canvas') : null;
  const view = fig == null ? null : Bokeh.index.find_one(fig);
  const box = view == null ? null : view.canvas_view.el.getBoundingClientRect();
  const now = box == null || box.height == 0 ? null : `${box.top},${box.height}`;
  if (now != null && now == last) {
    if (box.top < 64 || box.bottom > window.innerHeight)
      view.canvas_view.el.scrollIntoView({block: 'center', behavior: 'instant'});
    return;
  }
  last = now;
  if (++tries < 80) setTimeout(look, 100);
};
setTimeout(look, 100);
"""
UNDO_TIP = "Remove the last stroke and its points."
CLEAR_TIP = "Remove every stroke and point (an upload too)."


def _ink_css() -> str:
    """Each colour button shows its colour: a swatch bar, filled when chosen."""
    rules = [f".bk-btn:nth-child({k + 1}) {{box-shadow: inset 0 -4px 0 {c};}} "
             f".bk-btn:nth-child({k + 1}).bk-active {{background: {c}; color: white;}}"
             for k, c in enumerate(INK.values())]
    return ".bk-btn {padding: 2px 6px; font-size: 12px;} " + " ".join(rules)


def _tip_above(text: str) -> str:
    """A button's hover tooltip above it, in CSS: Panel's own tooltip opens beside the button, over Clear."""
    return (".bk-btn {position: relative;} .bk-btn:hover::after, .bk-btn:focus-visible::after {"
            f"content: \"{text}\"; position: absolute; bottom: calc(100% + 6px); left: 0; padding: 3px 8px; "
            "border-radius: 4px; background: rgba(32, 33, 36, 0.92); color: #fff; font: 12px/1.35 system-ui, "
            "sans-serif; white-space: nowrap; pointer-events: none; z-index: 20;}")


def _no_strokes() -> dict:
    return {"xs": [], "ys": [], "cls": []}


def _shape(xs) -> tuple[int, ...]:
    """Vertices per stroke: tells our own write of the strokes from a stroke the user added."""
    return tuple(len(x) for x in xs)


def _drawable(xs) -> bool:
    """Whether the strokes make a shape (at least one stroke of two or more vertices; a click does not)."""
    return any(len(x) >= 2 for x in xs)


class DrawView(StateView):
    """The drawing canvas of one session, with density/jitter, undo/clear and CSV upload/download."""

    def __init__(self, **params):
        super().__init__(**params)
        self.stroke_source = ColumnDataSource(_no_strokes(), name="strokes")
        self.point_source = ColumnDataSource({"x": np.zeros(0, np.float32), "y": np.zeros(0, np.float32),
                                              "color": []}, name="drawn_points")
        # The colour each new stroke gets: its class (one colour only: a drawing without classes)
        self.ink = pn.widgets.RadioButtonGroup(label="Colour", options=list(DRAW_CLASSES), value=DRAW_CLASSES[0],
                                               color="light", stylesheets=[_ink_css()], margin=(0, 5),
                                               description="The class of the next stroke: draw in two colours or "
                                                           "more to train a conditional model.")
        self._ink_single = INK[DRAW_CLASSES[0]]  # the dots' colour when the drawing has one colour
        self.figure = self._canvas()
        self.ink.param.watch(self._on_ink, "value")
        self.density = pn.widgets.FloatSlider(label="Density", start=5, end=200, step=5, value=40,
                                              sizing_mode="stretch_width")
        self.jitter = pn.widgets.FloatSlider(label="Jitter", start=0.0, end=0.3, step=0.01, value=0.03,
                                             sizing_mode="stretch_width")
        self.undo = pn.widgets.Button(label="Undo", stylesheets=[_tip_above(UNDO_TIP)])
        self.clear = pn.widgets.Button(label="Clear", stylesheets=[_tip_above(CLEAR_TIP)])
        # Upload and Download side by side in the canvas's 320 px column, each whole (no "Download CS…")
        self.upload = pn.widgets.FileInput(label="Upload CSV", accept=".csv", multiple=False, width=160,
                                           description="A CSV with columns x,y (a header row is fine), and a "
                                                       "label column for classes: x,y,label.")
        self.download = pn.widgets.FileDownload(label="Download CSV", filename="training_points.csv",
                                                callback=self._csv, color="default", width=130,
                                                description="The current training points as x,y CSV (x,y,label "
                                                            "when they have classes).")
        self.stroke_source.on_change("data", self._on_strokes)
        self.density.param.watch(self._convert, "value_throttled")
        self.jitter.param.watch(self._convert, "value_throttled")
        self.undo.on_click(self._on_undo)
        self.clear.on_click(self._on_clear)
        self._echo: tuple[int, ...] | None = None  # the shape of our own last write of the strokes
        # Both: an empty file changes only the name (Panel reads an empty upload as value None).
        self.upload.param.watch(self._on_upload, ["value", "filename"])
        self.state.param.watch(self._show_points, ["data", "dataset"])
        self._show_points()

    def _canvas(self):
        fig = figure(x_range=CANVAS_RANGE, y_range=CANVAS_RANGE, match_aspect=True, height=300, width=320,
                     title="Your drawing", tools="reset", toolbar_location="right", name="draw_canvas")
        fig.scatter("x", "y", source=self.point_source, size=3, color="color", alpha=0.7, name="drawn_dots")
        strokes = fig.multi_line("xs", "ys", source=self.stroke_source, line_width=3, alpha=0.4, name="stroke_lines",
                                 color=factor_cmap("cls", palette=list(INK.values()), factors=list(INK)))
        tool = FreehandDrawTool(renderers=[strokes], num_objects=0, description="Draw",
                                default_overrides={"cls": self.ink.value})
        self._tool = tool
        # in the page too, at once: a stroke drawn right after a click must not wait for the server's echo
        self.ink.jscallback(args={"tool": tool, "names": list(DRAW_CLASSES)},
                            value="tool.default_overrides = {cls: names[cb_obj.active]}")
        fig.add_tools(tool)
        fig.toolbar.active_drag = tool
        fig.title.text_font_size = "13px"
        return fig

    # --- strokes -> points --------------------------------------------------------------------
    def _strokes(self) -> tuple[list, list]:
        data = self.stroke_source.data
        return list(data.get("xs", [])), list(data.get("ys", []))

    def _stroke_classes(self, n: int) -> list[int]:
        """The class of each of the first n strokes (a stroke the page sent without one: the first colour)."""
        cls = list(self.stroke_source.data.get("cls", []))
        return [DRAW_CLASSES.index(c) if c in DRAW_CLASSES else 0 for c in cls[:n]] + [0] * max(0, n - len(cls))

    def _on_ink(self, event) -> None:
        self._tool.default_overrides = {"cls": event.new}

    def _on_strokes(self, _attr, _old, _new) -> None:
        xs, _ys = self._strokes()
        if self._echo is not None and _shape(xs) == self._echo:
            self._echo = None  # our own write (Undo, Clear, an upload): already converted
            return
        self._convert()

    def _convert(self, *_events) -> bool:
        """Turn the strokes into points and make them the training set (needs a stroke of >= 2 vertices).
        True if the drawing is now the training set."""
        xs, ys = self._strokes()
        if not _drawable(xs):
            if xs:  # a click, not a stroke: one point is no shape to learn (a line, not a popup: drawing goes on)
                self.state.status = "A single point is not a shape: hold the mouse button down and drag to draw."
            return False
        classes = self._stroke_classes(len(xs))
        try:
            drawn = from_coloured_strokes(xs, ys, classes, density=float(self.density.value),
                                          jitter=float(self.jitter.value))
        except ExplorerError as err:
            self.state.error = str(err)
            return False
        self._ink_single = INK[DRAW_CLASSES[classes[-1]]]
        return self.state.set_drawn(*drawn)

    def _write_strokes(self, xs: list, ys: list) -> None:
        """Replace the strokes from here (a button press or an upload: nobody is drawing). The caller updates
        the points; the change callback that this write may trigger is skipped."""
        self._echo = _shape(xs)
        cls = [DRAW_CLASSES[k] for k in self._stroke_classes(len(xs))]
        self.stroke_source.data = {"xs": xs, "ys": ys, "cls": cls}

    # Button clicks arrive without Bokeh's document lock: pn.io.hold() makes writing to sources safe.
    def _on_undo(self, _event=None) -> None:
        xs, ys = self._strokes()
        with pn.io.hold():
            if not xs:
                self.state.status = ("Nothing to undo: there are no strokes on the canvas." if self.state.drawn is None
                                     else "Nothing to undo: the points came from a file; Clear removes them.")
                return
            self._write_strokes(xs[:-1], ys[:-1])
            if _drawable(xs[:-1]):
                if self._convert():
                    n = len(self.state.drawn)
                    self.state.status = f"Undid the last stroke: your drawing has {n} points now. Press Train."
                return
            self.state.set_drawn(None)
            self.state.status = ("Undid the last stroke: the canvas is empty, so there are no training points. "
                                 "Draw a shape (or upload a CSV), then press Train.")

    def _on_clear(self, _event=None) -> None:
        with pn.io.hold():
            had = self.state.drawn is not None
            self._write_strokes([], [])
            self.state.set_drawn(None)
            self.state.status = ("Cleared the drawing: there are no training points now. " if had else
                                 "Cleared the canvas. ") + "Draw a shape (or upload a CSV), then press Train."

    # --- files --------------------------------------------------------------------------------
    def _on_upload(self, *_events) -> None:
        name = self.upload.filename  # the user's text: escaped wherever it is shown
        if not name:  # the input was cleared (after every upload, below), not given a file
            return
        data = self.upload.value
        try:
            upload = read_labelled_csv(data if data is not None else b"")  # an empty file arrives as None
        except ExplorerError as err:
            self.state.error = f"{plain_name(name)}: {html.escape(str(err), quote=False)}"
        else:
            with pn.io.hold():
                self._ink_single = UPLOAD_DOTS
                if self.state.set_drawn(*upload):
                    self._write_strokes([], [])  # the dots are now the upload, not the old strokes
                    names = upload.class_names
                    self.state.status = (f"Loaded {len(upload.points)} points" + (
                        f" in {len(names)} classes ({', '.join(safe_name(n) for n in names)})" if names else "")
                        + f" from {safe_name(name)}. Press Train.")
        # Empty the input, so that choosing the same file again (fixed, or still empty) is news to the page.
        self.upload.clear()

    def _csv(self):
        data = self.state.data
        if data is None:
            self.state.error = "There are no training points to download yet."
            return io.StringIO("x,y\n")
        return io.StringIO(write_labelled_csv(data, self.state.labels, self.state.class_names))

    def _show_points(self, *_events) -> None:
        data, labels = self.state.drawn, self.state.labels
        if data is None or self.state.dataset != DRAWN:
            data, labels = np.zeros((0, 2), np.float32), None
        pts = np.asarray(data, np.float32)
        if labels is None or len(labels) != len(pts):
            colors = [self._ink_single] * len(pts)
        else:
            palette = class_palette(self.state.class_names)
            colors = [palette[k] for k in labels]
        with pn.io.hold():
            self.point_source.data = {"x": pts[:, 0], "y": pts[:, 1], "color": colors}

    def __panel__(self):
        hint = pn.pane.Markdown(HINT, margin=(0, 10))
        ink = pn.Row(pn.pane.HTML("Class:", margin=(6, 0, 0, 10)), self.ink)
        side = pn.Column(ink, pn.Row(self.density, self.jitter), pn.Row(self.undo, self.clear),
                         pn.Row(self.upload, self.download), width=320)
        return pn.Column(hint, pn.pane.Bokeh(self.figure), side, name="draw_view", width=330)
