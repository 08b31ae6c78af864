"""Browser-side code of the main view (MainView): it draws any (fractional) slider position from the packed frames.

Every CustomJS of the view starts with `DEFINE_RENDER_JS`, which puts one function on the hidden `store` source's
JS object (once per page): ``store._render(tick)`` draws slider position `tick` from the store's one row of flat
float32 arrays (frames.pack_run / frames.store_columns). Tick / S is a fractional frame: positions are
interpolated linearly between the two packed frames around it, so playback is smooth whatever the number of
sampler steps; the layers' own code (layers.py) draws them, hidden layers return at once (they redraw when shown).
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
  // the label's tags: what t = 1 is when it is not noise, and the word after the percentage (start_words)
  const [start, done] = label.tags && label.tags.length == 2 ? label.tags : ["", "denoised"];
  const at = start && t > 0.995 ? `${start}  ·  ` : "";
  label.setv({text: `t = ${t.toFixed(2)}  ·  ${at}${Math.round(100 * (1 - t))}% ${done}`}, quiet);
  window.__explorer_frames = (window.__explorer_frames || 0) + 1;

  // every layer's code, keyed by its name, rides on the store's tags (explorer/ui/plot/layers.py)
  if (store._layers == null)
    store._layers = (store.tags || []).map(([name, code]) => [name, new Function("c", code)]);
  const layer = {};  // the layers' renderers, found in the figure by name (a layer is made when first shown)
  for (const r of fig.renderers) if (r.name) layer[r.name] = r;
  const c = {d, store, layer, X, Y, n, sx, sy, t, pos, k, k1, f, near, lerp, view, quiet};
  for (const [name, draw] of store._layers) {
    try { draw(c); } catch (e) { console.error(`layer ${name}:`, e); }
  }
  window.__explorer_render_ms = (window.__explorer_render_ms || 0) + performance.now() - t_start;
};
"""

# On "document ready" (a served page's first document drawn): the picture the server put in `samples` is a frame
# drawn, before the player's first (main_view.py; the bench and the browser tests count frames).
FIRST_PICTURE_JS = """
if (samples.data.x != null && samples.data.x.length > 0) window.__explorer_frames = (window.__explorer_frames || 0) + 1;
"""
