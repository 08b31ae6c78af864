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
  dpmpp2m  DPM-Solver++(2M) (Lu et al. 2022): the exact exponential integrator of the ODE in x0_hat,
         with x0_hat extrapolated linearly in log-SNR from the previous step (multistep, one call a step)
  jump   a flow map's own jumps X(x, t -> s) = x - (t - s) u(x, s, t), one network call each (flow maps only;
         a consistency model jumps to the data and noises again to s: docs/flow_maps.md)
  pc     predictor-corrector (Song et al. 2021): an ancestral step, then a Langevin step at the new time,
         x <- x + d score + sqrt(2 d) z with d = 2 (snr |z| / |score|)²

Adding a sampler is one `SAMPLERS.register(SamplerSpec(...))` in this file (or anywhere): the library,
the dashboard's menus and knob sliders, the address bar, the A/B tab and the command line read it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from explorer.core.denoisers import Denoiser
from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Knob, Registry

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)


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
        self.evals += getattr(self.model, "evals_per_call", 1)  # a guided denoiser calls the network twice
        return self.model.denoise(x, t)

    def noise_like(self, x: torch.Tensor) -> torch.Tensor:
        return torch.randn(x.shape, generator=self.gen, dtype=x.dtype)


Step = Callable[[StepContext, "torch.Tensor", "torch.Tensor", "torch.Tensor"], "tuple[torch.Tensor, torch.Tensor]"]


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
    # Why this sampler cannot run `model` ('' if it can): the jump sampler needs a flow map.
    supports: Callable[[Denoiser], str] = lambda model: ""

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


def _dpmpp2m(ctx, x, t, s):
    """DPM-Solver++(2M), in ratio form so that alpha_t = 0 (pure noise) and sigma_s = 0 (data) are exact:
        x_s = (sigma_s/sigma_t) x + (alpha_s - alpha_t sigma_s/sigma_t) D   (e^-h = alpha_t sigma_s / sigma_t alpha_s)
    with D = x0_hat on the first and last steps, else (1 + 1/2r) x0_hat - 1/2r x0_prev, r = h_prev / h,
    h the step in log(alpha/sigma)."""
    sch, mem = ctx.model.schedule, ctx.memory
    x0, _ = ctx.denoise(x, t)
    a_t, s_t, a_s, s_s = sch.alpha(t), sch.sigma(t), sch.alpha(s), sch.sigma(s)
    lam = lambda a, sg: torch.log(a.clamp_min(1e-30)) - torch.log(sg.clamp_min(1e-30))  # noqa: E731
    h = float(lam(a_s, s_s) - lam(a_t, s_t))
    d = x0
    prev = mem.get("x0"), mem.get("h")
    if prev[0] is not None and float(s_s) > 0 and 0 < h < float("inf") and 0 < prev[1] < float("inf"):
        r = prev[1] / h
        d = (1 + 0.5 / r) * x0 - (0.5 / r) * prev[0]
    mem["x0"], mem["h"] = x0, h
    ratio = s_s / s_t.clamp_min(1e-12)
    return ratio * x + (a_s - a_t * ratio) * d, x0


def _pc(ctx, x, t, s):
    """Predictor: one ancestral (DDPM) step to s. Corrector: one Langevin step on p_s with the knob `snr`."""
    x, x0 = _ddim(ctx, x, t, s, eta=1.0)
    sig = ctx.model.schedule.sigma(s)
    if float(sig) <= 0:
        return x, x0
    _, eps = ctx.denoise(x, s)
    score = -eps / sig
    z = ctx.noise_like(x)
    ratio = z.norm(dim=-1).mean() / score.norm(dim=-1).mean().clamp_min(1e-12)
    delta = 2 * (ctx.knobs["snr"] * ratio) ** 2
    return x + delta * score + torch.sqrt(2 * delta) * z, x0


def _jump(ctx, x, t, s):
    """One jump of a flow map, X(x, t -> s) = x - (t - s) u(x, s, t) (docs/flow_maps.md): exact for the map."""
    ctx.evals += 1
    return ctx.model.jump(x, t, s, gen=ctx.gen)


def _needs_flow_map(model: Denoiser) -> str:
    if getattr(model, "flow_map", False):
        return ""
    return (f"the jump sampler needs a flow map (a model trained with objective 'meanflow', 'shortcut' or "
            f"'consistency', dx.distil's, or dx.GaussianFlowMap); this {type(model).__name__} only gives a "
            "velocity: choose another sampler")


ETA = Knob("eta", "DDIM η", 0.0, (0.0, 1.0), 0.05, "DDIM's noise: 0 is deterministic, 1 is DDPM's ancestral sampling.",
           symbol="η")
NOISE = Knob("noise", "SDE noise", 1.0, (0.0, 2.0), 0.05,
             "The SDE sampler's noise level: 0 is the probability-flow ODE, 1 the reverse SDE.")

SNR = Knob("snr", "PC snr", 0.16, (0.0, 1.0), 0.01,
           "The corrector's signal-to-noise ratio: the size of its Langevin step (0: no correction).")

# DDPM and the SDE inject noise every step and take 100 by default, the network evaluations of Heun's 50: at 50
# they read 2.1 and 1.5 (eps / linear, mean over 6 held-out shapes), at 100 1.0 and 0.9; PC's snr 0.16 beat 0.08,
# 0.04 and 0.02 there (docs/performance.md#held-out-shapes).
_STOCHASTIC_STEPS = 100

SAMPLERS: Registry[SamplerSpec] = Registry("sampler")
SAMPLERS.register(SamplerSpec(
    "ddpm", "DDPM (ancestral)", "DDPM", _ddpm, stochastic=lambda k: True, default_steps=_STOCHASTIC_STEPS,
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
    default_steps=_STOCHASTIC_STEPS,
    doc="the reverse SDE; noise 0 is the probability-flow ODE"))
SAMPLERS.register(SamplerSpec(
    "dpmpp2m", "DPM-Solver++ (2M)", "DPM++ 2M", _dpmpp2m, default_steps=20, default_grid="logsnr",
    doc="the probability-flow ODE solved exactly in its linear part, second order by reusing the last x̂0"))
SAMPLERS.register(SamplerSpec(
    "pc", "Predictor–corrector", "PC", _pc, knobs=(SNR,), stochastic=lambda k: True, evals_per_step=2,
    doc="an ancestral step, then a Langevin correction at the new time"))
SAMPLERS.register(SamplerSpec(
    "jump", "Jump (flow map)", "Jump", _jump, default_steps=2, supports=_needs_flow_map,
    doc="a flow map's own jumps along the grid: k steps are k network calls (flow-map models only)"))
