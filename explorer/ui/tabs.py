"""The dashboard's tabs as specs: one `TabSpec` per tab after Explore, registered once in `TABS`.

A tab is its name (the one spelling: `?tab=densities` in the link, `tab=densities` in a lesson, which also
takes the label), its label (the tab's title) and its view factory, called when the tab is first opened: a new
session costs the server ~0.4 s less (compare alone is 0.25 s), and a class opens thirty at once
(docs/performance.md#sessions). `active(view, shown)` tells a view whether its tab is the shown one, so a
hidden view does no work per frame. The tabs (explorer.py), the session's `tab` parameter (so the link carries
it: url_state.py), the lessons and their checks read this registry:

    TABS.register(TabSpec("halo", "Halo", lambda state: HaloView(state=state)))

No Panel import here: the built-in views are imported when their tab is first opened.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import param

from explorer.core.registry import Registry

EXPLORE = "explore"  # the first tab, the main plot with its sidebar: always there, not a spec
EXPLORE_LABEL = "Explore"


@dataclass(frozen=True)
class TabSpec:
    name: str
    label: str
    view: Callable  # (state) -> the tab's view, made when the tab is first opened
    active: Callable | None = None  # (view, shown: bool): told when its tab is shown or left
    doc: str = ""


TABS: Registry[TabSpec] = Registry("tab")


def names() -> list[str]:
    """Every tab's name, Explore first."""
    return [EXPLORE, *TABS]


def labels() -> list[str]:
    """Every tab's label, Explore first, in the order they are shown."""
    return [EXPLORE_LABEL, *(s.label for s in TABS.specs())]


def tab_name(name_or_label: str) -> str | None:
    """The tab's name for its name or its label (a lesson says `tab=Densities`); None if there is no such tab."""
    for name, label in zip(names(), labels(), strict=True):
        if name_or_label in (name, label):
            return name
    return None


def bind_tabs(cls: type[param.Parameterized]) -> type[param.Parameterized]:
    """Give `cls` a `tab` Selector of the registered tabs (the shown tab, in the link), now and later."""

    def refresh():  # {label: name}: a link or a lesson may say either (url_state.coerce)
        objects = dict(zip(labels(), names(), strict=True))
        if "tab" not in cls.param:
            cls.param.add_parameter("tab", param.Selector(default=EXPLORE, objects=objects,
                                                          doc="The shown tab: " + ", ".join(names()) + "."))
        cls.param["tab"].objects = objects

    TABS.watch(refresh)
    refresh()
    return cls


def _lazy(module: str, cls: str) -> Callable:
    def make(state):
        return getattr(importlib.import_module(module), cls)(state=state)

    return make


def _set_branches(view, shown: bool) -> None:
    view.branches.active = shown


def _set_active(view, shown: bool) -> None:
    view.active = shown


def _set_inside(view, shown: bool) -> None:
    view.inside.active = shown


for _spec in (
    TabSpec("branches", "Paths not taken", _lazy("explorer.ui.views.branch_view", "BranchView"), _set_branches),
    TabSpec("densities", "Densities", _lazy("explorer.ui.views.density_view", "DensityView"), _set_active),
    TabSpec("compare", "A/B compare", _lazy("explorer.ui.views.compare_view", "CompareView")),
    TabSpec("sweep", "Steps vs quality", _lazy("explorer.ui.views.sweep_view", "SweepView")),
    TabSpec("guidance", "Guidance", _lazy("explorer.ui.views.guidance_view", "GuidanceView")),
    TabSpec("pairings", "Pairings", _lazy("explorer.ui.views.pairing_view", "PairingView")),
    TabSpec("schedule", "Schedule", _lazy("explorer.ui.views.schedule_view", "ScheduleView")),
    TabSpec("inside", "Inside", _lazy("explorer.ui.views.inside_view", "InsideView"), _set_inside),
    TabSpec("jumps", "Flow map", _lazy("explorer.ui.views.jumps_view", "JumpsView"),
            doc="A flow map's jumps from a tapped point over the ODE's path, and its map error."),
):
    TABS.register(_spec)
