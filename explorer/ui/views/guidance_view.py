"""The "Guidance" tab: how the guidance scale w trades diversity for fidelity, measured per class.

Per class (its colour): precision (solid: the share of its samples inside the class's region) and recall
(dashed: the share of the class's points its samples come close to) against w, with the sidebar's w marked.
Faint dotted lines: the exact conditional denoiser of the training points, if asked for. The logic lives in
GuidanceSweepState; the metric in explorer/studies/guidance_sweep.py.
"""
from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, Legend, LegendItem, Range1d, Span
from bokeh.plotting import figure

from explorer.ui.base import StateView
from explorer.ui.plot.main_view_labels import class_palette
from explorer.ui.session.guidance_sweep_state import GuidanceSweepState
from explorer.ui.style import style_figure
from explorer.ui.views.job_controls import JobControls

INTRO = ("**What does the guidance scale buy, and what does it cost?** For each class, samples asked for it at "
         "w = 0 (no class) to 8. **Precision** (solid): the share that lands in the class's region. **Recall** "
         "(dashed): the share of the class's points they come close to. Guidance typically raises the first and "
         "lowers the second: sharper, less diverse. The grey line is the sidebar's w.")


def _no_lines() -> dict:
    return {"xs": [], "ys": [], "color": [], "dash": [], "alpha": [], "width": []}


class GuidanceView(StateView):
    """`GuidanceView(state=s)`: the precision/recall-against-w sweep of the session `s`."""

    def __init__(self, **params):
        super().__init__(**params)
        self.sweep = GuidanceSweepState(state=self.state)
        self._build()
        self.sweep.param.watch(self._on_result, ["result"])
        self.state.param.watch(self._on_model, ["model", "data", "guide"])
        self.state.param.watch(self._on_w, ["guidance"])
        self._on_w()

    def _build(self):
        fig = figure(name="guidance_figure", width=560, height=360, x_axis_label="guidance scale w",
                     y_axis_label="share (precision, recall)", tools="pan,wheel_zoom,reset,save",
                     toolbar_location="right", x_range=Range1d(-0.3, 8.3), y_range=Range1d(-0.03, 1.03))
        style_figure(fig)
        self._w_span = Span(location=1.0, dimension="height", line_color="#9aa0a6", line_width=2)
        fig.add_layout(self._w_span)
        self._lines = ColumnDataSource(_no_lines(), name="guidance_lines")
        fig.multi_line("xs", "ys", source=self._lines, color="color", line_dash="dash", line_alpha="alpha",
                       line_width="width")
        self._points = ColumnDataSource({"x": [], "y": [], "color": [], "alpha": []}, name="guidance_points")
        fig.scatter("x", "y", source=self._points, color="color", fill_alpha="alpha", line_alpha="alpha", size=6)
        self._legend = Legend(items=[], label_text_font_size="11px", spacing=0, padding=4)
        # the legend's swatches: hidden lines, made once and restyled for each result
        self._swatches = [fig.line([0], [0], line_width=2, visible=False) for _ in range(24)]
        fig.add_layout(self._legend, "right")
        self._fig = fig
        self._oracle = pn.widgets.Checkbox.from_param(self.sweep.param.include_oracle,
                                                      label="Also the exact conditional denoiser", margin=(12, 10))
        self._controls = JobControls(self.sweep, "Measure", run_width=110, can_run=lambda: self.state.guided,
                                     progress_width=180, message_name="guidance_message")
        self._run, self._message, self._start = self._controls.run, self._controls.message, self._controls.start

    def _on_model(self, *_):
        if self.sweep.running:
            return
        self.sweep.message = ("The model, data or guide changed since this sweep: press Measure again.\n\n"
                              + self.sweep.advice() if self.sweep.is_stale() else self.sweep.advice())
        self._controls.refresh()

    def _on_w(self, *_):
        self._w_span.location = float(self.state.guidance)

    def _on_result(self, *_):
        res = self.sweep.result or {}
        lines, pts = _no_lines(), {"x": [], "y": [], "color": [], "alpha": []}
        legend = []
        for which, alpha, width in (("network", 0.95, 2.2), ("oracle", 0.4, 1.5)):
            result = res.get(which)
            if result is None:
                continue
            colors = class_palette(result.class_names)
            for k, name in enumerate(result.class_names):
                for values, dash in ((result.precision[k], "solid"), (result.recall[k], "dashed")):
                    ok = np.isfinite(values)
                    lines["xs"].append(result.ws[ok])
                    lines["ys"].append(values[ok])
                    lines["color"].append(colors[k])
                    lines["dash"].append(dash if which == "network" else "dotted")
                    lines["alpha"].append(alpha)
                    lines["width"].append(width)
                    pts["x"] += result.ws[ok].tolist()
                    pts["y"] += values[ok].tolist()
                    pts["color"] += [colors[k]] * int(ok.sum())
                    pts["alpha"] += [alpha] * int(ok.sum())
                if which == "network":
                    legend.append((name, colors[k], "solid"))
        legend += [("precision", "#5f6368", "solid"), ("recall", "#5f6368", "dashed")]
        if res.get("oracle") is not None:
            legend.append(("exact denoiser", "#5f6368", "dotted"))
        with pn.io.hold():
            self._lines.data = lines
            self._points.data = pts
            items = []
            for swatch, (label, color, dash) in zip(self._swatches, legend, strict=False):
                swatch.glyph.update(line_color=color, line_dash=dash)
                items.append(LegendItem(label=label, renderers=[swatch]))
            self._legend.items = items

    def __panel__(self):
        muted = {"color": "#5f6368"}
        return pn.Column(
            pn.pane.Markdown(INTRO, styles=muted, sizing_mode="stretch_width", margin=(0, 10)),
            pn.Row(self._run, self._controls.stop, self._oracle, self._controls.progress),
            self._message,
            pn.pane.Bokeh(self._fig),
            sizing_mode="stretch_width")
