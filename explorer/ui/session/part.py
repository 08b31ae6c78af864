"""Parts of a session's state: each group of settings is declared once, in one small Parameterized class.

    Setup (setup.py)                  what to train on and how: data, objective, schedule, network, coupling...
    Sampling (sampling.py)            how to sample the model: sampler, grid, steps, knobs, class, guidance
    PlotOptions (plot_options.py)     what the plot shows: the shown frame, the layers' toggles
    TrainingProgress (training_state.py)  the training job: running, progress, losses, preview

`ExplorerState` holds one of each (`state.setup`, `state.sampling`, `state.plot`, `state.progress`) and wires
them with watchers; an A/B arm takes the settings the parts mark `ARM`; the address bar carries every setting
of the parts marked `SHARED` (url_state.py). A new setting is one parameter in one part.

`compose(cls, setup=Setup, ...)` also gives the session a mirror of each part's parameters (a copy of the
part's declaration, kept equal both ways), so the views may still read, set, watch and link
`state.objective` while they move to `state.setup.objective`. The part holds the value; the mirror follows it.
"""
from __future__ import annotations

import copy
from typing import ClassVar

import param

Comparator = param.parameterized.Comparator
SLOTS = ("objects", "bounds")  # what a part may change of its own parameters (a menu, a range): mirrored too


class Part(param.Parameterized):
    """A group of settings. `SHARED`: its settings travel in the page's address (but its `LOCAL` ones). `ARM`:
    the settings an A/B arm has its own value of (compare_state.py)."""

    SHARED: ClassVar[bool] = False
    LOCAL: ClassVar[tuple[str, ...]] = ()  # settings of a SHARED part that stay out of the address
    ARM: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def names(cls) -> list[str]:
        """The part's settings, in declaration order (with those added later, e.g. a sampler's knob)."""
        return [name for name in cls.param if name != "name"]

    @classmethod
    def link_names(cls) -> list[str]:
        """The settings the address bar carries: all of a SHARED part's but its LOCAL ones; none otherwise."""
        return [name for name in cls.names() if name not in cls.LOCAL] if cls.SHARED else []


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(Comparator.is_equal(a, b))
    except Exception:  # e.g. arrays of different shapes
        return False


def compose(cls: type[param.Parameterized], **parts: type[Part]) -> type[param.Parameterized]:
    """Give `cls` one constant parameter per part (`cls(...).setup`) and a mirror of each part's parameters.
    Call again after a part gained a parameter (choices.bind_choices adds a registered sampler's knob)."""
    cls._parts = {**getattr(cls, "_parts", {}), **parts}
    for attr, part in cls._parts.items():
        if attr not in cls.param:
            cls.param.add_parameter(attr, param.ClassSelector(class_=part, constant=True, doc=part.__doc__))
        for name in part.names():
            if name not in cls.param:
                cls.param.add_parameter(name, copy.copy(part.param[name]))
    return cls


def make_parts(cls: type[param.Parameterized], params: dict) -> dict:
    """The parts of a new `cls(**params)`: each made with the values `params` gives its settings."""
    return {attr: params.pop(attr) if attr in params else part(**{n: params[n] for n in part.names() if n in params})
            for attr, part in cls._parts.items()}


def mirror(owner: param.Parameterized) -> None:
    """Keep `owner`'s copies of its parts' parameters equal to the parts' (values, menus, ranges), both ways.
    Call in `owner.__init__` before anything else watches it: a change then reaches the part, and the watchers
    the owner set on the part, before the views watching the owner hear of it."""
    for attr in type(owner)._parts:
        part = getattr(owner, attr)
        names = [n for n in part.param if n != "name" and n in owner.param]
        for name in names:
            _copy_slots(part, owner, name)
        with param.parameterized.discard_events(owner):
            owner.param.update({n: getattr(part, n) for n in names})
        owner.param.watch(lambda *events, part=part: _follow(part, events), names)
        part.param.watch(lambda *events: _follow(owner, events), names)
        for slot in SLOTS:
            part.param.watch(lambda event, part=part: _copy_slots(part, owner, event.name), names, what=slot)


def _follow(target: param.Parameterized, events) -> None:
    changes = {e.name: e.new for e in events if not _same(getattr(target, e.name), e.new)}
    if changes:
        target.param.update(changes)


def _copy_slots(part, owner, name: str) -> None:
    source, mirrored = part.param[name], owner.param[name]
    for slot in SLOTS:
        if not hasattr(source, slot):
            continue
        new, old = getattr(source, slot), getattr(mirrored, slot)
        if slot == "objects":
            new, old = list(new), list(old)
        if not _same(old, new):
            setattr(mirrored, slot, new)


def adopt(cls: type[param.Parameterized], part: type[Part], names=None, **defaults) -> None:
    """Give `cls` copies of `part`'s parameters `names` (default: the part's `ARM` settings), with other
    `defaults`: an A/B arm's own settings, declared by the part, not again."""
    for name in part.ARM if names is None else names:
        if name in cls.param:
            continue
        p = copy.copy(part.param[name])
        if name in defaults:
            p.default = defaults[name]
        cls.param.add_parameter(name, p)
