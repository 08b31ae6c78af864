"""One line under the main plot: how close the current run's samples are to the data, and what made them.

The numbers are `state.quality` (explorer.core.metrics.quality, docs/parameterisation.md#quality): the energy
distances to a fresh draw of the dataset and to the training points, and a verdict decided by the library from
estimates whose noise is known (explorer/core/verdict.py): "memorises" (most samples sit on a training point),
"generalises" (as far from the data as another draw of it would be, within noise), or "not learned". The
sentence says the verdict in words, with the noise a perfect model's number has. The dashboard decides
nothing itself.
"""
from __future__ import annotations

import panel as pn

from explorer.core.verdict import describe
from explorer.ui.base import StateView

SOURCE = {True: "Exact denoiser (oracle)", False: "Network"}
EXPLAIN = ("Energy distance: 0 when two point sets have the same distribution, lower is better. The verdict "
           "compares the samples with a fresh draw of the data, in units of how far another draw would be "
           "(a perfect model reads 1, give or take the noise it states), and counts samples that copy a "
           "training point. Path straightness (ODE samplers only): 0 when every path is a straight line at "
           "constant speed.")


def _num(v: float) -> str:
    """Energy distances span 1e-6 (memorised) to ~1 (untrained): 4 decimals, or 2 significant digits."""
    return f"{v:.4f}" if abs(v) >= 1e-3 else f"{v:.2g}"


NO_DATA = "no verdict: there are no training points to compare the samples with (draw a shape, or pick a dataset)."


def quality_text(quality: dict, use_oracle: bool, stochastic: bool = False, no_data: bool = False) -> str:
    """The line as HTML: 'energy distance to a fresh draw: 0.0031 · to the training points: 0.0012 · path
    straightness: ...', then what made the samples and the library's verdict in words. Straightness is left
    out for a stochastic sampler, whose paths jitter by design (its number measures the noise, not the flow).
    `no_data`: samples are shown but there is nothing to score them against (an empty drawing)."""
    parts = []
    if "to_fresh" in quality:
        parts.append(f"energy distance to a fresh draw: <b>{_num(quality['to_fresh'])}</b>")
    if "to_training" in quality:
        label = "to the training points" if parts else "energy distance to the training points"
        parts.append(f"{label}: <b>{_num(quality['to_training'])}</b>")
    if "straightness" in quality and not stochastic:
        parts.append(f"path straightness: <b>{_num(quality['straightness'])}</b> (0 = straight lines)")
    numbers = " · ".join(parts) if parts else ("no training points" if no_data else "no samples yet")
    said = NO_DATA if no_data else describe(quality) if quality else "no samples yet."
    return f"{numbers}<br><b>{SOURCE[bool(use_oracle)]}</b>: {said}"


class QualityView(StateView):
    """`QualityView(state=s)`: the quality line, kept up to date with `s.quality` and `s.use_oracle`."""

    def __init__(self, **params):
        super().__init__(**params)
        self._pane = pn.pane.HTML("", width=440, margin=(0, 4, 0, 10), css_classes=["quality-line"],
                                  styles={"color": "var(--panel-on-background-color, #3c4043)", "font-size": "13px"})
        self._help = pn.widgets.TooltipIcon(value=EXPLAIN, margin=(4, 0))
        self.state.param.watch(self._update, ["quality", "use_oracle", "data"])
        self._update()

    def _update(self, *_):
        st = self.state
        no_data = st.run is not None and (st.data is None or len(st.data) == 0)
        self._pane.object = quality_text(st.quality or {}, st.use_oracle, st.stochastic, no_data=no_data)

    def __panel__(self):
        return pn.Row(self._pane, self._help)
