"""The one conversion from any prediction to (x0_hat, eps_hat) must round-trip for every pair."""
import numpy as np
import pytest
import torch

from explorer.core.errors import ExplorerError
from explorer.core.objectives import OBJECTIVES, check_pair, from_x0_eps, to_x0_eps
from explorer.core.schedules import SCHEDULES, get_schedule

PAIRS = [(o, s) for o in OBJECTIVES for s in SCHEDULES if OBJECTIVES[o].supports(s)]


@pytest.mark.parametrize("objective,schedule", PAIRS)
def test_conversion_round_trips(objective, schedule):
    sch = get_schedule(schedule)
    gen = torch.Generator().manual_seed(0)
    x0 = torch.randn(500, 2, generator=gen, dtype=torch.float64)
    eps = torch.randn(500, 2, generator=gen, dtype=torch.float64)
    t = torch.linspace(0.02, 0.98, 500, dtype=torch.float64).reshape(-1, 1)
    x_t = sch.alpha(t) * x0 + sch.sigma(t) * eps
    pred = from_x0_eps(objective, x0, eps, t, sch)
    x0_hat, eps_hat = to_x0_eps(objective, pred, x_t, t, sch)
    torch.testing.assert_close(x0_hat, x0, atol=1e-8, rtol=1e-8)
    torch.testing.assert_close(eps_hat, eps, atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedule_derivatives_match_finite_differences(schedule):
    sch = get_schedule(schedule)
    t = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)
    h = 1e-6
    fd_a = (sch.alpha(t + h) - sch.alpha(t - h)) / (2 * h)
    fd_s = (sch.sigma(t + h) - sch.sigma(t - h)) / (2 * h)
    torch.testing.assert_close(sch.d_alpha(t), fd_a, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(sch.d_sigma(t), fd_s, atol=1e-6, rtol=1e-5)


def test_schedule_ends():
    t = torch.tensor([0.0, 1.0], dtype=torch.float64)
    for name in SCHEDULES:
        sch = get_schedule(name)
        a, s = sch.alpha(t), sch.sigma(t)
        assert abs(a[0] - 1) < 1e-12 and abs(s[0]) < 1e-12, name
        assert s[1] > 0.99, name
        if sch.variance_preserving:
            torch.testing.assert_close(a**2 + s**2, torch.ones(2, dtype=torch.float64))
    # DDPM's linear beta: alpha(1) = exp(-10.05 / 2), the known 0.66 % of signal left at t = 1.
    assert abs(float(get_schedule("linear").alpha(torch.tensor(1.0))) - np.exp(-10.05 / 2)) < 1e-6


def test_invalid_pairs_say_what_is_allowed():
    with pytest.raises(ExplorerError, match="variance-preserving.*'linear' or 'cosine'"):
        check_pair("v", "rectified")
    with pytest.raises(ExplorerError, match="unknown objective"):
        check_pair("score", "cosine")
    with pytest.raises(ExplorerError, match="unknown schedule"):
        check_pair("eps", "sigmoid")
