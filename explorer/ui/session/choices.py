"""The dashboard's choices, read from the core's registries (explorer/core/registry.py), never re-declared.

`bind_choices(cls)` gives a param class (the session state, an A/B arm) Selectors whose objects follow the
registries of samplers, objectives, schedules and time grids, and one Number parameter per sampler knob
(DDIM's `eta`, the SDE's `noise`, ...) with the knob's bounds, default and doc. A spec registered later
appears in every class bound here; the views build their menus and knob sliders from the same specs.
"""
from __future__ import annotations

import param

from explorer.core.objectives import OBJECTIVES, pair_problem, schedules_for
from explorer.core.registry import Knob, Registry
from explorer.core.samplers import SamplingSettings, all_knobs
from explorer.core.schedules import SCHEDULES
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.data.dataset_specs import DATASETS

DRAWN = "drawn"  # the dataset name of the user's own drawing / upload
GAUSSIAN = "gaussian"  # the usual source of a flow: Gaussian noise

# parameter name -> the registry its Selector reads
REGISTRIES: dict[str, Registry] = {"objective": OBJECTIVES, "schedule": SCHEDULES, "sampler": SAMPLERS,
                                   "grid": TIME_GRIDS}


def knob_parameter(knob: Knob) -> param.Number:
    return param.Number(default=knob.default, bounds=knob.bounds, step=knob.step, doc=knob.doc, label=knob.label)


def bind_choices(cls: type[param.Parameterized]) -> type[param.Parameterized]:
    """Keep `cls`'s registry Selectors and knob parameters in step with the registries (now and later)."""

    def refresh():
        for name, registry in REGISTRIES.items():
            if name in cls.param:
                cls.param[name].objects = list(registry)
        for knob in all_knobs().values() if "sampler" in cls.param else ():  # a class that samples
            if knob.name not in cls.param:
                cls.param.add_parameter(knob.name, knob_parameter(knob))
        if "dataset" in cls.param:  # the registered datasets (dataset_specs.py), and the user's own drawing
            cls.param["dataset"].objects = [*DATASETS, DRAWN]
        if "source" in cls.param:
            cls.param["source"].objects = [GAUSSIAN, *DATASETS]

    for registry in (*REGISTRIES.values(), DATASETS):
        registry.watch(refresh)
    refresh()
    return cls


def knob_names() -> list[str]:
    """The names of every registered sampler knob."""
    return list(all_knobs())


def settings_of(obj, steps_param: str = "sample_steps") -> SamplingSettings:
    """The SamplingSettings an object with `sampler`, `grid`, a steps parameter and knob parameters says."""
    spec = SAMPLERS[obj.sampler]
    knobs = {k.name: getattr(obj, k.name) for k in spec.knobs}
    return SamplingSettings.make(obj.sampler, getattr(obj, steps_param), getattr(obj, "grid", None), **knobs)


def options(registry: Registry, names=None, short: bool = False) -> dict[str, str]:
    """{label: name} for a Select widget, in registration order (or the order of `names`)."""
    names = list(registry) if names is None else names
    return {(registry[n].short if short else registry[n].label): n for n in names if n in registry}


def fix_pair(obj, changed: str) -> str:
    """If `obj`'s (objective, schedule) cannot train, switch the one that did not just change (`changed` is
    the name of the one that did) to the first that fits, and return a line saying so; else ''."""
    if not pair_problem(obj.objective, obj.schedule):
        return ""
    objective, schedule = OBJECTIVES[obj.objective], SCHEDULES[obj.schedule]
    if changed == "objective":
        new = schedules_for(obj.objective)[0]
        obj.schedule = new
        return (f"{objective.short} needs another schedule than {schedule.short}: "
                f"switched Schedule to {SCHEDULES[new].label}.")
    new = next(o for o in OBJECTIVES if OBJECTIVES[o].supports(obj.schedule))
    obj.objective = new
    return f"{objective.short} cannot train on {schedule.short}: switched Objective to {OBJECTIVES[new].label}."
