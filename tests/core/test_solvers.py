"""The samplers registered in explorer/core/solvers.py against closed forms: the exact flow map of Gaussian data,
and the exact denoiser of a few points (every stochastic sampler must end on them)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

import explorer as dx
from explorer.core.schedules import SCHEDULES
from explorer.core.solvers import SAMPLERS

MEAN = np.array([1.0, -0.5])
COV = np.array([[0.5, 0.2], [0.2, 0.3]])
POINTS = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 1.5], [2.0, -2.0]])


def exact_flow(schedule: str, x1: np.ndarray) -> np.ndarray:
    """Where the probability-flow ODE takes x1 (at t = 1) for Gaussian data: every matrix is a function of
    COV, so they commute and x_0 = mu + COV^½ (a1² COV + s1² I)^-½ (x1 - a1 mu)."""
    sch, one = dx.get_schedule(schedule), torch.tensor(1.0, dtype=torch.float64)
    a1, s1 = float(sch.alpha(one)), float(sch.sigma(one))
    spread = np.real(sqrtm(a1**2 * COV + s1**2 * np.eye(2)))
    return MEAN + (x1 - a1 * MEAN) @ np.linalg.inv(spread).T @ np.real(sqrtm(COV)).T


def flow_error(schedule, sampler, grid, steps) -> float:
    run = dx.sample(dx.GaussianDenoiser(MEAN, COV, schedule), n=2000, sampler=sampler, steps=steps, grid=grid)
    return float(np.abs(run.samples - exact_flow(schedule, run.points[0].astype(np.float64))).mean())


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("grid", ["logsnr", "karras"])
def test_dpmpp2m_is_second_order_on_the_exact_flow_map(schedule, grid):
    coarse, fine = flow_error(schedule, "dpmpp2m", grid, 40), flow_error(schedule, "dpmpp2m", grid, 80)
    assert fine < 2e-3 and coarse / fine > 3.3  # halving the step divides the error by ~4


def test_dpmpp2m_on_the_logsnr_grid_is_the_same_on_every_schedule():
    """An exponential integrator in log-SNR does not see how t is parameterised: the same noise goes to the
    same samples on every schedule that starts from pure noise (alpha(1) = 0; linear keeps 0.0066 of the data)."""
    runs = [dx.sample(dx.GaussianDenoiser(MEAN, COV, s), n=500, sampler="dpmpp2m", steps=10, grid="logsnr").samples
            for s in ("cosine", "rectified")]
    np.testing.assert_allclose(runs[1], runs[0], atol=1e-3)


def test_dpmpp2m_beats_euler_at_few_steps():
    assert flow_error("rectified", "dpmpp2m", "logsnr", 10) < 0.5 * flow_error("rectified", "euler", "uniform", 10)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_pc_keeps_the_gaussian_moments(schedule):
    run = dx.sample(dx.GaussianDenoiser(MEAN, COV, schedule), n=20000, sampler="pc", steps=100, seed=3)
    assert run.nfe == 199  # two calls a step, none for the corrector at t = 0
    np.testing.assert_allclose(run.samples.mean(0), MEAN, atol=0.02)
    np.testing.assert_allclose(np.cov(run.samples.T), COV, atol=0.04)


STOCHASTIC = [(name, {}) for name in SAMPLERS if SAMPLERS[name].stochastic(
    {k.name: k.default for k in SAMPLERS[name].knobs})] + [("ddim", {"eta": 1.0}), ("sde", {"noise": 1.5})]


@pytest.mark.parametrize("schedule,grid", [("rectified", "uniform"), ("cosine", "uniform"), ("linear", "logsnr")])
@pytest.mark.parametrize("sampler,knobs", STOCHASTIC)
def test_every_stochastic_sampler_ends_on_the_training_points(schedule, grid, sampler, knobs):
    """With the exact denoiser of 4 points the last step must land on x0_hat, a training point: no noise
    injected on the way out may stay in the samples (the SDE's last step once left them 0.22 away).
    (On the linear schedule a uniform grid's last step starts at sigma = 0.14, where x0_hat can still be
    between two points: that is the grid's fault, so the linear case runs on the log-SNR grid.)"""
    oracle = dx.OracleDenoiser(POINTS, schedule)
    run = dx.sample(oracle, n=400, sampler=sampler, steps=25, grid=grid, seed=0, **knobs)
    np.testing.assert_array_equal(run.points[-1], run.denoised[-2])  # the last step lands on its x0_hat
    gap = np.linalg.norm(run.samples[:, None] - POINTS[None], axis=-1).min(1)
    assert gap.max() < 0.05
