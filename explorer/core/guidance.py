"""Guidance: steer a model towards a class, or away from a weaker version of itself, by mixing denoisers.

    D_guided = D_ref + w (D_main - D_ref)      (docs/parameterisation.md#guidance)

* classifier-free guidance (Ho & Salimans): D_main is the model asked for class k, D_ref the same network
  with "no class"; w = 0 is unconditional, 1 the conditional model, > 1 guided (sharper, less diverse).
* autoguidance (Karras et al. 2024): D_ref is a weaker version of the same model with the same class (an
  earlier snapshot, `model.snapshot(step)`), so guidance pushes away from the weak model's errors.

For a fixed (x_t, t) the pairs (x0_hat, eps_hat) all satisfy x_t = alpha x0_hat + sigma eps_hat, and the
weights sum to 1, so mixing the pairs is the same as mixing eps, x0 or velocities: every sampler and every
objective works with guidance. The exact references use OracleDenoiser(points, schedule, labels=).
"""
from __future__ import annotations

import numpy as np

from explorer.core.checks import check_float
from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Knob

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

MAX_GUIDANCE = 10.0
# The guidance scale w, as the dashboard's slider, the address bar and the sweeps take it: one range.
GUIDANCE = Knob("guidance", "Guidance w", default=1.0, bounds=(0.0, MAX_GUIDANCE), step=0.25, symbol="w",
                doc="The guidance scale w: 0 ignores the class (or the model over its guide), 1 is the conditional "
                    "model, above 1 guided: sharper, less diverse.")


class Guided(Denoiser):
    """`Guided(model, label=k, guidance=w, guide=None)`: a Denoiser for any sampler."""

    def __init__(self, model: Denoiser, label=None, guidance: float = 1.0, guide: Denoiser | None = None):
        self.model, self.label, self.guide = model, label, guide
        self.guidance = GUIDANCE.check(guidance)
        self.schedule = model.schedule
        if label is not None and not getattr(model, "classes", 0):
            raise ExplorerError("this model was trained without labels, so it cannot be asked for a class: "
                                "train it with labels (a labelled dataset or a drawing in colours)")
        if guide is not None and guide.schedule.name != model.schedule.name:
            raise ExplorerError(f"the guide runs on {guide.schedule.name!r}, the model on {model.schedule.name!r}: "
                                "guide with a model of the same schedule")
        if guide is None and label is None and self.guidance != 1.0:
            raise ExplorerError("guidance needs a class to guide towards (label=) or a weaker model (guide=)")
        self.classes = getattr(model, "classes", 0)
        # denoiser calls per call: the reference costs one more, except at w = 1 without a guide
        self.evals_per_call = 1 if (guide is None and self.guidance == 1.0) else 2

    def denoise(self, x, t, label=None):
        lab = self.label if label is None else label
        x0, eps = self.model.denoise(x, t, lab) if lab is not None else self.model.denoise(x, t)
        w = self.guidance
        if self.guide is None:
            if w == 1.0:
                return x0, eps
            x0_ref, eps_ref = self.model.denoise(x, t)  # "no class"
        elif getattr(self.guide, "classes", 0) and lab is not None:
            x0_ref, eps_ref = self.guide.denoise(x, t, lab)
        else:
            x0_ref, eps_ref = self.guide.denoise(x, t)
        return x0_ref + w * (x0 - x0_ref), eps_ref + w * (eps - eps_ref)


def guidance_arrows(model: Denoiser, point, t: float, label: int, guidance: float,
                    guide: Denoiser | None = None) -> dict[str, np.ndarray]:
    """Where guidance sends one point: at `point` (x, y) and time `t`, the direction a sample moves as t falls
    (-dx/dt, the probability-flow drift reversed, as the vector-field layer draws it) under the reference (the
    model with no class, or the guide), under the model asked for class `label`, and under guidance w:
    guided = reference + w (conditional - reference), so the guided arrow extends the step from the first to
    the second (w > 1) or stops short of it (w < 1). Returns {"reference", "conditional", "guided"}: (2,)."""
    x = torch.as_tensor(np.asarray(point, np.float32).reshape(1, 2))
    # at t = 0 and t = 1 some pairs are singular (sigma = 0, alpha = 0): the arrows there are those just inside
    t = torch.full((1, 1), min(max(check_float("t", t, 0.0, 1.0), 1e-3), 1.0 - 1e-3))
    out = {}
    with torch.no_grad():
        for name, w in (("reference", 0.0), ("conditional", 1.0), ("guided", guidance)):
            out[name] = -Guided(model, label, w, guide).velocity(x, t)[0].to(torch.float64).numpy()
    return out
