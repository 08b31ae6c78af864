"""The session's parts (explorer/ui/session/part.py): each setting declared once, composed into the session and
the A/B arms, mirrored for the views, and carried by the link with no per-setting code."""
from __future__ import annotations

import param

from explorer.core.guidance import GUIDANCE
from explorer.ui.session.compare_state import Arm
from explorer.ui.session.part import compose
from explorer.ui.session.plot_options import PlotOptions
from explorer.ui.session.sampling import Sampling
from explorer.ui.session.setup import Setup
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.training_state import TrainingProgress
from explorer.ui.session.url_state import apply_setup, setup_query, url_params

SMALL = dict(n_samples=100, sample_steps=5)
PARTS = (Setup, Sampling, PlotOptions, TrainingProgress)


def test_each_setting_is_declared_in_one_part_and_the_session_mirrors_it():
    names = [n for part in PARTS for n in part.names()]
    assert len(names) == len(set(names)), "a setting declared in two parts"
    for part in PARTS:
        for name in part.names():
            mine, its = ExplorerState.param[name], part.param[name]
            assert (type(mine), mine.default, mine.doc) == (type(its), its.default, its.doc), name
    own = set(ExplorerState.param) - set(names) - {"name", "setup", "sampling", "plot", "training_progress"}
    assert own == {"data", "labels", "class_names", "model", "run", "run_labels", "quality", "status", "error",
                   "unusable_samplers"}
    # the settings the issue names are the parts' now
    assert {"conditional", "coupling", "source"} <= set(Setup.names())
    assert {"label", "guidance", "guide", "use_oracle", "grid", "eta"} <= set(Sampling.names())


def test_a_change_on_either_side_reaches_the_other_and_the_views_watchers():
    state = ExplorerState(dataset="moons", **SMALL)
    assert isinstance(state.setup, Setup) and state.setup.dataset == "moons"
    heard = []
    state.param.watch(lambda *events: heard.extend((e.name, e.new, state.run.sampler) for e in events),
                      ["sampler", "guidance"])
    state.sampler = "ddim"  # a widget linked to the state
    assert state.sampling.sampler == "ddim" and heard == [("sampler", "ddim", "ddim")]  # the run came first
    state.sampling.param.update(sampler="euler", guidance=2.0)  # code that talks to the part
    assert (state.sampler, state.guidance) == ("euler", 2.0) and state.run.sampler == "euler"
    assert [h[:2] for h in heard[1:]] == [("sampler", "euler"), ("guidance", 2.0)]
    state.plot.frame = 2
    assert state.frame == 2


def test_menus_that_follow_the_data_are_mirrored():
    state = ExplorerState(dataset="moons", **SMALL)
    assert state.param.label.objects == state.sampling.param.label.objects[:2] + ["upper moon", "lower moon"]
    state.dataset = "smiley"
    assert state.param.label.objects[2:] == ["face", "eyes", "mouth"]
    assert state.sampling.param.label.objects == state.param.label.objects


def test_guidance_is_the_cores_knob_with_its_one_bound():
    p = Sampling.param.guidance
    assert (p.bounds, p.default, p.step, p.doc) == (GUIDANCE.bounds, GUIDANCE.default, GUIDANCE.step, GUIDANCE.doc)
    state = ExplorerState(**SMALL)
    assert state.param.guidance.bounds == GUIDANCE.bounds


def test_an_arm_is_made_of_the_parts_arm_settings():
    arm_settings = [*Setup.ARM, *Sampling.ARM]
    for name in arm_settings:
        mine, its = Arm.param[name], (Setup if name in Setup.ARM else Sampling).param[name]
        assert (type(mine), mine.doc) == (type(its), its.doc), name
        assert getattr(mine, "objects", None) == getattr(its, "objects", None)
    assert "eta" in Arm.param and Arm.param.sample_steps.default == 10  # the knobs too; its own default


def test_a_new_setting_in_a_part_travels_in_the_link_with_no_other_code():
    class Wiggly(Setup):
        wiggle = param.Number(default=0.5, bounds=(0.0, 1.0), doc="A throwaway setting.")

    class WigglyState(ExplorerState):
        pass

    compose(WigglyState, setup=Wiggly)
    page = WigglyState(**SMALL)
    assert page.setup.wiggle == 0.5 and "wiggle" not in url_params()  # the real session has no wiggle
    page.wiggle = 0.75  # through the mirror, as a widget would
    link = setup_query(page)
    assert "wiggle=0.75" in link
    fresh = WigglyState(**SMALL)
    assert apply_setup(fresh, link) == [] and fresh.setup.wiggle == 0.75 and fresh.wiggle == 0.75
    assert apply_setup(fresh, "?wiggle=3")[0] == "wiggle='3' is above 1.0: using 1.0"
