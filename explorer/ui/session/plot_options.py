"""PlotOptions: what the main plot shows. A part of the session's state (part.py); no Panel here.

Its settings are the shown tab and one `show_<layer>` toggle per registered plot layer (both generated from
their registries: explorer/ui/tabs.py, explorer/ui/plot/layers.py), and the shown frame. The tab and the
toggles travel in the address bar (a teacher's link can open the Densities tab with the field on); the frame
does not (a link opens on the samples; a lesson's `time=` sets it).
"""
from __future__ import annotations

import param

from explorer.ui.plot.layers import bind_layers
from explorer.ui.session.part import Part
from explorer.ui.tabs import bind_tabs


class PlotOptions(Part):
    """The shown tab, the plot's layers and the shown frame of the run."""

    SHARED = True
    LOCAL = ("frame",)

    frame = param.Integer(default=0, bounds=(0, None), doc="Index of the shown frame of the run (0 = noise).")


bind_layers(PlotOptions)  # show_trajectories, show_density, ... and those registered later
bind_tabs(PlotOptions)  # tab
