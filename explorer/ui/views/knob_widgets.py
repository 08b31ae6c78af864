"""Widgets built from the registries' specs (choices.py), shared by the sidebar and the A/B tab: menus whose
labels are the specs' labels, and one slider per sampler knob, shown only while the chosen sampler has it."""
from __future__ import annotations

import panel as pn

from explorer.core.registry import Registry
from explorer.core.samplers import all_knobs
from explorer.core.solvers import SAMPLERS
from explorer.ui.session.choices import options


def select(obj, name: str, registry: Registry, short: bool = False, **kw) -> pn.widgets.Select:
    """A Select linked two-way to `obj.<name>`, its options labelled by the registry's specs."""
    return pn.widgets.Select.from_param(obj.param[name], options=options(registry, obj.param[name].objects, short),
                                        **kw)


def knob_sliders(obj, prefix: str = "", **kw) -> dict[str, pn.widgets.FloatSlider]:
    """One slider per registered sampler knob, linked to `obj.<knob>` (throttled: a run per release)."""
    return {name: pn.widgets.FloatSlider.from_param(obj.param[name], label=f"{prefix}{knob.label}",
                                                     step=knob.step, throttled=True, **kw)
            for name, knob in all_knobs().items()}


def show_knobs(rows: dict, sampler: str) -> None:
    """Show the rows (or widgets) of the knobs that `sampler` takes; hide the others."""
    spec = SAMPLERS.get(sampler)
    names = {k.name for k in spec.knobs} if spec is not None else set()
    for name, row in rows.items():
        row.visible = name in names
