"""What a session does with flow-map models (docs/flow_maps.md): the sampler that follows the shown model, the
sidebar's note about a flow-map objective, and why a model can or cannot be distilled. No Panel here.

* A flow-map model (trained with objective meanflow, shortcut or consistency, or distilled) is shown with its own
  sampler, "jump", at that sampler's default number of jumps; a model that only learned a velocity cannot jump, so
  a "jump" left over from a flow map goes back to the model's own sampler (Heun) and its defaults. Only a change of
  the model's kind moves the sampler: a flow map may still be sampled with Euler or Heun through u(x, t, t).
* `distil_problem(model)`: '' if the Distil button can distil `model`, else why not, in the page's words.
"""
from __future__ import annotations

import weakref

from explorer.core.denoisers import Denoiser
from explorer.core.objectives import OBJECTIVES
from explorer.core.solvers import SAMPLERS
from explorer.training.flow_recipes import FLOW_MAP_RECIPES
from explorer.ui.session.sampling import MAX_SAMPLE_STEPS
from explorer.ui.session.setup import MAX_TRAIN_STEPS, Setup

DISTIL_METHOD = "meanflow"  # what the Distil button trains: the MeanFlow identity with the teacher's velocity


def is_flow_map(model) -> bool:
    return bool(getattr(model, "flow_map", False))


def flow_map_objectives() -> list[str]:
    """The registered objectives that learn a flow map."""
    return [name for name in OBJECTIVES if OBJECTIVES[name].flow_map]


def recipe_steps(objective: str) -> int:
    """The training steps the sidebar offers for `objective`: a flow map's measured recipe (FLOW_MAP_RECIPES,
    docs/flow_maps.md#recipe), else the default; within the session's cap."""
    steps = FLOW_MAP_RECIPES.get(objective, {}).get("steps") if OBJECTIVES[objective].flow_map else None
    return min(steps or Setup.param.train_steps.default, MAX_TRAIN_STEPS)


def follow_recipe(setup, old: str, new: str) -> str:
    """Training steps follow the objective's recipe when they are still the old objective's (never a number the
    user typed); returns the line saying so, or ''."""
    before, after = recipe_steps(old), recipe_steps(new)
    if before == after or setup.train_steps != before:
        return ""
    setup.train_steps = after
    return f"Training steps: {after}, the measured recipe for {OBJECTIVES[new].short}." if \
        OBJECTIVES[new].flow_map else f"Training steps back to {after}."


def objective_note(objective: str) -> str:
    """The sidebar's note under a flow-map objective ('' for any other)."""
    spec = OBJECTIVES[objective]
    if not spec.flow_map:
        return ""
    jumps = "to the data in one jump, re-noised between jumps" if spec.reaches == "zero" else "from any t to any r"
    return (f"*{spec.short} learns a flow map: one network that jumps {jumps}. It trains on the straight paths of "
            f"**rectified flow** (the schedule follows), without classes, {recipe_steps(objective)} steps by its "
            f"measured recipe, and is sampled with **Jump** ({SAMPLERS['jump'].default_steps} jumps to start "
            "with).*")


def unusable_samplers(model) -> dict[str, str]:
    """{sampler: why it cannot run `model`}, from the registry (SamplerSpec.supports); None (no model yet) has no
    flow map either."""
    return {name: why for name in SAMPLERS if (why := SAMPLERS[name].supports(model))}


def sampler_switch(sampler: str, old_model, new_model) -> dict:
    """The Sampling settings to change when the shown model goes from `old_model` to `new_model` ({} for none):
    the jump sampler for a new flow map, the model's own sampler when "jump" cannot run the new one."""
    if new_model is None:
        return {}
    spec = SAMPLERS.get(sampler)
    if is_flow_map(new_model) and not is_flow_map(old_model) and sampler != "jump":
        wanted = "jump"
    elif spec is not None and spec.supports(new_model):
        wanted = getattr(new_model, "default_sampler", Denoiser.default_sampler)
    else:
        return {}
    own = SAMPLERS[wanted]
    return {"sampler": wanted, "sample_steps": min(own.default_steps, MAX_SAMPLE_STEPS), "grid": own.default_grid}


def switch_note(change: dict, model) -> str:
    """The status line for a `sampler_switch` change ('' for none)."""
    if not change:
        return ""
    if change["sampler"] == "jump":
        return f"A flow map: sampled with Jump, {change['sample_steps']} jumps (Sampler steps sets how many)."
    return (f"This model learned a velocity, not a flow map, so it cannot jump: sampled with "
            f"{SAMPLERS[change['sampler']].short} instead.")


def distil_problem(model, training: bool = False) -> str:
    """'' if the Distil button can distil `model` now, else a line saying why not."""
    if training:
        return "Press Stop first: a training run is going."
    if model is None:
        return "There is no model to distil yet: train one (velocity on rectified flow) or pick a dataset."
    if is_flow_map(model):
        return ("The shown model is already a flow map: it jumps already. Distil a model that learned a velocity "
                "(velocity on rectified flow).")
    if getattr(model, "objective", None) is None:
        return "Only a trained model can be distilled."
    if getattr(model, "classes", 0):
        return ("Distil learns one map from noise to data, without classes: train a model without 'Train with "
                "classes' first.")
    if model.schedule.name != "rectified" or getattr(model, "source", None) is not None:
        return ("Distil learns the ODE map of a model on rectified flow from Gaussian noise: this one is "
                f"{OBJECTIVES[model.objective].short} on {model.schedule.name}"
                + (" from another set" if getattr(model, "source", None) is not None else "")
                + ". Train velocity on rectified flow first.")
    return ""


def flow_map_refusal(setup) -> str:
    """'' if the sidebar's setup can train, else why a flow-map objective refuses it (classes, another source)."""
    spec = OBJECTIVES[setup.objective]
    if not spec.flow_map:
        return ""
    if setup.conditional:
        return (f"{spec.short} learns a flow map, which takes no classes: untick 'Train with classes', or choose "
                "another objective (velocity) for classes and guidance.")
    if getattr(setup, "source", "gaussian") != "gaussian":
        return (f"{spec.short} learns a flow map from Gaussian noise: set 'Start from' (Advanced) back to Gaussian "
                "noise, or choose velocity to flow from another set.")
    return ""


class Lineage:
    """Where a session's models came from: the teacher of each model distilled here (its map's reference), and the
    latest flow map and reflowed model trained here on each data set (the sweep draws them beside the shown model).

    `started(kind, data, teacher)` when a run starts ("train", "reflow" or "distil"), `finished(model)` when it
    gives a model; `teacher(model)` and `companions(shown, data)` read it."""

    def __init__(self):
        self._teachers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # distilled model -> teacher
        self._latest: dict[str, tuple] = {}  # "flow map" / "reflowed" -> (model, the data it learned)
        self._running: tuple | None = None  # (kind, data, teacher) of the run going now

    def started(self, kind: str, data, teacher=None) -> None:
        self._running = (kind, data, teacher)

    def finished(self, model) -> None:
        if self._running is None or model is None:
            return
        kind, data, teacher = self._running
        self._running = None
        if teacher is not None:
            self._teachers[model] = teacher
        if is_flow_map(model):
            self._latest["flow map"] = (model, data)
        elif kind == "reflow":
            self._latest["reflowed"] = (model, data)

    def teacher(self, model):
        """The model `model` was distilled from in this session, or None."""
        return None if model is None else self._teachers.get(model)

    def companions(self, shown, data) -> dict:
        """{"teacher": model, "flow map": model, "reflowed": model}: the shown model's teacher (if it was distilled
        here), and the latest flow map and reflowed model trained here on `data`, but the shown one."""
        teacher = self.teacher(shown)
        return {**({"teacher": teacher} if teacher is not None else {}),
                **{role: model for role, (model, learned) in self._latest.items()
                   if model is not shown and learned is data}}
