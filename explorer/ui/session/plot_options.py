"""PlotOptions: what the main plot shows. A part of the session's state (part.py); no Panel here.
Not in the address bar (not SHARED): a link shares a setup, not where its reader looks."""
from __future__ import annotations

import param

from explorer.ui.session.part import Part


class PlotOptions(Part):
    """The shown frame of the run and the plot's layers."""

    frame = param.Integer(default=0, bounds=(0, None), doc="Index of the shown frame of the run (0 = noise).")
    show_trajectories = param.Boolean(default=True, doc="Fading tails behind a subset of samples.")
    show_density = param.Boolean(default=False, doc="Density of the samples at the shown time, as contours.")
    show_field = param.Boolean(default=False, doc="The model's velocity field at the shown time.")
    show_mesh = param.Boolean(default=False, doc="A lattice of start points flowing as a deforming mesh.")
    show_streamlines = param.Boolean(default=False, doc="Streamlines of the velocity field at the shown time, with "
                                                        "particles flowing along them.")
