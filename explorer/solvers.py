"""The samplers: each one registered SamplerSpec with its step from time t to an earlier time s.

Every step uses only the denoiser's (x0_hat, eps_hat), so every sampler runs with every objective, on
any grid (strided grids use the exact t -> s coefficients). The maths: docs/parameterisation.md#samplers.

  ddim   x_s = alpha_s x0 + sqrt(sigma_s² - c²) eps + c z,
         c = eta sigma_s sqrt(1 - (alpha_t sigma_s / (alpha_s sigma_t))²)
  ddpm   ddim with eta = 1: a draw from the exact posterior q(x_s | x_t, x0_hat) (ancestral)
  euler  probability-flow ODE dx/dt = alpha' x0 + sigma' eps, first order
  heun   the same ODE, second order (the last step to sigma = 0 is an Euler step, as in Karras et al.)
  sde    reverse SDE by Euler-Maruyama: dx = [v - ½ lam² g² score] dt + lam g dW,
         score = -eps/sigma, g² = 2 sigma sigma' - 2 (alpha'/alpha) sigma²; lam = `noise` (0 = the ODE)

Adding a sampler is one `SAMPLERS.register(SamplerSpec(...))` in this file (or anywhere): the library,
the dashboard's menus and knob sliders, the address bar, the A/B tab and the command line read it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from .denoisers import Denoiser
from .registry import Knob, Registry


@dataclass
class StepContext:
    """What a step may use besides (x, t, s): the denoiser, the knob values, the run's random generator,
    and `memory`, a dict that lives for one run (multistep solvers keep their history there)."""

    model: Denoiser
    knobs: dict[str, float]
    gen: torch.Generator | None
    memory: dict = field(default_factory=dict)
    evals: int = 0  # denoiser calls so far (network evaluations, NFE)

    def denoise(self, x: torch.Tensor, t: torch.Tensor):
        self.evals += 1
        return self.model.denoise(x, t)

    def noise_like(self, x: torch.Tensor) -> torch.Tensor:
        return torch.randn(x.shape, generator=self.gen, dtype=x.dtype)


Step = Callable[[StepContext, torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class SamplerSpec:
    """One sampler. `step(ctx, x, t, s)` goes from time t to s < t (0-d float tensors) and returns the new
    state and the x0_hat it used. `stochastic(knobs)` says whether two runs from one start can differ
    (only those make 'paths not taken'). `evals_per_step`: denoiser calls per step (Heun: 2)."""

    name: str
    label: str  # menus: "DDIM (η)"
    short: str  # titles and compact controls: "DDIM"
    step: Step
    knobs: tuple[Knob, ...] = ()
    stochastic: Callable[[dict], bool] = lambda knobs: False
    evals_per_step: int = 1
    default_steps: int = 50
    default_grid: str = "uniform"
    doc: str = ""

    def knob(self, name: str) -> Knob | None:
        return next((k for k in self.knobs if k.name == name), None)


def _ddim(ctx: StepContext, x, t, s, eta: float | None = None):
    eta = ctx.knobs["eta"] if eta is None else eta
    sch = ctx.model.schedule
    x0, eps = ctx.denoise(x, t)
    a_t, s_t, a_s, s_s = sch.alpha(t), sch.sigma(t), sch.alpha(s), sch.sigma(s)
    ratio = (a_t * s_s) / (a_s * s_t).clamp_min(1e-12)
    c = eta * s_s * torch.sqrt((1 - ratio**2).clamp_min(0.0))
    x_new = a_s * x0 + torch.sqrt((s_s**2 - c**2).clamp_min(0.0)) * eps
    if eta > 0:
        x_new = x_new + c * ctx.noise_like(x)
    return x_new, x0


def _ddpm(ctx, x, t, s):
    return _ddim(ctx, x, t, s, eta=1.0)


def _drift(sch, t, x0, eps):
    return sch.d_alpha(t) * x0 + sch.d_sigma(t) * eps


def _euler(ctx, x, t, s):
    x0, eps = ctx.denoise(x, t)
    return x + (s - t) * _drift(ctx.model.schedule, t, x0, eps), x0


def _heun(ctx, x, t, s):
    sch = ctx.model.schedule
    x0, eps = ctx.denoise(x, t)
    h, v = s - t, _drift(sch, t, x0, eps)
    x_e = x + h * v
    if float(sch.sigma(s)) <= 0.0:  # sigma_s = 0: the end point's eps is undefined; Euler is 2nd order here
        return x_e, x0
    x0_e, eps_e = ctx.denoise(x_e, s)
    return x + h * 0.5 * (v + _drift(sch, s, x0_e, eps_e)), x0


def _sde(ctx, x, t, s):
    # Euler-Maruyama. g² h is capped at sigma_t² (never inject or remove more than the noise present):
    # near alpha = 0 (t = 1 on cosine/rectified) g² diverges and plain EM would explode.
    sch, lam = ctx.model.schedule, ctx.knobs["noise"]
    x0, eps = ctx.denoise(x, t)
    a_t, s_t, h = sch.alpha(t), sch.sigma(t), s - t
    f = sch.d_alpha(t) / a_t.clamp_min(1e-4)
    g2 = (2 * s_t * sch.d_sigma(t) - 2 * f * s_t**2).clamp_min(0.0)
    g2h = torch.minimum(g2 * (-h), s_t**2)
    x_new = x + h * _drift(sch, t, x0, eps) - 0.5 * lam**2 * g2h * eps / s_t.clamp_min(1e-4)
    if lam > 0:
        x_new = x_new + lam * torch.sqrt(g2h) * ctx.noise_like(x)
    return x_new, x0


def land(ctx: StepContext, x, t, s):
    """The deterministic DDIM step: at sigma_s = 0 it returns x0_hat itself. Every stochastic sampler ends
    with it, so no noise injected on the last step is left in the samples."""
    return _ddim(ctx, x, t, s, eta=0.0)


ETA = Knob("eta", "DDIM η", 0.0, (0.0, 1.0), 0.05, "DDIM's noise: 0 is deterministic, 1 is DDPM's ancestral sampling.")
NOISE = Knob("noise", "SDE noise", 1.0, (0.0, 2.0), 0.05,
             "The SDE sampler's noise level: 0 is the probability-flow ODE, 1 the reverse SDE.")

SAMPLERS: Registry[SamplerSpec] = Registry("sampler")
SAMPLERS.register(SamplerSpec(
    "ddpm", "DDPM (ancestral)", "DDPM", _ddpm, stochastic=lambda k: True,
    doc="draws each step from the exact posterior q(x_s | x_t, x̂0): DDIM with η = 1"))
SAMPLERS.register(SamplerSpec(
    "ddim", "DDIM (η)", "DDIM", _ddim, knobs=(ETA,), stochastic=lambda k: k["eta"] > 0,
    doc="η = 0 is the deterministic DDIM map, η = 1 is DDPM"))
SAMPLERS.register(SamplerSpec(
    "euler", "Euler (ODE)", "Euler", _euler, doc="the probability-flow ODE, first order"))
SAMPLERS.register(SamplerSpec(
    "heun", "Heun (ODE, 2nd order)", "Heun", _heun, evals_per_step=2,
    doc="the probability-flow ODE, second order (two denoiser calls per step)"))
SAMPLERS.register(SamplerSpec(
    "sde", "SDE (Euler–Maruyama)", "SDE", _sde, knobs=(NOISE,), stochastic=lambda k: k["noise"] > 0,
    doc="the reverse SDE; noise 0 is the probability-flow ODE"))
