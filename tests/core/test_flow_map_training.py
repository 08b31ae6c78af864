"""Training flow maps (meanflow, shortcut, consistency) and distilling one, on Gaussian data whose map is known in
closed form (dx.GaussianFlowMap); saving and loading them; and clear errors on bad input. Small nets, a few
seconds of training each."""
import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core.errors import ExplorerError

MEAN, STD = np.array([1.0, -0.5]), np.array([0.5, 0.2])
SMALL = dict(width=64, depth=3, batch_size=256, snapshot_every=0)


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).normal(size=(2000, 2)) * STD + MEAN


@pytest.fixture(scope="module")
def exact():
    return dx.GaussianFlowMap(MEAN, np.diag(STD**2))


@pytest.fixture(scope="module")
def meanflow(gaussian):
    return dx.train(gaussian, dx.TrainConfig(objective="meanflow", steps=600, seed=0, **SMALL))


def assert_lands_on_the_gaussian(samples, mean_tol, std_tol):
    """Mean within `mean_tol` (absolute) and each axis's spread within `std_tol` (relative) of N(MEAN, diag STD²)."""
    assert np.abs(samples.mean(0) - MEAN).max() < mean_tol, samples.mean(0)
    assert np.abs(samples.std(0) / STD - 1).max() < std_tol, samples.std(0)


def test_meanflow_lands_one_jump_on_the_gaussian(meanflow, exact):
    assert meanflow.flow_map and meanflow.default_sampler == "jump"
    run = dx.sample(meanflow, n=4000, steps=1, seed=1)
    assert run.settings.sampler == "jump" and run.nfe == 1
    # what this recipe holds at 600 steps of a 3x64 net (docs/flow_maps.md#recipe): measured mean 0.02 off and
    # spreads 16 % narrow (a short run under-disperses one jump); asked: mean within 0.05, spread within 25 %
    assert_lands_on_the_gaussian(run.samples, 0.05, 0.25)
    # and point by point: the jump from each noise lands near where the exact map sends it: measured 0.12 on average
    # (sending every point to the mean would score about 0.45)
    assert dx.map_error(meanflow, exact, n=1000).mean() < 0.18


def test_u_on_the_diagonal_agrees_with_flow_matching(meanflow, gaussian):
    fm = dx.train(gaussian, dx.TrainConfig(objective="velocity", steps=600, seed=0, **SMALL))
    gen = torch.Generator().manual_seed(5)
    t = torch.rand(len(gaussian), 1, generator=gen) * 0.98 + 0.01
    x0 = torch.from_numpy(gaussian).float()
    x_t = (1 - t) * x0 + t * torch.randn(len(gaussian), 2, generator=gen)  # on the path: where models are asked
    with torch.no_grad():
        u, v = meanflow.average_velocity(x_t, t, t), fm.velocity(x_t, t)
        exact = dx.GaussianDenoiser(MEAN, np.diag(STD**2), "rectified").velocity(x_t, t)
    rms = lambda a: float(a.pow(2).sum(1).mean().sqrt())  # noqa: E731
    assert rms(u - v) < 0.15 * rms(v)  # the two trained fields agree to 15 % of the field's size
    assert rms(u - exact) < 0.15 * rms(exact) and rms(v - exact) < 0.15 * rms(exact)
    torch.testing.assert_close(meanflow.velocity(x_t, t), u)  # what every other sampler reads is u(x, t, t)


@pytest.mark.parametrize("objective,steps,jumps", [("shortcut", 600, 1), ("shortcut", 600, 2),
                                                    ("consistency", 600, 1), ("consistency", 600, 2)])
def test_shortcut_and_consistency_land_on_the_gaussian(objective, steps, jumps, gaussian):
    model = dx.train(gaussian, dx.TrainConfig(objective=objective, steps=steps, seed=0, **SMALL))
    samples = dx.sample(model, n=4000, steps=jumps, seed=1).samples
    # 600 steps: measured at most 0.03 off in the mean and 23 % in a spread (shortcut's two jumps, the narrow axis)
    assert_lands_on_the_gaussian(samples, 0.08, 0.3)


def test_consistency_model_is_the_identity_at_t_zero_by_construction(gaussian):
    model = dx.train(gaussian, dx.TrainConfig(objective="consistency", steps=5, seed=0, **SMALL))
    x = torch.from_numpy(MEAN + STD * np.random.default_rng(3).normal(size=(50, 2))).float()  # inside the data's box
    with torch.no_grad():
        x0, _ = model.denoise(x, 0.0)
        jumped, landed = model.jump(x, 0.0, 0.0)
    torch.testing.assert_close(x0, x)
    torch.testing.assert_close(landed, x)


def test_distilled_flow_map_learns_the_teachers_map(gaussian):
    teacher = dx.train(gaussian, dx.TrainConfig(steps=600, seed=0, **SMALL))
    student = dx.distil(teacher, method="meanflow", config=dx.TrainConfig(steps=600, **SMALL), seed=0)
    assert student.flow_map and student.objective == "meanflow" and "distilled" in student.log.message
    err = dx.map_error(student, teacher, n=500)  # against the teacher's ODE map, integrated finely
    assert err.mean() < 0.2  # measured 0.13 after 600 steps (sending every point to the mean scores about 0.45)
    # 600 steps of the measured recipe (docs/flow_maps.md#recipe), distil seeds 0 and 1: one jump's mean within 0.02,
    # its spreads 19-24 % narrow (a short run under-disperses one jump, as from scratch); two jumps 9-15 % at worst
    assert_lands_on_the_gaussian(dx.sample(student, n=4000, steps=1, seed=1).samples, 0.05, 0.3)
    assert_lands_on_the_gaussian(dx.sample(student, n=4000, steps=2, seed=1).samples, 0.05, 0.2)


def test_a_flow_map_saves_and_loads_as_a_flow_map(meanflow, tmp_path):
    back = dx.load(dx.save(meanflow, tmp_path / "mf"))
    assert back.flow_map and back.objective == "meanflow" and back.config == meanflow.config
    a, b = (dx.sample(m, n=100, steps=2, seed=4).samples for m in (meanflow, back))
    np.testing.assert_array_equal(a, b)


def test_bad_input_is_refused_clearly(gaussian, meanflow):
    with pytest.raises(ExplorerError, match="needs a trained model"):
        dx.distil("smiley")
    teacher = dx.train(gaussian, dx.TrainConfig(steps=5, **SMALL))
    with pytest.raises(ExplorerError, match="unknown distillation method 'progressive'.*meanflow, shortcut"):
        dx.distil(teacher, method="progressive")
    with pytest.raises(ExplorerError, match="already a flow map"):
        dx.distil(meanflow)
    eps_teacher = dx.train(gaussian, dx.TrainConfig(objective="eps", schedule="linear", steps=5, **SMALL))
    with pytest.raises(ExplorerError, match="'rectified' schedule"):
        dx.distil(eps_teacher)
    with pytest.raises(ExplorerError, match="straight path: use the 'rectified' schedule"):
        dx.TrainConfig(objective="meanflow", schedule="cosine")
    with pytest.raises(ExplorerError, match="cannot take classes"):
        dx.TrainConfig(objective="shortcut", classes=2)
    with pytest.raises(ExplorerError, match="time_frequency"):
        dx.TrainConfig(objective="meanflow", time_frequency=0)
    with pytest.raises(ExplorerError, match="not a flow map"):
        teacher.average_velocity(torch.zeros(1, 2), 0.0, 1.0)
    with pytest.raises(ExplorerError, match="teacher is distilled into a flow map"):
        dx.train(gaussian, dx.TrainConfig(steps=5), teacher=teacher)
