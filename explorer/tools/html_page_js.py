"""The code of the run's HTML page (html_page.py), as JavaScript strings for Bokeh CustomJS callbacks.

Every callback starts with `DEFINE_JS`, which (once per page) puts the page's functions on the hidden `store`
source's JS object: ``store._decode(entry)`` turns a run file's array (runfile.py: base64 of little-endian
bytes) into a Float32Array or Int32Array, and ``store._draw(pos)`` draws frame position `pos` (fractional: the
samples are interpolated linearly between the two packed frames around it, as in the dashboard's
explorer/ui/plot/main_view_js.py). Playback is a requestAnimationFrame loop that moves the slider; the slider's
own callback draws. Nothing here asks a server or the network: the page works from file://.
"""

DEFINE_JS = """
if (store._draw == null) {
  store._decode = (e) => {
    const s = atob(e.data), b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    return e.dtype == "int32" ? new Int32Array(b.buffer) : new Float32Array(b.buffer);
  };
  store._draw = (pos) => {
    const R = store._run;
    if (R == null) return;
    const A = R.a, n = R.n, F = A.t.length;
    pos = Math.min(Math.max(Number(pos) || 0, 0), F - 1);
    const k = Math.min(Math.floor(pos), Math.max(F - 2, 0)), k1 = Math.min(k + 1, F - 1), f = pos - k;
    const near = Math.round(pos), sx = new Float32Array(n), sy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      sx[i] = A.x[k * n + i] + f * (A.x[k1 * n + i] - A.x[k * n + i]);
      sy[i] = A.y[k * n + i] + f * (A.y[k1 * n + i] - A.y[k * n + i]);
    }
    samples.data = {x: sx, y: sy, c: R.c};
    const t = A.t[k] + f * (A.t[k1] - A.t[k]);
    label.text = `t = ${t.toFixed(2)}  ·  ${Math.round(100 * (1 - t))}% denoised`;
    const on = (name) => layers.active.includes(layers.labels.indexOf(name));
    trails.visible = on("Trajectories");
    if (trails.visible) {  // each path from the noise to now, one line broken by NaN
      const m = Math.min(n, R.trail), last = Math.ceil(pos - 1e-6), L = last + 2;
      const lx = new Float32Array(m * L).fill(NaN), ly = new Float32Array(m * L).fill(NaN);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < last; j++) { lx[i * L + j] = A.x[j * n + i]; ly[i * L + j] = A.y[j * n + i]; }
        lx[i * L + last] = sx[i]; ly[i * L + last] = sy[i];
      }
      trails.data_source.data = {x: lx, y: ly};
    }
    const dens = on("Density") && A.density != null;
    density.visible = dens;
    for (const c of contours) c.visible = dens;
    if (dens) {
      const G = R.res, o = near * G * G, nd = Bokeh.require("core/util/ndarray").ndarray;
      const img = nd(A.density.slice(o, o + G * G), {dtype: "float32", shape: [G, G]});
      density.data_source.data = {image: [img], x: [R.box[0]], y: [R.box[2]], dw: [R.box[1] - R.box[0]],
                                  dh: [R.box[3] - R.box[2]]};
      contours.forEach((c, j) => {
        const O = A["co" + j], a = O[near], b = O[near + 1];
        c.data_source.data = {x: A["cx" + j].slice(a, b), y: A["cy" + j].slice(a, b)};
      });
    }
    ghost.visible = on("Training data");
    store._pos = pos;
    window.__run_page_draws = (window.__run_page_draws || 0) + 1;
  };
}
"""

# On DocumentReady: decode the run file once, fill the ghost, draw the slider's position.
READY_JS = DEFINE_JS + """
const run = JSON.parse(packed), A = {};
for (const [name, entry] of Object.entries(run.arrays)) A[name] = store._decode(entry);
const n = run.meta.n;
store._run = {a: A, n: n, box: run.meta.bounds, trail: trail_samples,
              res: A.density ? Math.round(Math.sqrt(A.density.length / A.t.length)) : 0,
              c: A.c && A.c.length == n ? A.c : new Float32Array(n).fill(NaN)};
if (A.data_x) ghost.data_source.data = {x: A.data_x, y: A.data_y};
store._draw(slider.value);
"""

DRAW_JS = DEFINE_JS + "store._draw(slider.value);"

# The Play button (a Toggle): from the end, play starts again at the noise; at the end it loops or stops.
PLAY_JS = DEFINE_JS + """
play.label = play.active ? "❚❚ Pause" : "▶ Play";
if (!play.active || store._run == null) return;
const F = store._run.a.t.length, end = F - 1;
if (slider.value >= end) slider.value = 0;
let last = performance.now(), hold = 0;
const step = (now) => {
  if (!play.active) return;
  const dt = Math.min(now - last, 100);
  last = now;
  if (hold > 0) {
    hold -= dt;
    if (hold <= 0) slider.value = 0;
  } else {
    const pos = slider.value + dt / sweep_ms * end;
    if (pos >= end) {
      slider.value = end;
      if (loop.active.includes(0)) hold = hold_ms;
      else { play.active = false; return; }
    } else slider.value = pos;
  }
  requestAnimationFrame(step);
};
requestAnimationFrame(step);
"""
