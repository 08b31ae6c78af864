"""The built-in layers of the main plot, one `LayerSpec` each (layers.py says what a spec holds).

Density (with its contours), vector field and mesh pack per run from the run's frames (frames.py) into the
view's store; the trajectories' tails are drawn in the page from the samples' own frames; streamlines, traces
and guidance arrows live in their own modules (streamline_layer.py, trace_layer.py, guidance_arrows.py) and are
registered here, so the toggles list the layers in this order.
"""
from __future__ import annotations

import numpy as np

from explorer.ui.plot import frames, guidance_arrows, streamline_layer, trace_layer
from explorer.ui.plot.layers import LAYERS, LayerSpec
from explorer.ui.plot.main_view_labels import COLORS, _density_palette

TAIL_SAMPLES, TAIL_FRAMES = 150, 6  # tails behind this many samples, this many packed frames long


def _index(run) -> np.ndarray:
    return frames.frame_indices(len(run.times))


# --- trajectories: fading tails behind a subset of the samples, drawn from the packed points alone -------------
TRAJECTORIES_JS = """
const r = c.layer.trajectories_r;
if (!r || !r.visible) return;
// segment j joins vertex j to j + 1: vertex 0 is now, then packed frames back in time
const d = c.d, X = c.X, Y = c.Y, n = c.n, pos = c.pos;
const m = Math.min(n, d.tn[0]), L = d.tl[0], N = m * L, k = Math.ceil(pos - 1e-6), lag = k - pos;
const x0 = new Float32Array(N), y0 = new Float32Array(N), x1 = new Float32Array(N), y1 = new Float32Array(N);
const al = new Float32Array(N);
for (let j = 0; j < L; j++) {
  const fa = k - j, fb = k - j - 1, a = 0.7 * Math.max(0, 1 - (j + 1 - lag) / (L + 1));
  for (let i = 0; i < m; i++) {
    const s = j * m + i;
    if (fb < 0) { x0[s] = y0[s] = x1[s] = y1[s] = NaN; continue; }
    x0[s] = j == 0 ? c.sx[i] : X[fa * n + i]; y0[s] = j == 0 ? c.sy[i] : Y[fa * n + i];
    x1[s] = X[fb * n + i]; y1[s] = Y[fb * n + i]; al[s] = a;
  }
}
r.data_source.setv({data: {x0: x0, y0: y0, x1: x1, y1: y1, alpha: al}}, c.quiet);
"""


def draw_trajectories(canvas, layer):
    src = layer.source("tails", {k: [] for k in ("x0", "y0", "x1", "y1", "alpha")})
    return [canvas.fig.segment("x0", "y0", "x1", "y1", source=src, color=COLORS["tails"], line_alpha="alpha",
                               line_width=1.4, name="trajectories_r")]


# --- density of the samples, as an image and contour lines (nearest packed frame) ------------------------------
DENSITY_JS = """
const r = c.layer.density_r, d = c.d;
if (!r || !r.visible || !d.density || !d.density[0].length) return;
const R = d.res[0], o = c.near * R * R, nd = Bokeh.require("core/util/ndarray").ndarray;
const img = nd(d.density[0].slice(o, o + R * R), {dtype: "float32", shape: [R, R]});
r.data_source.setv({data: {image: [img], x: [-4], y: [-4], dw: [8], dh: [8]}}, c.quiet);
for (let j = 0; c.layer["density_contour_" + j + "_r"]; j++) {
  const O = d["co" + j][0], a = O[c.near], b = O[c.near + 1];
  c.layer["density_contour_" + j + "_r"].data_source.setv(
    {data: {x: c.view(d["cx" + j][0], a, b), y: c.view(d["cy" + j][0], a, b)}}, c.quiet);
}
"""


def pack_density(run, model) -> dict:
    xs, ys = frames.density_grid()
    stack = frames.density_stack(run.points[_index(run)], xs, ys)
    cols = frames.layer_columns({"density": stack.ravel(), "density_res": stack.shape[1],
                                 "contours": frames.contour_stack(stack, xs, ys)})
    return {k: v for k, v in cols.items() if k in ("density", "res") or k[:2] in ("cx", "cy", "co")}


def draw_density(canvas, layer):
    from bokeh.models import LinearColorMapper

    fig = canvas.fig
    mapper = LinearColorMapper(palette=_density_palette(), low=frames.DENSITY_LEVELS[0], high=1.0,
                               low_color="#00000000")
    image = fig.image(image="image", x="x", y="y", dw="dw", dh="dh", color_mapper=mapper, visible=False,
                      source=layer.source("density", {"image": [], "x": [], "y": [], "dw": [], "dh": []}),
                      name="density_r")
    canvas.place(0, image)  # under everything, the training points too
    return [image, *(fig.line("x", "y", source=layer.source(f"density_contour_{j}", {"x": [], "y": []}),
                              color=COLORS["density"], alpha=0.45 + 0.1 * j, line_width=1.0 + 0.25 * j,
                              visible=False, name=f"density_contour_{j}_r")
                     for j in range(len(frames.DENSITY_LEVELS)))]


# --- the model's velocity field: arrows on a lattice, interpolated between packed frames -----------------------
FIELD_JS = """
const r = c.layer.field_r, d = c.d;
if (!r || !r.visible || !d.fu || !d.fu[0].length) return;
// shaft plus a two-stroke head per arrow
const gx = d.fx[0], gy = d.fy[0], m = gx.length, u = c.lerp(d.fu[0], m), v = c.lerp(d.fv[0], m);
const x0 = new Float32Array(3 * m), y0 = new Float32Array(3 * m);
const x1 = new Float32Array(3 * m), y1 = new Float32Array(3 * m);
const cs = Math.cos(0.45), sn = Math.sin(0.45);
for (let i = 0; i < m; i++) {
  const len = Math.hypot(u[i], v[i]), ex = gx[i] + u[i], ey = gy[i] + v[i];
  if (!(len > 1e-4)) { for (let q = 0; q < 3; q++) x0[3*i+q] = y0[3*i+q] = x1[3*i+q] = y1[3*i+q] = NaN; continue; }
  const h = Math.min(0.4 * len, 0.13), ux = u[i] / len, uy = v[i] / len;
  x0[3*i] = gx[i]; y0[3*i] = gy[i]; x1[3*i] = ex; y1[3*i] = ey;
  x0[3*i+1] = x0[3*i+2] = ex; y0[3*i+1] = y0[3*i+2] = ey;
  x1[3*i+1] = ex - h * (ux * cs - uy * sn); y1[3*i+1] = ey - h * (uy * cs + ux * sn);
  x1[3*i+2] = ex - h * (ux * cs + uy * sn); y1[3*i+2] = ey - h * (uy * cs - ux * sn);
}
r.data_source.setv({data: {x0: x0, y0: y0, x1: x1, y1: y1}}, c.quiet);
"""


def pack_field(run, model) -> dict | None:
    if model is None:
        return None
    field = frames.field_stack(model, np.asarray(run.times, np.float32)[_index(run)])
    return {f"f{k}": [field[k]] for k in ("x", "y", "u", "v")}


def draw_field(canvas, layer):
    src = layer.source("field", {k: [] for k in ("x0", "y0", "x1", "y1")})
    return [canvas.fig.segment("x0", "y0", "x1", "y1", source=src, color=COLORS["field"], alpha=0.6, line_width=1.1,
                               visible=False, name="field_r")]


# --- a lattice of start points run through the same sampler: a deforming mesh ----------------------------------
MESH_JS = """
const r = c.layer.mesh_r, d = c.d;
if (!r || !r.visible || !d.mx || !d.mx[0].length) return;
// the lattice's rows, then its columns, as one NaN-broken line
const g = d.mn[0], px = c.lerp(d.mx[0], g * g), py = c.lerp(d.my[0], g * g);
const N = 2 * g * (g + 1), lx = new Float32Array(N), ly = new Float32Array(N);
let p = 0;
for (let row = 0; row < g; row++) {
  for (let col = 0; col < g; col++) { lx[p] = px[row * g + col]; ly[p++] = py[row * g + col]; }
  lx[p] = ly[p++] = NaN;
}
for (let col = 0; col < g; col++) {
  for (let row = 0; row < g; row++) { lx[p] = px[row * g + col]; ly[p++] = py[row * g + col]; }
  lx[p] = ly[p++] = NaN;
}
r.data_source.setv({data: {x: lx, y: ly}}, c.quiet);
"""


def pack_mesh(run, model) -> dict | None:
    if model is None:
        return None
    mesh = frames.mesh_run(model, run)[_index(run)]
    return {"mx": [np.ascontiguousarray(mesh[..., 0]).ravel()], "my": [np.ascontiguousarray(mesh[..., 1]).ravel()],
            "mn": [frames.MESH_N]}


def draw_mesh(canvas, layer):
    return [canvas.fig.line("x", "y", source=layer.source("mesh", {"x": [], "y": []}), color=COLORS["mesh"], alpha=0.5,
                            line_width=1.1, visible=False, name="mesh_r")]


for _spec in (
    LayerSpec("trajectories", "Trajectories", draw_trajectories, TRAJECTORIES_JS, default=True, z=50,
              doc="Fading tails behind a subset of samples."),
    LayerSpec("density", "Density", draw_density, DENSITY_JS, pack=pack_density, z=30, color=COLORS["density"],
              doc="Density of the samples at the shown time, as contours.",
              legend=("■", "Density of the samples at the shown t: inner contours are denser", "sample density")),
    LayerSpec("field", "Vector field", draw_field, FIELD_JS, pack=pack_field, z=40, color=COLORS["field"],
              doc="The model's velocity field at the shown time.",
              legend=("➜", "Vector field: where the model moves points at the shown t", "velocity")),
    streamline_layer.SPEC,
    LayerSpec("mesh", "Mesh", draw_mesh, MESH_JS, pack=pack_mesh, z=20, color=COLORS["mesh"],
              doc="A lattice of start points flowing as a deforming mesh.",
              legend=("▦", "Mesh: a grid laid on the noise at t = 1, carried to the shown t", "t = 1 grid, carried")),
    trace_layer.SPEC,
    guidance_arrows.SPEC,
):
    LAYERS.register(_spec)
