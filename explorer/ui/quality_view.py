"""One line under the main plot: how close the current run's samples are to the data, and what made them.

The numbers are `state.quality` (energy distances, docs/parameterisation.md#quality): to a fresh draw of the
dataset, as a ratio to the floor "training set vs that fresh draw", and to the training points themselves. With
the exact denoiser (the oracle) the samples land on the training points, so the distance to them drops to ~0
while the distance to a fresh draw stays at the floor: memorisation. The network sits in between.
"""
from __future__ import annotations

import panel as pn

from .base import StateView

MODE = {
    True: "<b>Exact denoiser</b>: samples land on training points (memorisation).",
    False: "<b>Network</b>: generalises between them.",
}


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
    numbers = " · ".join(parts) if parts else "no samples yet"
    return f"{numbers}<br>{MODE[bool(use_oracle)]}"


class QualityView(StateView):
    """`QualityView(state=s)`: the quality line, kept up to date with `s.quality` and `s.use_oracle`."""

    def __init__(self, **params):
        super().__init__(**params)
        self._pane = pn.pane.HTML("", width=480, margin=(0, 10), css_classes=["quality-line"],
                                  styles={"color": "#3c4043", "font-size": "13px"})
        self.state.param.watch(self._update, ["quality", "use_oracle"])
        self._update()

    def _update(self, *_):
        self._pane.object = quality_text(self.state.quality or {}, self.state.use_oracle)

    def __panel__(self):
        return self._pane
