"""The main plot's layers as specs: one `LayerSpec` per layer, registered once in `LAYERS`.

A layer is one entry that carries its name (the one spelling: the state's toggle is `show_<name>`, its renderers
are `<name>...` in the figure, its page code is keyed by it), its checkbox label, legend and colour, what it packs
from a run for the page, how it draws in Python (glyph renderers and sources added to the figure) and how it
draws in the page (a JS snippet run by the view's render at every frame). The toggles, the legend, the session
state's `show_*` parameters, the link and the lessons all read this registry:

    LAYERS.register(LayerSpec("halo", "Halo", draw=draw_halo, js=HALO_JS, pack=pack_halo, legend=(...)))

Nothing of a layer is made until it is first shown (a toggle switched on, or for a tap layer its first tap): a
new session's page holds ~100 Bokeh models fewer, which a class of 30 opening the link at once feels
(docs/performance.md#sessions). No Bokeh or Panel import here: a layer draws through its canvas (canvas.py).
The built-in layers are registered in layer_specs.py, which the package's __init__ imports.

The page side: the view puts every layer's JS on its hidden store's `tags` as [name, code] pairs, and the render
(main_view_js.DEFINE_RENDER_JS) runs each as ``function (c)`` after the samples, with `c` holding the frame:
``c.d`` (the store's columns), ``c.layer`` (the figure's renderers by name), ``c.t``, ``c.pos``, ``c.near``
(the nearest packed frame), ``c.lerp(A, m)``, ``c.view(A, a, b)``, ``c.sx``/``c.sy`` (the drawn samples),
``c.X``/``c.Y``/``c.n``, ``c.quiet`` and ``c.store``. A hidden layer's snippet returns at once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import param

from explorer.core.registry import Registry


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the main plot.

    `draw(canvas, layer)` adds the layer's renderers to `canvas.fig` (their names start with the layer's name;
    sources made with `layer.source(...)`) and returns them; `z` places them (or a renderer's own `z` given
    through `canvas.place`). `pack(run, model)` returns the one-row columns the page's code reads, computed when
    the layer is shown and its `packs` ("run" or "model") is new; None when there is nothing to pack (no model).
    A `toggle` layer gets a checkbox and a `show_<name>` parameter on the session state (`default`); the
    others (traces, guidance arrows) are fed by the view through `feed(layer, data)`, made at their first data.
    """

    name: str
    label: str
    draw: Callable
    js: str = ""
    doc: str = ""
    default: bool = False
    toggle: bool = True
    legend: tuple[str, str, str] | None = None  # (swatch, long text, short text) under the toggles
    color: str = "#3c4043"
    pack: Callable | None = None
    packs: str = "run"  # what the packed columns follow: each new "run", or each new "model"
    feed: Callable | None = None
    z: float = 50.0  # stacking: base renderers are ghost 10, samples 60 (higher is on top)

    @property
    def param_name(self) -> str:
        return f"show_{self.name}"


LAYERS: Registry[LayerSpec] = Registry("plot layer")


def toggles() -> list[LayerSpec]:
    """The layers with a checkbox, in registration order."""
    return [s for s in LAYERS.specs() if s.toggle]


def layer_params() -> list[str]:
    """The session state's `show_*` parameters, one per toggle layer."""
    return [s.param_name for s in toggles()]


def layer_parameter(spec: LayerSpec) -> param.Boolean:
    return param.Boolean(default=spec.default, doc=spec.doc or f"Show the {spec.label} layer.", label=spec.label)


def bind_layers(cls: type[param.Parameterized]) -> type[param.Parameterized]:
    """Give `cls` one Boolean `show_<name>` per toggle layer, now and for every layer registered later."""

    def refresh():
        for spec in toggles():
            if spec.param_name not in cls.param:
                cls.param.add_parameter(spec.param_name, layer_parameter(spec))

    LAYERS.watch(refresh)
    refresh()
    return cls


def legend_html(state) -> str:
    """The one line under the toggles: what the shown layers draw (long with one on, short with several)."""
    with_legend = [s for s in toggles() if s.legend]
    on = [s for s in with_legend if getattr(state, s.param_name, False)]

    def swatch(s):
        return f"<span style='color:{s.color}'>{s.legend[0]}</span>"

    if not on:
        labels = [s.label for s in with_legend]
        names = ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1] if labels else ""
        text = f"{names} show the flow at the shown t: switch one on."
    elif len(on) == 1:
        text = f"<span title='{on[0].legend[1]}'>{swatch(on[0])} {on[0].legend[1]}</span>"
    else:
        text = "At the shown t: " + " · ".join(f"<span title='{s.legend[1]}'>{swatch(s)} {s.legend[2]}</span>"
                                               for s in on)
    return f"<div class='legend-line'>{text}</div>"


def page_code() -> list[list[str]]:
    """[name, JS] of every layer with page code: the view's store carries them (its `tags`)."""
    return [[s.name, s.js] for s in LAYERS.specs() if s.js]


def empty(columns: dict) -> dict:
    return {k: [np.zeros(0, np.float32)] for k in columns}


class PlotLayer:
    """One layer on one figure: `show(on)` makes it when first shown; `columns(run, model)` its packed data."""

    def __init__(self, spec: LayerSpec, canvas):
        self.spec, self.canvas = spec, canvas
        self.renderers: list = []
        self.sources: dict = {}
        self.built = False
        self.packed_for = None  # the run or model the page's columns are of
        self.packed: dict = {}  # the columns last sent

    def source(self, name: str, columns: dict):
        """A data source of this layer (`layer.sources[name]`, found in the page by `name`)."""
        self.sources[name] = src = self.canvas.source(columns, name)
        return src

    def build(self) -> None:
        if not self.built:
            self.built = True
            self.renderers = list(self.spec.draw(self.canvas, self))
            self.canvas.placed(self)

    def show(self, on: bool) -> None:
        if on:
            self.build()
        for r in self.renderers:
            r.visible = on

    def feed(self, data) -> None:
        """Give a tap layer its data (made at its first data; [] or None before it clears nothing)."""
        if not self.built and not data:
            return
        self.build()
        self.spec.feed(self, data)

    def columns(self, on: bool, run, model) -> dict:
        """The store columns to send now: packed if shown and out of date, emptied if hidden and out of date."""
        spec = self.spec
        if spec.pack is None or run is None:
            return {}
        key = run if spec.packs == "run" else model
        if key is self.packed_for:
            return {}
        if on:
            cols = spec.pack(run, model)
            if cols is None:
                return {}
            self.packed_for, self.packed = key, cols
            return cols
        if self.packed:
            self.packed_for, cols, self.packed = None, empty(self.packed), {}
            return cols
        return {}

