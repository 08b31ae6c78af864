"""A sampler with a knob of its own and an objective, registered here in the test and nowhere else: the
library, the sidebar, the A/B tab, the address bar, the command line and branching all offer them.

This is the contract of explorer/core/registry.py: adding a concept is one registration (the lines of
`WOBBLY` and `HALF_EPS` below), and no other file is edited.
"""
from __future__ import annotations

import numpy as np
import param
import pytest
import torch

import explorer as dx
from explorer import Knob, ObjectiveSpec, SamplerSpec
from explorer.core.objectives import OBJECTIVES
from explorer.core.solvers import SAMPLERS
from explorer.tools.cli import main as cli_main


def _wobbly_step(ctx, x, t, s):
    """Euler on the probability-flow ODE, plus `wobble` * sqrt(t - s) of fresh noise per step."""
    sch = ctx.model.schedule
    x0, eps = ctx.denoise(x, t)
    x_new = x + (s - t) * (sch.d_alpha(t) * x0 + sch.d_sigma(t) * eps)
    return x_new + ctx.knobs["wobble"] * torch.sqrt(t - s) * ctx.noise_like(x), x0


WOBBLY = SamplerSpec("wobbly", "Wobbly Euler (test)", "Wobbly", _wobbly_step,
                     knobs=(Knob("wobble", "Wobble", 0.1, (0.0, 0.5), 0.05, "Fresh noise added at every step."),),
                     stochastic=lambda k: k["wobble"] > 0)
HALF_EPS = ObjectiveSpec(
    "half_eps", "Half-ε (test)", "half-ε", target=lambda x0, eps, t, sch: 0.5 * eps,
    to_x0_eps=lambda pred, x_t, t, sch: ((x_t - 2 * sch.sigma(t) * pred) / sch.alpha(t).clamp_min(1e-4), 2 * pred))


@pytest.fixture
def registered():
    with SAMPLERS.registered(WOBBLY), OBJECTIVES.registered(HALF_EPS):
        yield
    assert "wobbly" not in SAMPLERS and "half_eps" not in OBJECTIVES


@pytest.fixture(scope="module")
def model():
    return dx.load_pretrained("three_dots")


def test_the_library_samples_and_branches_with_it(registered, model):
    run = dx.sample(model, n=200, sampler="wobbly", steps=20, wobble=0.2, seed=0)
    assert run.settings.knob_values == {"wobble": 0.2} and run.nfe == 20
    plain = dx.sample(model, n=200, sampler="euler", steps=20, seed=0)
    still = dx.sample(model, n=200, sampler="wobbly", steps=20, wobble=0.0, seed=0)
    np.testing.assert_allclose(still.samples, plain.samples, atol=1e-6)  # wobble 0 is Euler
    assert np.abs(run.samples - plain.samples).mean() > 0.01
    with pytest.raises(dx.ExplorerError, match="wobble must be between 0 and 0.5"):
        dx.sample(model, n=10, sampler="wobbly", wobble=0.9)
    with pytest.raises(dx.ExplorerError, match="wobble is a knob of wobbly; sampler 'heun' takes no knobs"):
        dx.sample(model, n=10, sampler="heun", wobble=0.1)
    tree = dx.branch(model, n_branches=4, sampler="wobbly", steps=20, wobble=0.3)
    assert tree.branches.shape == (4, 4, 21, 2) and tree.settings.sampler == "wobbly"
    with pytest.raises(dx.ExplorerError, match="deterministic"):
        dx.branch(model, sampler="wobbly", steps=20, wobble=0.0)


def test_the_objective_trains_and_converts_back(registered):
    sch = dx.get_schedule("cosine")
    x0, eps, t = torch.randn(50, 2), torch.randn(50, 2), torch.rand(50, 1) * 0.9 + 0.05
    x_t = sch.alpha(t) * x0 + sch.sigma(t) * eps
    back = OBJECTIVES["half_eps"].to_x0_eps(0.5 * eps, x_t, t, sch)
    torch.testing.assert_close(back[0], x0, atol=1e-4, rtol=1e-4)
    data = dx.datasets.load("three_dots", n=300)
    trained = dx.train(data, dx.TrainConfig(objective="half_eps", schedule="cosine", steps=30, width=16,
                                            fourier_features=0, batch_size=64))
    assert trained.objective == "half_eps" and np.isfinite(dx.sample(trained, n=50, steps=5).samples).all()


def test_the_sidebar_offers_them_with_the_knob_slider(registered):
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.views.controls import Controls

    state = ExplorerState()
    controls = Controls(state=state)
    assert controls.sampler.options["Wobbly Euler (test)"] == "wobbly"
    assert controls.objective.options["Half-ε (test)"] == "half_eps"
    row = controls._knob_rows["wobble"]
    assert not row.visible
    state.sampler = "wobbly"
    assert row.visible and not controls._knob_rows["eta"].visible
    slider = controls.knobs["wobble"]
    with param.edit_constant(slider):  # what the page sends when the handle is released
        slider.param.update(value=0.3, value_throttled=0.3)
    assert state.run.settings == dx.SamplingSettings("wobbly", 50, "uniform", (("wobble", 0.3),))
    state.objective = "half_eps"  # no schedule requirement: nothing else moves
    assert (state.objective, state.schedule) == ("half_eps", "rectified")


def test_the_ab_tab_offers_them(registered, model):
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.views.compare_view import CompareView

    view = CompareView(state=ExplorerState(dataset="three_dots"))
    part, arm = view._arm_parts["B"], view.compare.b
    options = [w.options for w in part["widgets"] if hasattr(w, "options")]
    assert any(o.get("Wobbly") == "wobbly" for o in options)
    assert any(o.get("Half-ε (test)") == "half_eps" for o in options)
    arm.model = model
    arm.param.update(sampler="wobbly", wobble=0.25)
    assert part["knobs"]["wobble"].visible and not part["knobs"]["eta"].visible
    assert arm.run.settings.knob_values == {"wobble": 0.25}


def test_the_address_bar_round_trips_them(registered):
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.session.url_state import apply_setup, parse_setup, url_params

    assert "wobble" in url_params()
    values, notes = parse_setup("?sampler=wobbly&wobble=0.35&objective=half_eps&wobble_typo=1")
    assert values == {"sampler": "wobbly", "wobble": 0.35, "objective": "half_eps"}
    assert notes == ["'wobble_typo' is not a setting of this page (did you mean wobble?)"]
    state = ExplorerState()
    assert apply_setup(state, "?sampler=wobbly&wobble=0.9") == ["wobble='0.9' is above 0.5: using 0.5"]
    assert state.run.settings.knob_values == {"wobble": 0.5}


def test_the_command_line_offers_them(registered, capsys):
    assert cli_main(["sample", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "wobbly: Wobbly Euler (test)" in out and "--wobble WOBBLE" in out
    assert cli_main(["train", "--help"]) == 0
    assert "half_eps: Half-ε (test)" in " ".join(capsys.readouterr().out.split())
    code = cli_main(["sample", "three_dots", "--sampler", "wobbly", "--wobble", "0.2", "--n", "20", "--steps", "5"])
    out, err = capsys.readouterr()
    assert code == 0 and len(out.strip().splitlines()) == 21 and "Wobbly (wobble = 0.2), 5 steps" in err


class _Trig(dx.Schedule):
    """alpha = cos(pi t / 2), sigma = sin(pi t / 2): variance preserving, so 'v' trains on it too."""

    name, label, short = "trig", "Trig (test)", "trig"
    formula = "**Trig (test).** α(t) = cos(πt/2), σ(t) = sin(πt/2)."
    variance_preserving = True

    def alpha(self, t):
        return torch.cos(t * torch.pi / 2)

    def sigma(self, t):
        return torch.sin(t * torch.pi / 2)

    def d_alpha(self, t):
        return -torch.pi / 2 * torch.sin(t * torch.pi / 2)

    def d_sigma(self, t):
        return torch.pi / 2 * torch.cos(t * torch.pi / 2)


def test_a_schedule_registered_here_is_offered_and_drawn():
    from explorer.core.objectives import schedules_for
    from explorer.ui.session.state import ExplorerState
    from explorer.ui.views.controls import Controls
    from explorer.ui.views.schedule_view import ScheduleView

    with dx.SCHEDULES.registered(_Trig()):
        state = ExplorerState(dataset="three_dots")
        assert Controls(state=state).schedule.options["Trig (test)"] == "trig"
        assert "trig" in schedules_for("v")  # variance preserving: v may train on it
        state.schedule = "trig"
        view = ScheduleView(state=state)
        assert "α(t) = cos(πt/2)" in view.caption.object
        np.testing.assert_allclose(view.curves["alpha"], np.cos(np.linspace(0, 1, len(view.curves["t"])) * np.pi / 2),
                                   atol=1e-12)
        run = dx.sample(dx.GaussianDenoiser([0, 0], np.eye(2) * 0.3, "trig"), n=2000, steps=30, grid="karras")
        np.testing.assert_allclose(np.cov(run.samples.T), np.eye(2) * 0.3, atol=0.04)
    assert "trig" not in dx.SCHEDULES
