"""Paths not taken: branches share the trunk exactly up to their branch frame and differ after."""
import numpy as np
import pytest

import explorer as dx
from explorer.core.errors import ExplorerError

MU, COV = np.array([0.2, -0.1]), np.array([[0.5, 0.2], [0.2, 0.3]])


@pytest.fixture
def den():
    return dx.GaussianDenoiser(MU, COV, "cosine")


@pytest.mark.parametrize("sampler,kw", [("ddim", {"eta": 1.0}), ("ddpm", {}), ("sde", {"eta": None}), ("pc", {})])
def test_branches_share_the_trunk_then_diverge(den, sampler, kw):
    run = dx.branch(den, at=[0.2, 0.5, 0.8], n_branches=6, sampler=sampler, steps=50, seed=2, **kw)
    assert run.trunk.shape == (51, 2) and run.branches.shape == (3, 6, 51, 2)
    np.testing.assert_array_equal(run.frames, [10, 25, 40])
    for i, f in enumerate(run.frames):
        for b in range(6):
            np.testing.assert_array_equal(run.branches[i, b, : f + 1], run.trunk[: f + 1])
        after = run.branches[i, :, f + 1]
        assert np.unique(after, axis=0).shape[0] == 6  # fresh noise for each branch right after f
    # early choices decide more: endpoint spread shrinks with the branch time
    spread = run.endpoints.std(axis=1).sum(-1)
    assert spread[0] > spread[-1]


def test_given_trunk_is_kept_and_x_init_starts_it(den):
    first = dx.branch(den, n_branches=3, steps=20, seed=0, x_init=[1.0, -1.0])
    np.testing.assert_allclose(first.trunk[0], [1.0, -1.0])
    promoted = first.branches[1, 2]  # promote a branch to be the new trunk
    second = dx.branch(den, n_branches=3, steps=20, seed=9, trunk=promoted)
    np.testing.assert_array_equal(second.trunk, promoted)


@pytest.mark.parametrize("sampler,kw", [("heun", {}), ("euler", {}), ("ddim", {"eta": 0.0}),
                                        ("sde", {"eta": None, "noise": 0.0})])
def test_deterministic_samplers_refuse_to_branch(den, sampler, kw):
    kw = {"eta": None, **kw} if sampler != "ddim" else kw
    with pytest.raises(ExplorerError, match="deterministic.*paths not taken"):
        dx.branch(den, sampler=sampler, steps=10, **kw)


def test_bad_branch_times_are_refused(den):
    with pytest.raises(ExplorerError, match="fractions"):
        dx.branch(den, at=[1.5])
    with pytest.raises(ExplorerError, match="n_branches"):
        dx.branch(den, n_branches=0)
