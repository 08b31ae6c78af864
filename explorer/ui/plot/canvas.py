"""The main plot's figure as the layers see it: where a layer's renderers and sources go, and in what order.

`Canvas(fig, store, redraw)` holds the figure, the view's hidden store (every frame of the run) and its render
callback. `PlotLayers(canvas)` makes one layers.PlotLayer per registered layer; `sync(state, run, model)` shows
and hides them as the state's `show_*` toggles say, making a layer when it is first shown, and sends the store
only the columns that changed (a layer shown for the first time packs and sends its own columns alone).
"""
from __future__ import annotations

from bokeh.models import ColumnDataSource

from explorer.ui.plot.layers import LAYERS, PlotLayer, page_code

# Stacking of the renderers the view makes itself; the layers' `z` goes between and above (layers.LayerSpec).
BASE_Z = {"ghost": 10, "samples": 60}


class Canvas:
    def __init__(self, fig, store: ColumnDataSource, redraw):
        self.fig, self.store, self.redraw = fig, store, redraw
        self._z: dict[str, float] = {}
        store.tags = page_code()  # the layers' page code, keyed by their names (layers.py)
        fig.js_on_change("renderers", redraw)  # a layer made later is drawn as soon as it arrives

    def source(self, columns: dict, name: str) -> ColumnDataSource:
        return ColumnDataSource(columns, name=name)

    def place(self, z: float, *renderers) -> None:
        """Stack `renderers` at `z` (higher on top); others stay at their layer's or the base's level."""
        for r in renderers:
            self._z[r.id] = z

    def placed(self, layer: PlotLayer) -> None:
        """`layer`'s renderers were just made (appended last): put them in their place, and redraw the page when
        they are shown or hidden."""
        for r in layer.renderers:
            self._z.setdefault(r.id, layer.spec.z)
            r.js_on_change("visible", self.redraw)
        z = self._z
        self.fig.renderers = sorted(self.fig.renderers, key=lambda r: z.get(r.id, 60))  # stable: ties keep order


class PlotLayers:
    """The registered layers on one canvas, by name (a layer registered after the view was made is not in it)."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.layers = {name: PlotLayer(LAYERS[name], canvas) for name in LAYERS}

    def __getitem__(self, name: str) -> PlotLayer:
        return self.layers[name]

    def __iter__(self):
        return iter(self.layers.values())

    def sync(self, state, run, model) -> None:
        """Show the layers `state` switches on (made and packed as needed), hide the others; one store update."""
        store, cols = self.canvas.store, {}
        for layer in self:
            if layer.spec.toggle:
                on = bool(getattr(state, layer.spec.param_name, False))
                cols.update(layer.columns(on, run, model))
                if on or layer.built:
                    layer.show(on)
        if cols:
            store.data.update(cols)
