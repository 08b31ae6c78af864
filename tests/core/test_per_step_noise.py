"""One step of each stochastic sampler from a known x_t, against the closed-form posterior.

With a point-mass denoiser (x0_hat = c whatever x_t) the Gaussian path's posterior is known in closed form
(Kingma et al.'s variational diffusion models, for any alpha and sigma with a Markov forward process):
with a = alpha_t / alpha_s and v = sigma_t² - a² sigma_s² (the noise added from s to t),

    q(x_s | x_t, x0) = N( (a sigma_s² / sigma_t²) x_t + (alpha_s v / sigma_t²) x0 ,  v sigma_s² / sigma_t² ).

DDPM (and DDIM at eta = 1) must draw from it; DDIM at eta has the same x0-direction but eta² of its variance
(the final distributions of all eta agree, so only a per-step check can catch a wrong noise coefficient).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core.denoisers import Denoiser
from explorer.core.solvers import SAMPLERS, StepContext

C = torch.tensor([0.7, -1.2], dtype=torch.float64)
X_T = torch.tensor([0.3, 0.4], dtype=torch.float64)
N = 200_000


class PointMass(Denoiser):
    """The exact denoiser of data that is always C."""

    def __init__(self, schedule):
        self.schedule = dx.get_schedule(schedule)

    def denoise(self, x, t):
        t = torch.as_tensor(t, dtype=x.dtype)
        x0 = C.to(x.dtype).expand_as(x)
        return x0, (x - self.schedule.alpha(t) * x0) / self.schedule.sigma(t)


def posterior(schedule, t: float, s: float):
    sch = dx.get_schedule(schedule)
    t, s = torch.tensor(t, dtype=torch.float64), torch.tensor(s, dtype=torch.float64)
    a = sch.alpha(t) / sch.alpha(s)
    v = sch.sigma(t) ** 2 - a**2 * sch.sigma(s) ** 2
    mean = (a * sch.sigma(s) ** 2 / sch.sigma(t) ** 2) * X_T + (sch.alpha(s) * v / sch.sigma(t) ** 2) * C
    return mean.numpy(), float(v * sch.sigma(s) ** 2 / sch.sigma(t) ** 2)


def one_step(sampler, schedule, t, s, **knobs) -> np.ndarray:
    spec = SAMPLERS[sampler]
    values = {k.name: k.default for k in spec.knobs} | knobs
    ctx = StepContext(PointMass(schedule), values, torch.Generator().manual_seed(0))
    x = X_T.expand(N, 2).clone()
    out, _ = spec.step(ctx, x, torch.tensor(t, dtype=torch.float64), torch.tensor(s, dtype=torch.float64))
    return out.numpy()


STEPS = [("linear", 0.6, 0.45), ("cosine", 0.8, 0.5), ("rectified", 0.5, 0.3)]


@pytest.mark.parametrize("schedule,t,s", STEPS)
@pytest.mark.parametrize("sampler,knobs", [("ddpm", {}), ("ddim", {"eta": 1.0})])
def test_ancestral_steps_draw_from_the_posterior(sampler, knobs, schedule, t, s):
    mean, var = posterior(schedule, t, s)
    out = one_step(sampler, schedule, t, s, **knobs)
    np.testing.assert_allclose(out.mean(0), mean, atol=4 * np.sqrt(var / N) + 1e-9)
    np.testing.assert_allclose(out.var(0), var, rtol=0.02)


@pytest.mark.parametrize("schedule,t,s", STEPS)
@pytest.mark.parametrize("eta", [0.0, 0.3, 0.7])
def test_ddim_takes_eta_squared_of_the_posterior_variance(eta, schedule, t, s):
    _, var = posterior(schedule, t, s)
    sch = dx.get_schedule(schedule)
    tt, ss = torch.tensor(t, dtype=torch.float64), torch.tensor(s, dtype=torch.float64)
    out = one_step("ddim", schedule, t, s, eta=eta)
    np.testing.assert_allclose(out.var(0), eta**2 * var, rtol=0.02, atol=1e-12)
    # the mean keeps the x0 direction: alpha_s c + sqrt(sigma_s² - eta² var) * eps_hat
    eps = (X_T - sch.alpha(tt) * C) / sch.sigma(tt)
    expected = sch.alpha(ss) * C + torch.sqrt(sch.sigma(ss) ** 2 - eta**2 * var) * eps
    np.testing.assert_allclose(out.mean(0), expected.numpy(), atol=4 * np.sqrt(eta**2 * var / N) + 1e-9)


@pytest.mark.parametrize("schedule", ["linear", "cosine", "rectified"])
def test_the_sde_step_tends_to_the_posterior_at_first_order(schedule):
    """Euler-Maruyama is first order: over a step h its variance is the posterior's times 1 + O(h), so the
    excess halves when h halves, and its mean is off by O(h²)."""
    excess, offset = [], []
    for h in (0.02, 0.01, 0.005):
        mean, var = posterior(schedule, 0.5, 0.5 - h)
        out = one_step("sde", schedule, 0.5, 0.5 - h, noise=1.0)
        excess.append(out.var(0).mean() / var - 1)
        offset.append(np.abs(out.mean(0) - mean).max())
    assert 1.6 < excess[0] / excess[1] < 2.5 and 1.6 < excess[1] / excess[2] < 2.5, excess
    assert 0 < excess[2] < 0.05 and offset[2] < 2e-3 < offset[0], offset


def test_the_sde_noise_knob_scales_the_injected_noise():
    full, half = (one_step("sde", "cosine", 0.5, 0.49, noise=lam).var(0) for lam in (1.0, 0.5))
    np.testing.assert_allclose(half / full, 0.25, rtol=0.03)


@pytest.mark.parametrize("schedule", ["linear", "rectified"])
def test_the_pc_corrector_keeps_p_s(schedule):
    """Predictor-corrector from the exact marginal at t: after the ancestral step the points follow p_s =
    N(alpha_s c, sigma_s² I) (point-mass data); a Langevin step with the exact score keeps that distribution."""
    sch, t, s = dx.get_schedule(schedule), 0.6, 0.5
    tt, ss = torch.tensor(t, dtype=torch.float64), torch.tensor(s, dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    x = sch.alpha(tt) * C + sch.sigma(tt) * torch.randn(N, 2, generator=gen, dtype=torch.float64)
    ctx = StepContext(PointMass(schedule), {"snr": 0.16}, gen)
    out, _ = SAMPLERS["pc"].step(ctx, x, tt, ss)
    np.testing.assert_allclose(out.mean(0).numpy(), (sch.alpha(ss) * C).numpy(), atol=0.01)
    np.testing.assert_allclose(out.var(0).numpy(), float(sch.sigma(ss) ** 2), rtol=0.03)
    assert ctx.evals == 2  # the predictor's and the corrector's denoiser calls
