"""One line under the main plot: how close the current run's samples are to the data, and what made them.

The numbers are `state.quality` (energy distances, docs/parameterisation.md#quality): to a fresh draw of the
dataset, as a ratio to the floor "training set vs that fresh draw", and to the training points themselves. With
the exact denoiser (the oracle) the samples land on the training points, so the distance to them drops to ~0
while the distance to a fresh draw stays at the floor: memorisation. The network sits in between.
"""
from __future__ import annotations

import panel as pn

from explorer.ui.base import StateView

SOURCE = {True: "Exact denoiser (oracle)", False: "Network"}
EXPLAIN = ("Energy distance: 0 when two point sets have the same distribution, lower is better. The floor is "
           "what a perfect model scores: the training points against a fresh draw of the same shape.")
MEMORISED = 0.5  # closer to the training points than this fraction of the distance to a fresh draw: memorised
LEARNED = 2.0  # within this many floors of a fresh draw: the shape is learned


def _num(v: float) -> str:
    """Energy distances span 1e-6 (memorised) to ~1 (untrained): 4 decimals, or 2 significant digits."""
    return f"{v:.4f}" if abs(v) >= 1e-3 else f"{v:.2g}"


def quality_text(quality: dict, use_oracle: bool) -> str:
    """The line as HTML: 'energy distance to a fresh draw: 0.0031 (1.4× the floor 0.0022) · to the
    training points: 0.0012', then what made the samples."""
    parts = []
    if "to_fresh" in quality:
        fresh = f"energy distance to a fresh draw: <b>{_num(quality['to_fresh'])}</b>"
        floor = quality.get("floor")
        if floor:
            fresh += f" ({quality['to_fresh'] / floor:.1f}× the floor {_num(floor)})"
        parts.append(fresh)
    if "to_training" in quality:
        label = "to the training points" if parts else "energy distance to the training points"
        parts.append(f"{label}: <b>{_num(quality['to_training'])}</b>")
    if "straightness" in quality:
        parts.append(f"path straightness: <b>{_num(quality['straightness'])}</b> (0 = straight lines)")
    numbers = " · ".join(parts) if parts else "no samples yet"
    return f"{numbers}<br><b>{SOURCE[bool(use_oracle)]}</b>: {verdict(quality)}"


def verdict(quality: dict) -> str:
    """What the numbers say, decided from them alone (nothing is said that they do not show)."""
    fresh, floor, train = quality.get("to_fresh"), quality.get("floor"), quality.get("to_training")
    if fresh is None or not floor or train is None:
        return "no fresh draw of a drawing to compare with; switch the exact denoiser on and off to compare."
    if train < MEMORISED * fresh:
        return (f"memorises: its samples are {fresh / max(train, 1e-12):.0f}× closer to the training points "
                "than to a fresh draw.")
    if fresh <= LEARNED * floor:
        return "generalises: as close to a fresh draw as to its own training points, near the floor."
    return f"has not learned the shape yet: {fresh / floor:.1f}× the floor."


class QualityView(StateView):
    """`QualityView(state=s)`: the quality line, kept up to date with `s.quality` and `s.use_oracle`."""

    def __init__(self, **params):
        super().__init__(**params)
        self._pane = pn.pane.HTML("", width=440, margin=(0, 4, 0, 10), css_classes=["quality-line"],
                                  styles={"color": "var(--panel-on-background-color, #3c4043)", "font-size": "13px"})
        self._help = pn.widgets.TooltipIcon(value=EXPLAIN, margin=(4, 0))
        self.state.param.watch(self._update, ["quality", "use_oracle"])
        self._update()

    def _update(self, *_):
        self._pane.object = quality_text(self.state.quality or {}, self.state.use_oracle)

    def __panel__(self):
        return pn.Row(self._pane, self._help)
