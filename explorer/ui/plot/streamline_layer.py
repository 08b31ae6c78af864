"""The "Streamlines" layer of the main plot: the model's field frozen at the shown t, traced from a grid of seeds,
with particles flowing along the lines (docs/parameterisation.md#straightness).

One layer spec (layers.py). Nothing is built until the layer is first switched on: then its two sources and
renderers join the figure, and the streamlines at STREAM_TIMES (explorer/core/streamlines.py, the same velocity as
the arrows) go to the page's store once per model (`packs="model"`), ~0.2 MB. The page does the rest (STREAM_JS,
started by the view's render while the layer is shown): it interpolates the lines between the two levels around
the shown t and moves the particles in a requestAnimationFrame loop, so the server hears nothing per tick; the
loop ends when the layer is hidden.
"""
from __future__ import annotations

import numpy as np

from explorer.core.streamlines import streamlines
from explorer.ui.plot.layers import LayerSpec
from explorer.ui.plot.main_view_labels import COLORS
from explorer.ui.style import BOUNDS

STREAM_TIMES = np.linspace(1.0, 0.0, 11)  # the levels sent; the page interpolates between them
SEEDS_N = 12  # seeds per axis, on a jittered grid
STEPS = 20  # points per line - 1
LENGTH = 0.9  # a line at the median speed of its t is this long (data units; the view is 8 wide)
DOTS_PER_LINE = 2
PERIOD_MS = 2600  # a particle runs along its whole line in this time
COLOR = COLORS["stream"]

STREAM_JS = """
const r = c.layer.streamlines_r, store = c.store;
if (!r || !r.visible || store._stream_loop != null) return;
const lines = r.data_source, dots = c.layer.streamlines_dots_r.data_source, quiet = {sync: false};
const step = (now) => {
  if (!r.visible) {
    store._stream_loop = null;
    dots.setv({data: {x: [], y: [], a: []}}, quiet);
    return;
  }
  const d = store.data, X = d.sx ? d.sx[0] : null;
  if (X != null && X.length) {
    const Y = d.sy[0], T = d.st[0], m = d.m[0], K = d.k[0];
    const L = T.length, t = store._t == null ? T[0] : store._t;
    if (store._stream_t !== t || store._stream_of !== X) {  // the lines at t, between the levels around it
      let j = 0;
      while (j < L - 2 && T[j + 1] >= t) j++;
      const j1 = Math.min(j + 1, L - 1);
      const f = j1 == j ? 0 : Math.min(Math.max((T[j] - t) / (T[j] - T[j1]), 0), 1);
      const a = j * m * K, b = j1 * m * K, N = m * K;
      const PX = new Float32Array(N), PY = new Float32Array(N), C = new Int32Array(m);
      const lx = new Float32Array(m * (K + 1)), ly = new Float32Array(m * (K + 1));
      for (let i = 0; i < m; i++) {
        let c = 0;
        for (let k = 0; k < K; k++) {
          const s = i * K + k;
          PX[s] = X[a + s] + f * (X[b + s] - X[a + s]); PY[s] = Y[a + s] + f * (Y[b + s] - Y[a + s]);
          if (c == k && isFinite(PX[s]) && isFinite(PY[s])) c++;
          lx[i * (K + 1) + k] = PX[s]; ly[i * (K + 1) + k] = PY[s];
        }
        C[i] = c;
        lx[i * (K + 1) + K] = ly[i * (K + 1) + K] = NaN;
      }
      lines.setv({data: {x: lx, y: ly}}, quiet);
      store._stream_P = [PX, PY, C];
      store._stream_t = t; store._stream_of = X;
    }
    const [PX, PY, C] = store._stream_P, D = d.per[0], n = m * D, phase = now / d.period[0];
    const x = new Float32Array(n), y = new Float32Array(n), al = new Float32Array(n);
    for (let q = 0; q < n; q++) {
      const i = q % m, c = C[i], r = phase + Math.floor(q / m) / D + ((i * 0.618034) % 1);
      const u = r - Math.floor(r), pos = u * (c - 1), k = Math.min(Math.floor(pos), c - 2), w = pos - k;
      if (c < 2) { x[q] = y[q] = NaN; continue; }
      const s = i * K + k;
      x[q] = PX[s] + w * (PX[s + 1] - PX[s]); y[q] = PY[s] + w * (PY[s + 1] - PY[s]);
      al[q] = 0.9 * Math.sin(Math.PI * u);  // fades in at the seed and out at the end: no jump when it wraps
    }
    dots.setv({data: {x: x, y: y, a: al}}, quiet);
    window.__explorer_stream_frames = (window.__explorer_stream_frames || 0) + 1;
  }
  store._stream_loop = requestAnimationFrame(step);
};
store._stream_loop = requestAnimationFrame(step);
"""


def seeds(n: int = SEEDS_N, seed: int = 0) -> np.ndarray:
    """(n*n, 2) seeds: a grid over the view, each moved at random within a third of its cell (less regular)."""
    cell = (BOUNDS[1] - BOUNDS[0]) / n
    xs = BOUNDS[0] + (np.arange(n) + 0.5) * cell
    X, Y = np.meshgrid(xs, xs)
    jitter = np.random.default_rng(seed).uniform(-cell / 3, cell / 3, size=(n * n, 2))
    return np.stack([X.ravel(), Y.ravel()], 1) + jitter


def pack(model) -> dict:
    """The layer's payload for `model`: its streamlines at STREAM_TIMES as the one-row columns of the hidden
    store (sx, sy: (T*m*K,) float32, line i of level j at [(j*m + i)*K, (j*m + i + 1)*K), NaN after it leaves)."""
    box = (BOUNDS[0] - 0.5, BOUNDS[1] + 0.5, BOUNDS[2] - 0.5, BOUNDS[3] + 0.5)
    lines = streamlines(model, STREAM_TIMES, seeds(), LENGTH, STEPS, box)  # (T, m, K, 2)
    T, m, K, _ = lines.shape
    return {"sx": [lines[..., 0].astype(np.float32).ravel()], "sy": [lines[..., 1].astype(np.float32).ravel()],
            "st": [STREAM_TIMES.astype(np.float32)], "m": [m], "k": [K], "per": [DOTS_PER_LINE],
            "period": [PERIOD_MS]}


def _pack(run, model) -> dict | None:
    return None if model is None else pack(model)  # (looked up at each call: a test may wrap `pack`)


def draw(canvas, layer):
    fig = canvas.fig
    lines_r = fig.line("x", "y", source=layer.source("streamlines", {"x": [], "y": []}), color=COLOR, alpha=0.32,
                       line_width=1.2, visible=False, name="streamlines_r")
    dots_r = fig.scatter("x", "y", source=layer.source("stream_dots", {"x": [], "y": [], "a": []}), size=5,
                         color=COLOR, fill_alpha="a", line_alpha="a", name="streamlines_dots_r")
    return [lines_r, dots_r]


SPEC = LayerSpec("streamlines", "Streamlines", draw, STREAM_JS, pack=_pack, packs="model", z=45, color=COLOR,
                 doc="Streamlines of the velocity field at the shown time, with particles flowing along them.",
                 legend=("≋", "Streamlines: the field at the shown t, frozen; dots flow along it", "streamlines"))
