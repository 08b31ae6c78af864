"""Time grids: shape, ends and spacing of every registered grid on every schedule."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core.schedules import SCHEDULES
from explorer.core.timegrids import RHO, SIGMA_MIN, TIME_GRIDS, make_grid, noise_ratio, time_of_ratio


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("grid", list(TIME_GRIDS))
@pytest.mark.parametrize("steps", [1, 2, 7, 100])
def test_every_grid_runs_from_t_start_to_zero_strictly_decreasing(grid, schedule, steps):
    for t_start in (1.0, 0.6):
        times = make_grid(grid, steps, schedule, t_start)
        assert len(times) == steps + 1 and times[0] == t_start and times[-1] == 0.0
        assert np.all(np.diff(times) < 0)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_ratio_inversion_round_trips(schedule):
    sch = dx.get_schedule(schedule)
    t = np.linspace(0.01, 0.95, 40)
    ratios = noise_ratio(sch, torch.from_numpy(t)).numpy()
    np.testing.assert_allclose(time_of_ratio(sch, ratios), t, atol=1e-9)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_logsnr_steps_are_equal_in_log_snr(schedule):
    sch = dx.get_schedule(schedule)
    times = make_grid("logsnr", 12, schedule)
    lam = np.log(noise_ratio(sch, torch.from_numpy(times[1:-1])).numpy())  # the spaced part (both ends are fixed)
    step = np.diff(lam)
    np.testing.assert_allclose(step, step[0], rtol=1e-6)
    assert lam[-1] == pytest.approx(np.log(SIGMA_MIN), rel=1e-6)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_karras_steps_are_equal_in_ratio_to_the_one_over_rho(schedule):
    sch = dx.get_schedule(schedule)
    times = make_grid("karras", 12, schedule)
    root = noise_ratio(sch, torch.from_numpy(times[1:-1])).numpy() ** (1 / RHO)
    step = np.diff(root)
    np.testing.assert_allclose(step, step[0], rtol=1e-6)
    assert step[0] < 0


def test_uniform_is_linspace_and_an_unknown_grid_lists_the_choices():
    np.testing.assert_array_equal(make_grid("uniform", 4, "linear"), [1, 0.75, 0.5, 0.25, 0])
    with pytest.raises(dx.ExplorerError, match="unknown time grid 'cubic'; choose one of uniform, logsnr, karras"):
        dx.sample(dx.load_pretrained("moons"), n=5, grid="cubic")


def test_the_sampler_runs_on_the_grid_it_was_given():
    run = dx.sample(dx.load_pretrained("moons"), n=5, sampler="euler", steps=9, grid="karras")
    np.testing.assert_array_equal(run.times, make_grid("karras", 9, "rectified"))
    assert run.settings.grid == "karras"
