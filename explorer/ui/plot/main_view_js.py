"""Browser-side code of the main view (MainView): it draws any (fractional) slider position from the packed frames.

Every CustomJS of the view starts with `DEFINE_RENDER_JS`, which puts one function on the hidden `store` source's
JS object (once per page): ``store._render(tick)`` draws slider position `tick` from the store's one row of flat
float32 arrays (frames.pack_run / frames.store_columns). Tick / S is a fractional frame: positions are
interpolated linearly between the two packed frames around it, so playback is smooth whatever the number of
sampler steps; density and contours use the nearest frame. Hidden layers are skipped (they redraw when shown).
Every update uses setv(..., {sync: false}): the browser never sends drawn data back to the server.

Playback: the player's controls in the page (player_controls.py) call ``store._render`` at the display's rate
while playing, and once when paused or scrubbed; the server hears only where playback stopped or was scrubbed to.
"""

DEFINE_RENDER_JS = """
if (store._render == null) store._render = (tick) => {
  const d = store.data, X = d.x[0], Y = d.y[0];
  if (tick == null || X == null || X.length == 0) return;
  store._tick = tick;
  const t_start = performance.now();
  const T = d.t[0], n = d.n[0], F = T.length, S = d.S[0];
  const pos = Math.min(Math.max(tick / S, 0), F - 1);
  const k = Math.min(Math.floor(pos), Math.max(F - 2, 0)), k1 = Math.min(k + 1, F - 1), f = pos - k;
  const near = Math.round(pos);
  const lerp = (A, m) => {
    const o = new Float32Array(m), a = k * m, b = k1 * m;
    for (let i = 0; i < m; i++) o[i] = A[a + i] + f * (A[b + i] - A[a + i]);
    return o;
  };
  const quiet = {sync: false};
  // a zero-copy window on a float32 column (Bokeh's ndarray subclasses break TypedArray.subarray)
  const view = (A, a, b) => new Float32Array(A.buffer, A.byteOffset + 4 * a, b - a);
  const sx = lerp(X, n), sy = lerp(Y, n);
  const C = d.c[0] && d.c[0].length == n ? d.c[0] : new Float32Array(n).fill(NaN);
  samples.setv({data: {x: sx, y: sy, c: C}}, quiet);
  const t = T[k] + f * (T[k1] - T[k]);
  store._t = t;  // the streamline layer's loop reads the shown t here (streamline_layer.py)
  label.setv({text: `t = ${t.toFixed(2)}  ·  ${Math.round(100 * (1 - t))}% denoised`}, quiet);
  window.__explorer_frames = (window.__explorer_frames || 0) + 1;

  if (tails_r.visible) {  // segment j joins vertex j to j + 1: vertex 0 is now, then packed frames back in time
    const m = Math.min(n, d.tn[0]), L = d.tl[0], N = m * L, c = Math.ceil(pos - 1e-6), lag = c - pos;
    const x0 = new Float32Array(N), y0 = new Float32Array(N), x1 = new Float32Array(N), y1 = new Float32Array(N);
    const al = new Float32Array(N);
    for (let j = 0; j < L; j++) {
      const fa = c - j, fb = c - j - 1, a = 0.7 * Math.max(0, 1 - (j + 1 - lag) / (L + 1));
      for (let i = 0; i < m; i++) {
        const s = j * m + i;
        if (fb < 0) { x0[s] = y0[s] = x1[s] = y1[s] = NaN; continue; }
        x0[s] = j == 0 ? sx[i] : X[fa * n + i]; y0[s] = j == 0 ? sy[i] : Y[fa * n + i];
        x1[s] = X[fb * n + i]; y1[s] = Y[fb * n + i]; al[s] = a;
      }
    }
    tails.setv({data: {x0: x0, y0: y0, x1: x1, y1: y1, alpha: al}}, quiet);
  }

  // the optional layers, made when first shown (main_view_layers.py): found in the figure by name
  const layer = {};
  for (const r of fig.renderers) if (r.name) layer[r.name] = r;
  const dens_r = layer.density_r, field_r = layer.field_r, mesh_r = layer.mesh_r;
  if (dens_r && dens_r.visible && d.density[0].length) {
    const R = d.res[0], o = near * R * R, nd = Bokeh.require("core/util/ndarray").ndarray;
    const img = nd(d.density[0].slice(o, o + R * R), {dtype: "float32", shape: [R, R]});
    dens_r.data_source.setv({data: {image: [img], x: [-4], y: [-4], dw: [8], dh: [8]}}, quiet);
    for (let j = 0; layer["density_contour_" + j + "_r"]; j++) {
      const O = d["co" + j][0], a = O[near], b = O[near + 1];
      layer["density_contour_" + j + "_r"].data_source.setv(
        {data: {x: view(d["cx" + j][0], a, b), y: view(d["cy" + j][0], a, b)}}, quiet);
    }
  }

  if (field_r && field_r.visible && d.fu[0].length) {  // shaft plus a two-stroke head per arrow
    const gx = d.fx[0], gy = d.fy[0], m = gx.length, u = lerp(d.fu[0], m), v = lerp(d.fv[0], m);
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
    field_r.data_source.setv({data: {x0: x0, y0: y0, x1: x1, y1: y1}}, quiet);
  }

  if (mesh_r && mesh_r.visible && d.mx[0].length) {  // the lattice's rows, then its columns, as one NaN-broken line
    const g = d.mn[0], px = lerp(d.mx[0], g * g), py = lerp(d.my[0], g * g);
    const N = 2 * g * (g + 1), lx = new Float32Array(N), ly = new Float32Array(N);
    let p = 0;
    for (let r = 0; r < g; r++) {
      for (let c = 0; c < g; c++) { lx[p] = px[r * g + c]; ly[p++] = py[r * g + c]; }
      lx[p] = ly[p++] = NaN;
    }
    for (let c = 0; c < g; c++) {
      for (let r = 0; r < g; r++) { lx[p] = px[r * g + c]; ly[p++] = py[r * g + c]; }
      lx[p] = ly[p++] = NaN;
    }
    mesh_r.data_source.setv({data: {x: lx, y: ly}}, quiet);
  }
  if (layer.traces_r && layer.trace_dots_r) {  // a dot on each tap's path at the current t (trace_layer.py)
    const traces = layer.traces_r.data_source, dots = layer.trace_dots_r.data_source;
    const xs = traces.data.xs, ys = traces.data.ys, ts = traces.data.ts, n_tr = xs.length;
    const dx = new Float32Array(n_tr), dy = new Float32Array(n_tr);
    for (let q = 0; q < n_tr; q++) {
      const P = ts[q], L = P.length;
      let i = 0;
      while (i < L - 2 && P[i + 1] > t) i++;
      const w = Math.min(Math.max((P[i] - t) / (P[i] - P[i + 1] || 1), 0), 1);
      dx[q] = xs[q][i] + w * (xs[q][i + 1] - xs[q][i]); dy[q] = ys[q][i] + w * (ys[q][i + 1] - ys[q][i]);
    }
    dots.setv({data: {x: dx, y: dy, color: traces.data.color}}, quiet);
  }
  window.__explorer_render_ms = (window.__explorer_render_ms || 0) + performance.now() - t_start;
};
"""
