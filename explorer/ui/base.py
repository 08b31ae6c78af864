"""The base of every dashboard view: a Panel Viewer over one session's ExplorerState."""
from __future__ import annotations

import panel as pn
import param

from explorer.ui.session.state import ExplorerState


class StateView(pn.viewable.Viewer):
    """`View(state=s)` shows the session's state `s`; `View()` makes a fresh one (handy in a notebook)."""

    state = param.ClassSelector(class_=ExplorerState, constant=True, doc="The session's ExplorerState.")

    def __init__(self, **params):
        if params.get("state") is None:
            params["state"] = ExplorerState()
        super().__init__(**params)
