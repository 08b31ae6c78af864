"""DPM-Solver++(2M) against diffusers' DPMSolverMultistepScheduler, the implementation the field uses.

diffusers works on DDPM's discrete timesteps; the test gives it the discrete alphas_cumprod of our
continuous linear schedule at t = (i + 1)/1000, runs both solvers from the same noise with the same exact
(Gaussian) denoiser on the same timesteps, and compares every frame.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import explorer as dx

diffusers = pytest.importorskip("diffusers")


@pytest.mark.parametrize("steps", [5, 12, 25])
def test_dpmpp2m_agrees_with_diffusers(steps):
    sch = dx.get_schedule("linear")
    t = torch.arange(1, 1001, dtype=torch.float64) / 1000
    acp = sch.alpha(t) ** 2
    betas = 1 - acp / torch.cat([torch.ones(1, dtype=torch.float64), acp[:-1]])
    scheduler = diffusers.DPMSolverMultistepScheduler(
        num_train_timesteps=1000, trained_betas=betas.numpy(), algorithm_type="dpmsolver++", solver_order=2,
        prediction_type="epsilon", final_sigmas_type="zero", timestep_spacing="linspace")
    scheduler.set_timesteps(steps)
    timesteps = scheduler.timesteps.numpy()
    truth = dx.GaussianDenoiser([0.5, -1.0], [[0.6, 0.25], [0.25, 0.4]], sch)

    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    frames = [x.numpy()]
    for ts in scheduler.timesteps:
        _, eps = truth.denoise(x, (int(ts) + 1) / 1000)
        x = scheduler.step(eps, ts, x).prev_sample
        frames.append(x.numpy())
    times = np.concatenate([(timesteps + 1) / 1000, [0.0]])
    ours = dx.sample(truth, sampler="dpmpp2m", times=times, x_init=frames[0])
    np.testing.assert_allclose(ours.points, np.array(frames), atol=2e-5)
