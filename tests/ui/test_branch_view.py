"""The "Paths not taken" picture reads at a glance with DDIM η = 1: end-point clouds on top and large, paths
faint, no legend on the data, and a diamond at each branch point (the denoiser's x̂0) that its cloud surrounds."""
from __future__ import annotations

import numpy as np
import pytest

from explorer.ui.session.state import ExplorerState
from explorer.ui.views.branch_view import BranchView


@pytest.fixture
def view():
    state = ExplorerState(sampler="ddim", n_samples=64, sample_steps=40)
    state.eta = 1.0
    return BranchView(state=state)


def _renderer(fig, name):
    return next(r for r in fig.renderers if getattr(r.data_source, "name", None) == name)


def test_end_points_on_top_paths_faint_no_legend_on_the_data(view):
    fig = view._fig
    order = [r.data_source.name for r in fig.renderers]
    assert order.index("branch_endpoints") == len(order) - 1, order  # drawn last: on top of everything
    assert order.index("branch_lines") < order.index("branch_trunk") < order.index("branch_endpoints")
    paths, ends = _renderer(fig, "branch_lines").glyph, _renderer(fig, "branch_endpoints").glyph
    assert paths.line_alpha <= 0.3 and paths.line_width <= 1.2
    assert ends.size >= 10 and ends.fill_alpha >= 0.9
    assert not fig.legend or not any(leg.items for leg in fig.legend), "the colour key is the table beside the plot"
    assert "branch-key" in view._readout.object and view._readout.object.count("<tr>") == 4


def test_each_cloud_surrounds_the_denoisers_guess(view):
    res, spread = view.branches.result, view.branches.spread()
    guess = np.stack([view._guesses.data["x"], view._guesses.data["y"]], 1)
    assert guess.shape == (4, 2) and list(view._guesses.data["color"]) == list(view._splits.data["color"])
    off = np.linalg.norm(guess - res.endpoints.mean(1), axis=1)
    assert np.all(off < 0.75 * spread + 0.1), (off, spread)  # measured 0.04-0.49 against spreads 0.08-1.3
    assert spread[0] > 3 * spread[-1], spread  # early choices decide the shape, late ones only jitter
    view.state.sampler = "heun"  # deterministic: no branches, no guesses
    assert len(view._guesses.data["x"]) == 0
