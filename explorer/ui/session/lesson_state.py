"""A lesson in progress: which lesson and step, the student's guess, and applying a step's settings. No Panel.

Settings go through the session state's own parameters (the sidebar's), checked like a shared link's
(url_state.coerce), so a step never sets what the sidebar could not, and the student can keep playing.
Two keys are not parameters: `tab` (a tab's name) and `time` (the shown t, 0 = data, 1 = noise). An
unknown key or a bad value is an error that names the lesson and the step.
"""
from __future__ import annotations

import numpy as np
import param

from explorer.core.errors import ExplorerError
from explorer.lessons import Lesson, load_lessons
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.url_state import coerce
from explorer.ui.tabs import labels as tab_labels
from explorer.ui.tabs import tab_name

SPECIAL = ("tab", "time")


def _value(state: ExplorerState, key: str, raw: str):
    p = state.param[key] if key in state.param else None
    if p is None or key in ("data", "model", "run", "status", "error", "quality"):
        raise ExplorerError(f"there is no setting {key!r}")
    if isinstance(p, param.Boolean):
        if raw.lower() not in ("true", "false"):
            raise ExplorerError(f"{key} must be true or false, got {raw!r}")
        return raw.lower() == "true"
    value, note = coerce(p, key, raw)
    if value is None or note:
        raise ExplorerError(note or f"{key}={raw!r} cannot be used")
    return value


def check_settings(state: ExplorerState, settings: dict[str, str], tabs=()) -> dict:
    """Settings as values (ExplorerError on the first bad one). `tabs`: the tab names that exist."""
    out = {}
    for key, raw in settings.items():
        if key == "tab":  # a tab's label or name (the registered tabs, explorer/ui/tabs.py)
            if tab_name(raw) is None or (tabs and raw not in tabs and tab_name(raw) not in map(tab_name, tabs)):
                raise ExplorerError(f"there is no tab {raw!r}; tabs: {', '.join(tabs or tab_labels())}")
            out[key] = raw
        elif key == "time":
            t = float(raw)
            if not 0 <= t <= 1:
                raise ExplorerError(f"time must be between 0 and 1, got {raw!r}")
            out[key] = t
        else:
            out[key] = _value(state, key, raw)
    return out


class LessonState(param.Parameterized):
    state = param.ClassSelector(class_=ExplorerState, constant=True)
    lesson = param.String(default="", doc="The open lesson's name ('' for none).")
    step = param.Integer(default=0, bounds=(0, None), doc="The shown step (from 0).")
    picked = param.Integer(default=None, allow_None=True, doc="The student's choice for the step's question.")
    revealed = param.Boolean(default=False, doc="Whether the step's answer is shown.")
    tab = param.String(default="", doc="The tab the step asked for (the view switches to it).")

    def __init__(self, lessons: dict[str, Lesson] | None = None, tabs=(), **params):
        super().__init__(**params)
        self.lessons = load_lessons() if lessons is None else lessons
        self.tabs = tuple(tabs)

    @property
    def current(self) -> Lesson | None:
        return self.lessons.get(self.lesson)

    def open(self, name: str, step: int = 0) -> bool:
        """Open lesson `name` at `step` (from 0) and apply it; False (and state.error) if there is none."""
        if name not in self.lessons:
            self.state.error = f"There is no lesson {name!r}; lessons: {', '.join(self.lessons)}."
            return False
        steps = self.lessons[name].steps
        self.param.update(lesson=name, step=min(max(int(step), 0), len(steps) - 1), picked=None, revealed=False)
        # Landing on step k (a teacher's link) sets up what steps 1..k set, the later winning.
        settings = {}
        for earlier in steps[: self.step + 1]:
            settings.update(earlier.settings)
        return self._apply(settings)

    def go(self, delta: int) -> bool:
        lesson = self.current
        if lesson is None or not 0 <= self.step + delta < len(lesson.steps):
            return False
        self.param.update(step=self.step + delta, picked=None, revealed=False)
        return self._apply(lesson.steps[self.step].settings)

    def reveal(self, choice: int | None = None) -> bool:
        """Show the answer (after the student's `choice`) and apply the reveal's settings."""
        if self.current is None:
            return False
        step = self.current.steps[self.step]
        self.param.update(picked=choice, revealed=True)
        return self._apply(step.reveal_settings)

    def _apply(self, settings: dict[str, str]) -> bool:
        st = self.state
        try:
            values = check_settings(st, settings, self.tabs)
        except ExplorerError as err:
            st.error = f"Lesson {self.lesson}, step {self.step + 1}: {err}"
            return False
        tab, t = values.pop("tab", None), values.pop("time", None)
        if "dataset" in values:
            st.dataset = values.pop("dataset")
        if values:
            st.param.update(**values)
        if t is not None and st.run is not None:
            st.frame = int(np.abs(st.run.times - t).argmin())
        if tab:
            self.tab = tab
        return True
