"""The player in the page: the Time slider, the play buttons and Loop, and the clock that draws the frames.

`PlayerControls` is a Panel `JSComponent` (public API: an ES module with typed parameters synced both ways). It
mirrors the Python state machine (player.py) in the browser and is the only thing that moves the shown t there:

* playing, it draws at the display's rate from the frames already in the page (``store._render``,
  main_view_js.py) and moves the slider with ``{sync: false}``: the server hears nothing per frame;
* it tells the server (``send_msg``) only what the user did: play, pause (with the tick it stopped on), scrub
  (slider, jump to noise or data, with the tick); the server answers through the parameters;
* from the server it takes `playing`, `tick` (a move while paused: a new run, another view's time), `shown`
  (the tab left or opened) and the sweep's length (`interval`, `hold`, the slider's end);
* a new run arriving while it plays keeps the shown t (the nearest frame of the new grid), as the server does;
* drawn again (a tab round trip), it draws the frame it was on and carries on as before: its position is kept
  per player in the page, and a removed drawing stops its clock.

The plot's models are found by their ids (`ids`, named as the plot's CustomJS args); the slider is a child (its
model is ``model.slider``).
"""
from __future__ import annotations

import json
from collections.abc import Callable

import param
from panel.custom import Child, JSComponent

from explorer.ui.plot.main_view_js import DEFINE_RENDER_JS
from explorer.ui.plot.main_view_labels import LOOP_TIP, PLAYER_CSS, PLAYER_TIPS

_ICONS = {  # 16 px SVG paths, drawn in the button's text colour
    "slower": "M8 4 2 8l6 4zM14 4 8 8l6 4z",
    "first": "M3 3h2v10H3zM13 3 6 8l7 5z",
    "pause": "M4 3h3v10H4zM9 3h3v10H9z",
    "play": "M4 3v10l9-5z",
    "last": "M11 3h2v10h-2zM3 3l7 5-7 5z",
    "faster": "M2 4l6 4-6 4zM8 4l6 4-6 4z",
}

CONTROLS_CSS = """
:host {display: block; width: 100%;}
.player-row {display: flex; align-items: center; gap: 4px; width: 100%;}
.player-slider {flex: 1 1 auto; min-width: 0;}
.player-buttons {display: flex; gap: 2px; flex: none;}
button {position: relative; height: 28px; min-width: 30px; padding: 0 6px; border: 1px solid #c4c7cc;
        border-radius: 4px; background: #fff; color: #3c4043; cursor: pointer; font: 13px system-ui, sans-serif;}
button svg {width: 14px; height: 14px; vertical-align: middle; fill: currentColor;}
button:hover {background: #f1f3f4;}
button.on {background: #1f4e9c; border-color: #1f4e9c; color: #fff;}
button.loop {flex: none; margin-left: 2px;}
button.loop:hover::after, button.loop:focus-visible::after {left: auto; right: 0; transform: none;
                                                            content: LOOP_TIP;}
""".replace("LOOP_TIP", json.dumps(LOOP_TIP))

PLAYER_ESM = """
const TIPS = %(tips)s, ICONS = %(icons)s;
// Where each player is, kept across the redraws of its view (a tab round trip): key = its model's id.
const LIVE = new Map();

// store._render(tick), as the plot's CustomJS callbacks define it (main_view_js.py), given the same models
const RENDER = %(render)s;

export function render({ model, el, view }) {
  const doc = view.model.document, names = Object.keys(model.ids);
  const args = names.map((k) => doc.get_model_by_id(model.ids[k]));
  const store = args[names.indexOf("store")], slider = model.slider;
  new Function(...names, RENDER)(...args);
  let live = LIVE.get(view.model.id);
  if (live == null) LIVE.set(view.model.id, live = {pos: model.tick, t: null, T: null, raf: null});
  if (live.raf != null) cancelAnimationFrame(live.raf);  // a previous drawing's clock
  const me = {};
  Object.assign(live, {owner: me, raf: null, playing: model.playing});

  const end = () => slider.end, S = () => store.data.S[0];
  const clamp = (p) => Math.min(Math.max(p, 0), end());
  const draw = () => {
    const pos = clamp(live.pos);
    store._render(pos);
    live.T = store.data.t[0];
    live.t = store._t;
    const v = Math.round(pos);
    if (slider.value !== v) {  // the slider follows, quietly: the server is not told
      live.moving = true;
      // (a slider view made but not drawn yet, as the tab is drawn again, throws here: drawn, it takes the value)
      try { slider.setv({value: v}, {sync: false}); } catch (e) { /* drawn soon */ } finally { live.moving = false; }
    }
  };
  const tell = (event) => model.send_msg({event, tick: Math.round(clamp(live.pos))});

  const step = (now) => {
    if (live.owner !== me || !live.playing || !model.shown) { if (live.owner === me) live.raf = null; return; }
    const T = store.data.t[0];
    if (T !== live.T && live.T != null && live.t != null) {  // a new run while playing: keep the shown t
      let k = 0;
      for (let i = 1; i < T.length; i++) if (Math.abs(T[i] - live.t) < Math.abs(T[k] - live.t)) k = i;
      live.pos = k * S();
    } else {
      live.pos += Math.max(now - live.last, 0) / model.interval;
    }
    live.last = now;
    if (live.pos > end() + model.hold) {  // rested on the data: again from the noise, or stop there
      if (model.loop) live.pos = 0;
      else { live.pos = end(); stop(); tell("pause"); return; }
    }
    draw();
    live.raf = requestAnimationFrame(step);
  };
  const start = () => {
    if (live.raf == null && live.owner === me && live.playing && model.shown) {
      live.last = performance.now();
      live.raf = requestAnimationFrame(step);
    }
  };
  const stop = () => {
    live.playing = false;
    if (live.raf != null && live.owner === me) { cancelAnimationFrame(live.raf); live.raf = null; }
    live.pos = Math.round(clamp(live.pos));
    draw();
    show();
  };

  const row = document.createElement("div"), box = document.createElement("div");
  row.className = "player-row";
  box.className = "player-buttons";
  const holder = document.createElement("div");
  holder.className = "player-slider";
  holder.append(model.get_child("slider"));
  const buttons = {};
  for (const name of Object.keys(TIPS)) {
    const b = document.createElement("button");
    b.className = name;
    b.setAttribute("aria-label", TIPS[name]);
    b.innerHTML = `<svg viewBox="0 0 16 16" aria-hidden="true"><path d="${ICONS[name]}"/></svg>`;
    buttons[name] = b;
    box.append(b);
  }
  const loop = document.createElement("button");
  loop.className = "loop";
  loop.textContent = "\u21bb Loop";
  row.append(holder, box, loop);
  el.append(row);
  const show = () => {
    buttons.play.classList.toggle("on", live.playing);
    buttons.pause.classList.toggle("on", !live.playing);
    loop.classList.toggle("on", model.loop);
    loop.setAttribute("aria-pressed", String(model.loop));
  };

  buttons.play.onclick = () => {
    if (live.playing) return;
    if (!model.loop && live.pos >= end()) live.pos = 0;  // at the data with the loop off: play again
    live.playing = true;
    show();
    model.send_msg({event: "play"});
    start();
  };
  buttons.pause.onclick = () => { if (live.playing) { stop(); tell("pause"); } };
  // Jumping to the noise or the data stops playback there (as a video player's ends do): Play then starts
  // from where it stands (from the noise again, at the data with the loop off).
  const jump = (pos) => {
    const was = live.playing;
    if (was) stop();
    live.pos = pos;
    draw();
    tell(was ? "pause" : "scrub");
  };
  buttons.first.onclick = () => jump(0);
  buttons.last.onclick = () => jump(end());
  buttons.slower.onclick = () => { model.interval = Math.min(model.interval * 1.5, 2000); };
  buttons.faster.onclick = () => { model.interval = Math.max(model.interval / 1.5, 4); };
  loop.onclick = () => { model.loop = !model.loop; };

  model.on("slider.value", () => {  // the user moved the slider: a scrub
    if (live.moving || live.owner !== me) return;
    live.pos = slider.value;
    draw();
    tell("scrub");
  });
  model.on("tick", () => {  // the server moved t (paused: a new run, another view's time)
    if (live.owner !== me || live.playing || model.tick === Math.round(live.pos)) return;
    live.pos = model.tick;
    draw();
  });
  model.on("playing", () => {
    if (live.owner !== me || model.playing === live.playing) return;
    if (model.playing) { live.playing = true; show(); start(); } else { stop(); tell("pause"); }
  });
  model.on("loop", show);
  model.on("shown", () => { if (model.shown) { draw(); start(); } });
  model.on("remove", () => {
    if (live.owner !== me) return;
    if (live.raf != null) cancelAnimationFrame(live.raf);
    live.owner = live.raf = null;
  });
  show();
  // the picture, also after a tab round trip: once the slider's view is drawn (it is a child of this one)
  model.on("after_render", () => { if (live.owner === me) { draw(); start(); } });
}
""" % {"tips": json.dumps(PLAYER_TIPS), "icons": json.dumps(_ICONS),
       "render": json.dumps(DEFINE_RENDER_JS)}


class PlayerControls(JSComponent):
    """The page's player (see the module's docstring). `on_event(msg)` gets what the user did:
    ``{"event": "play"}``, ``{"event": "pause", "tick": n}``, ``{"event": "scrub", "tick": n}``."""

    playing = param.Boolean(default=True, doc="Playing (the page moves t) or paused; set by the server.")
    loop = param.Boolean(default=True, doc="Loop on (the page's Loop button sets it).")
    shown = param.Boolean(default=True, doc="The plot's tab is shown; hidden, the page draws nothing.")
    tick = param.Integer(default=0, doc="The slider position the server last knew (moves the page when paused).")
    interval = param.Number(default=100.0, bounds=(1.0, None), doc="Milliseconds per slider tick (the speed).")
    hold = param.Integer(default=8, bounds=(0, None), doc="Ticks to rest on the data before looping.")
    ids = param.Dict(default={}, doc="Bokeh ids of the plot's models: store, samples, tails, tails_r, fig, label.")
    slider = Child(doc="The Time slider (a Panel IntSlider), drawn in the row and moved by the page.")

    _esm = PLAYER_ESM

    def __init__(self, on_event: Callable[[dict], None] | None = None, **params):
        params.setdefault("stylesheets", [PLAYER_CSS, CONTROLS_CSS])
        params.setdefault("css_classes", ["explorer-player"])
        super().__init__(**params)
        self._on_event = on_event

    def _handle_msg(self, msg) -> None:
        if self._on_event is not None and isinstance(msg, dict):
            self._on_event(msg)
