"""The main plot's optional layers (density with its contours, vector field, mesh), made when first switched on.

A new session opens with them off: not building their eight renderers (~70 Bokeh models) makes each new page
cheaper for the server (docs/performance.md#sessions). Their data sources keep the names the page's code and
the tests look for ("density", "density_contour_j", "field", "mesh"); the renderers are named "<source>_r" and
the browser finds them by those names in the figure (main_view_js.DEFINE_RENDER_JS), so a layer made later is
drawn as soon as it arrives. The stacking order is the original one: density image at the bottom, then the
training points, mesh, contours and field, under everything else (tails, samples, traces).
"""
from __future__ import annotations

from bokeh.models import ColumnDataSource, LinearColorMapper

from explorer.ui.plot import frames
from explorer.ui.plot.main_view_labels import COLORS, _density_palette
from explorer.ui.style import empty_columns

LAYERS = ("show_density", "show_field", "show_mesh")


class PlotLayers:
    """`PlotLayers(fig, ghost_r, redraw)`: `.show(state)` makes the layers `state` switches on and sets which are
    visible; `redraw` (the view's CustomJS) runs in the page when a layer is shown or hidden."""

    def __init__(self, fig, ghost_r, redraw):
        self._fig, self._ghost_r, self._redraw = fig, ghost_r, redraw
        self.dens_r = self.mesh_r = self.field_r = None
        self.cont_rs: list = []
        self.sources: dict[str, ColumnDataSource] = {}

    def show(self, state) -> None:
        if state.show_density and self.dens_r is None:
            self._build_density()
        if state.show_mesh and self.mesh_r is None:
            self._build_mesh()
        if state.show_field and self.field_r is None:
            self._build_field()
        for r in (self.dens_r, *self.cont_rs):
            if r is not None:
                r.visible = state.show_density
        if self.field_r is not None:
            self.field_r.visible = state.show_field
        if self.mesh_r is not None:
            self.mesh_r.visible = state.show_mesh

    # --- building -------------------------------------------------------------------------------
    def _source(self, name: str, columns: dict) -> ColumnDataSource:
        self.sources[name] = src = ColumnDataSource(columns, name=name)
        return src

    def _made(self, *renderers) -> None:
        """Renderers just made by the figure (appended last): put them in their place, and redraw when they
        are shown or hidden, or when they first arrive in the page."""
        for r in renderers:
            r.js_on_change("visible", self._redraw)
        self._fig.js_on_change("renderers", self._redraw)  # (Bokeh adds one callback once)
        ours = [self.dens_r, self.mesh_r, *self.cont_rs, self.field_r]
        rest = [r for r in self._fig.renderers if r not in ours and r is not self._ghost_r]
        bottom = [self.dens_r] if self.dens_r is not None else []
        self._fig.renderers = [*bottom, self._ghost_r, *(r for r in ours[1:] if r is not None), *rest]

    def _build_density(self) -> None:
        fig = self._fig
        src = self._source("density", {"image": [], "x": [], "y": [], "dw": [], "dh": []})
        mapper = LinearColorMapper(palette=_density_palette(), low=frames.DENSITY_LEVELS[0], high=1.0,
                                   low_color="#00000000")
        self.dens_r = fig.image(image="image", x="x", y="y", dw="dw", dh="dh", source=src, color_mapper=mapper,
                                visible=False, name="density_r")
        self.cont_rs = [fig.line("x", "y", source=self._source(f"density_contour_{j}", empty_columns("x", "y")),
                                 color=COLORS["density"], alpha=0.45 + 0.1 * j, line_width=1.0 + 0.25 * j,
                                 visible=False, name=f"density_contour_{j}_r")
                        for j in range(len(frames.DENSITY_LEVELS))]
        self._made(self.dens_r, *self.cont_rs)

    def _build_mesh(self) -> None:
        self.mesh_r = self._fig.line("x", "y", source=self._source("mesh", empty_columns("x", "y")),
                                     color=COLORS["mesh"], alpha=0.5, line_width=1.1, visible=False, name="mesh_r")
        self._made(self.mesh_r)

    def _build_field(self) -> None:
        src = self._source("field", empty_columns("x0", "y0", "x1", "y1"))
        self.field_r = self._fig.segment("x0", "y0", "x1", "y1", source=src, color=COLORS["field"], alpha=0.6,
                                         line_width=1.1, visible=False, name="field_r")
        self._made(self.field_r)
