"""What the status line says after an Objective or Schedule change: the pair the sidebar moved (choices.py
fix_pair), and whether the shown model was trained with the pair the sidebar now describes. No Panel here.

A line about the pair is news only until the next change of the pair: `PairNotes.after_change` replaces it
(or says the sidebar matches the shown model again), and leaves any other status line alone.
"""
from __future__ import annotations

from explorer.core.objectives import OBJECTIVES
from explorer.core.schedules import SCHEDULES
from explorer.ui.session.choices import fix_pair


def _trained_with(model) -> tuple[str, str] | None:
    """(objective, schedule) the model was trained with, or None (no model, or one that does not say)."""
    if model is None or getattr(model, "objective", None) is None:
        return None
    return model.objective, model.schedule.name


def model_note(model, setup) -> str:
    """'' if the shown model is what the sidebar describes, else a line saying what it was trained with."""
    pair = _trained_with(model)
    if pair is None or pair == (setup.objective, setup.schedule):
        return ""
    return (f"The shown model was trained with {OBJECTIVES[pair[0]].short} on {SCHEDULES[pair[1]].short}; "
            f"press Train to train {OBJECTIVES[setup.objective].short} on {SCHEDULES[setup.schedule].short}.")


def match_note(model) -> str:
    """The line once the sidebar describes the shown model again ('' without a model)."""
    pair = _trained_with(model)
    if pair is None:
        return ""
    return (f"Objective and Schedule now describe the shown model: {OBJECTIVES[pair[0]].short} on "
            f"{SCHEDULES[pair[1]].short}.")


class PairNotes:
    """Remembers the last line it put on the status, to tell its own (stale) news from anyone else's."""

    def __init__(self):
        self.last = ""

    def after_change(self, setup, model, changed: str, status: str) -> str:
        """The status after `changed` ('objective' or 'schedule') moved: fix the pair, say what moved and
        what the shown model was trained with; else replace this class's own older line; else keep `status`."""
        note = fix_pair(setup, changed)
        line = " ".join(filter(None, [note, model_note(model, setup)]))
        if not line and status and status == self.last:  # its own line, no longer true
            line = match_note(model)
        if not line:
            return status if status != self.last else ""
        self.last = line
        return line
