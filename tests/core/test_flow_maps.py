"""Exact flow maps and the jump sampler: the closed-form Gaussian map against an outside ODE solver (scipy), the
MeanFlow target against finite differences, the fine ODE map, the pointwise map error, and clear errors."""
import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

import explorer as dx
from explorer.core.errors import ExplorerError
from explorer.core.flow_losses import meanflow_target
from explorer.studies.sweeps import runnable
from explorer.training.network import FlowMapMLP

MEAN, COV = np.array([1.0, -0.5]), np.array([[0.3, 0.1], [0.1, 0.08]])


def scipy_ode(x, t, r):
    """The probability-flow ODE of N(MEAN, COV) from t down to r, by scipy's RK45 at rtol 1e-11 (float64)."""
    den = dx.GaussianDenoiser(MEAN, COV, "rectified")

    def rhs(time, flat):
        v = den.velocity(torch.from_numpy(flat.reshape(-1, 2)), torch.tensor(time, dtype=torch.float64))
        return v.numpy().ravel()

    sol = solve_ivp(rhs, (t, r), np.asarray(x, np.float64).ravel(), rtol=1e-11, atol=1e-12)
    return sol.y[:, -1].reshape(-1, 2)


@pytest.mark.parametrize("t,r", [(1.0, 0.0), (1.0, 0.4), (0.7, 0.2)])
def test_gaussian_map_is_the_ode_solution(t, r):
    x = np.random.default_rng(0).normal(size=(50, 2))
    exact = dx.GaussianFlowMap(MEAN, COV).map(torch.from_numpy(x), t, r).numpy()
    np.testing.assert_allclose(exact, scipy_ode(x, t, r), atol=1e-8)


def test_gaussian_map_composes_and_is_the_identity_at_r_equal_t():
    fm, x = dx.GaussianFlowMap(MEAN, COV), torch.randn(20, 2, dtype=torch.float64)
    torch.testing.assert_close(fm.map(fm.map(x, 0.9, 0.5), 0.5, 0.1), fm.map(x, 0.9, 0.1))
    torch.testing.assert_close(fm.map(x, 0.6, 0.6), x)


@pytest.mark.parametrize("steps", [1, 2, 4])
def test_jump_sampler_with_the_exact_map_reproduces_the_ode(steps):
    fm = dx.GaussianFlowMap(MEAN, COV)
    run = dx.sample(fm, n=200, steps=steps, seed=3)  # no sampler named: the flow map's own, "jump"
    assert run.settings.sampler == "jump" and run.nfe == steps and len(run.times) == steps + 1
    np.testing.assert_allclose(run.samples, scipy_ode(run.points[0], 1.0, 0.0), atol=1e-5)
    # every intermediate frame is on the ODE's path too, and the x0_hat frames are the jumps to the data
    k = steps // 2
    np.testing.assert_allclose(run.points[k], scipy_ode(run.points[0], 1.0, run.times[k]), atol=1e-5)
    np.testing.assert_allclose(run.denoised[0], run.samples, atol=1e-5)


def test_other_samplers_still_run_on_a_flow_map_and_heun_stays_the_default():
    fm = dx.GaussianFlowMap(MEAN, COV)
    heun = dx.sample(fm, n=200, sampler="heun", steps=100, seed=3)
    np.testing.assert_allclose(heun.samples, scipy_ode(heun.points[0], 1.0, 0.0), atol=1e-3)
    plain = dx.sample(dx.GaussianDenoiser(MEAN, COV, "rectified"), n=10, steps=5)
    assert plain.settings.sampler == "heun"


def test_ode_map_of_a_denoiser_matches_the_closed_form():
    x = np.random.default_rng(1).normal(size=(100, 2))
    fine = dx.ode_map(dx.GaussianDenoiser(MEAN, COV, "rectified"), x, 1.0, 0.0)
    exact = dx.GaussianFlowMap(MEAN, COV).map(torch.from_numpy(x), 1.0, 0.0).numpy()
    assert np.abs(fine - exact).max() < 1e-5


def test_map_error_is_zero_for_the_exact_map_and_sees_a_wrong_one():
    exact = dx.GaussianFlowMap(MEAN, COV)
    assert dx.map_error(exact, dx.GaussianDenoiser(MEAN, COV, "rectified"), n=200).max() < 1e-5
    shifted = dx.GaussianFlowMap(MEAN + [0.3, 0.0], COV)  # its map lands 0.3 to the right at r = 0
    np.testing.assert_allclose(dx.map_error(shifted, exact, n=200), 0.3, atol=1e-5)
    x = np.random.default_rng(2).normal(size=(30, 2))
    half = dx.map_error(shifted, exact, x=x, t=0.5, r=0.0)  # from t = 0.5 the maps differ by 0.3 (1 - r) - ...
    want = np.abs(exact.map(torch.from_numpy(x), 0.5, 0.0) - shifted.map(torch.from_numpy(x), 0.5, 0.0)).norm(dim=1)
    np.testing.assert_allclose(half, want.numpy(), atol=1e-6)


def test_meanflow_target_equals_a_finite_difference():
    torch.manual_seed(0)
    net = FlowMapMLP(32, 2, 16, "silu", 16, 3.0, 0, 5.0).double()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(64, 2, generator=gen, dtype=torch.float64)
    v = torch.randn(64, 2, generator=gen, dtype=torch.float64)
    t = torch.rand(64, 1, generator=gen, dtype=torch.float64)
    r = t * torch.rand(64, 1, generator=gen, dtype=torch.float64)
    out, target = meanflow_target(net, x, r, t, v, how="jvp")
    h = 1e-5  # d/dh u(x + h v, r, t + h) at h = 0: the derivative along the ODE at fixed r, central difference
    dudt = (net(x + h * v, r, t + h) - net(x - h * v, r, t - h)) / (2 * h)
    torch.testing.assert_close(out, net(x, r, t))
    torch.testing.assert_close(target, v - (t - r) * dudt, atol=1e-8, rtol=1e-6)
    assert float((target - v).detach().abs().max()) > 1e-2  # the correction is not negligible: the check has teeth
    # the cheaper central difference the recipe uses (step 1e-3) agrees with the exact JVP to its O(h²)
    torch.testing.assert_close(meanflow_target(net, x, r, t, v, how="difference")[1], target, atol=1e-5, rtol=1e-4)


def test_the_jump_sampler_refuses_a_model_without_a_map():
    plain = dx.GaussianDenoiser(MEAN, COV, "rectified")
    with pytest.raises(ExplorerError, match="jump sampler needs a flow map.*choose another sampler"):
        dx.sample(plain, n=10, sampler="jump")
    assert "jump" not in runnable(plain) and "jump" in runnable(dx.GaussianFlowMap(MEAN, COV))


def test_bad_input_to_the_references_says_what_is_wrong():
    exact = dx.GaussianFlowMap(MEAN, COV)
    with pytest.raises(ExplorerError, match="from t down to r"):
        dx.ode_map(exact, np.zeros((3, 2)), 0.2, 0.5)
    with pytest.raises(ExplorerError, match="needs a Denoiser"):
        dx.ode_map("smiley", np.zeros((3, 2)))
    with pytest.raises(ExplorerError, match="has none"):
        dx.map_error(dx.GaussianDenoiser(MEAN, COV, "rectified"), exact)
    with pytest.raises(ExplorerError, match="needs x"):
        dx.map_error(exact, exact, t=0.5)
    with pytest.raises(ExplorerError, match="positive semi-definite"):
        dx.GaussianFlowMap(MEAN, [[1.0, 0.0], [0.0, -1.0]])
