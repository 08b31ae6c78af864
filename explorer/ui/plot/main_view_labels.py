"""The main view's words and looks: colours, the player buttons' names and tooltips,
and the small styles and page scripts that place them (kept apart from main_view.py's logic)."""
from explorer.tools.look import CLASS_COLORS, COLORS, class_palette  # noqa: F401 (shared with the exports)
from explorer.tools.look import density_palette as _density_palette  # noqa: F401

# The layers' names, labels, legends and colours are their specs' (layers.py, layer_specs.py).
# The legend wraps rather than cutting its last names with "…" (two lines with every layer on, at 1280x720)
LEGEND_CSS = ("div {white-space: normal; overflow-wrap: anywhere; "
              "font-size: 12px; line-height: 15px; color: var(--panel-on-background-color, #3c4043); opacity: 0.8;}")
# The player's buttons: accessible names (aria-label) and tooltips. The tooltips are CSS, above the buttons, so
# they never hide a neighbouring button; the names are their aria-labels (player_controls.py).
PLAYER_TIPS = {
    "slower": "Slower",
    "first": "Jump to the start (t = 1: the noise, or the set the flow starts from)",
    "pause": "Pause",
    "play": "Play: from noise to data",
    "last": "Jump to the end: the data (t = 0)",
    "faster": "Faster",
}
_TIP_CSS = ("position: absolute; bottom: calc(100% + 7px); padding: 3px 8px; border-radius: 4px; "
            "background: rgba(32, 33, 36, 0.92); color: #fff; font: 12px/1.35 system-ui, sans-serif; "
            "white-space: nowrap; pointer-events: none; z-index: 20;")
PLAYER_CSS = "\n".join([
    "input[type='range'] {display: none;}",
    "button {position: relative;}",
    f"button:hover::after, button:focus-visible::after {{{_TIP_CSS} left: 50%; transform: translateX(-50%);}}",
    # the outer buttons' tips grow inwards: a centred tip would stick out of the page's column
    "button.slower:hover::after, button.slower:focus-visible::after, button.first:hover::after, "
    "button.first:focus-visible::after {left: 0; transform: none;}",
    "button.last:hover::after, button.last:focus-visible::after, button.faster:hover::after, "
    "button.faster:focus-visible::after {left: auto; right: 0; transform: none;}",
    *(f"button.{k}:hover::after, button.{k}:focus-visible::after {{content: {v!r};}}".replace("'", '"')
      for k, v in PLAYER_TIPS.items()),
])
LOOP_TIP = "Loop on: play again from the noise after the data. Off: stop at the data."
# Secondary text, readable in the light and the dark theme (Panel's theme variable, a grey where there is none)
MUTED = {"color": "var(--panel-on-background-color, #3c4043)", "opacity": "0.8"}
CAPTION = ("**t = 1 is {start}, t = 0 the data.** Grey: training data; blue: the model's samples at time t, "
           "with short tails. Tap the plot to trace the ODE path through that point at the current t "
           "(a ring marks the tap, a dot rides the path as time runs, the arrowhead is where it lands).")


def start_words(model) -> tuple[str, list[str]]:
    """What t = 1 is for `model`: (the caption under the plot, the time label's tags). A model trained from
    another set than Gaussian noise (train(source=)) starts there, and is 0 % of the way there, not "denoised";
    the page's time label reads the tags [what t = 1 is, or "" for noise; the word after the percentage]
    (main_view_js.py)."""
    if getattr(model, "source", None) is None:
        return CAPTION.format(start="pure noise"), ["", "denoised"]
    name = getattr(model, "source_name", None)
    start = f"the {name} set" if name else "the set it was trained to start from"
    return CAPTION.format(start=f"{start} (where sampling starts)"), [f"{start} (start)", "of the way"]
