"""The Lessons card: pick a lesson, read a step, predict, reveal, and move on. The logic is LessonState."""
from __future__ import annotations

import html

import panel as pn

from explorer.ui.base import StateView
from explorer.ui.session.lesson_state import LessonState

PICK = "Choose a lesson…"
# One answer is asked for: round radio buttons (the page's design draws every input square), and a long
# choice wraps inside the sidebar instead of running past its edge.
CHOICES_CSS = ("input[type='radio'] {border-radius: 50%;} "
               "label {white-space: normal; align-items: flex-start; overflow-wrap: anywhere;}")


class LessonsView(StateView):
    """`LessonsView(state=s, tabs=(...), show_tab=fn)`: `show_tab(name)` switches the dashboard's tab."""

    def __init__(self, tabs=(), show_tab=None, **params):
        super().__init__(**params)
        self.lessons = LessonState(state=self.state, tabs=tabs)
        self._show_tab = show_tab
        names = {PICK: ""} | {lesson.title: name for name, lesson in self.lessons.lessons.items()}
        self.select = pn.widgets.Select(options=names, value="", sizing_mode="stretch_width", name="Lesson")
        self.body = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 8), name="lesson_body")
        self.choices = pn.widgets.RadioBoxGroup(options=[], inline=False, margin=(0, 12), sizing_mode="stretch_width",
                                                stylesheets=[CHOICES_CSS])
        self.reveal = pn.widgets.Button(label="Reveal", color="primary", width=90)
        self.answer = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 8), name="lesson_answer")
        self.back = pn.widgets.Button(label="◀ Back", width=80)
        self.next = pn.widgets.Button(label="Next ▶", width=80, color="primary")
        self.where = pn.pane.Markdown("", margin=(8, 4))
        self.select.param.watch(self._on_select, "value")
        self.reveal.on_click(lambda *_: self._hold(self._reveal))
        self.back.on_click(lambda *_: self._hold(self.lessons.go, -1))
        self.next.on_click(lambda *_: self._hold(self.lessons.go, 1))
        self.lessons.param.watch(lambda *_: self._show(), ["lesson", "step", "revealed"])
        self.lessons.param.watch(lambda e: self._show_tab and e.new and self._show_tab(e.new), "tab")
        self._show()

    @staticmethod
    def _hold(fn, *args):
        with pn.io.hold():
            fn(*args)

    def _on_select(self, event):
        if event.new and event.new != self.lessons.lesson:  # (a teacher's link has opened it already)
            self._hold(self.lessons.open, event.new)

    def _reveal(self):
        options = list(self.choices.options)
        picked = options.index(self.choices.value) if self.choices.value in options else None
        self.lessons.reveal(picked)

    def open(self, name: str, step: int = 0) -> bool:
        """Open a lesson at a step (from 0), as a teacher's link does."""
        ok = self.lessons.open(name, step)
        if ok:
            self.select.value = name
        return ok

    def _show(self):
        ls, lesson = self.lessons, self.lessons.current
        if lesson is None:
            self.body.object = ("Short guided tours: each sets the app up, asks you to predict what happens, "
                                "then shows it. Pick one above.")
            for w in (self.choices, self.reveal, self.answer, self.back, self.next, self.where):
                w.visible = False
            return
        step = lesson.steps[ls.step]
        self.body.object = f"**{html.escape(step.title)}**\n\n{step.text}" + (
            f"\n\n**{html.escape(step.question)}**" if step.question else "")
        asks = bool(step.question)
        self.choices.options = list(step.choices)
        self.choices.disabled = ls.revealed
        self.choices.visible = self.reveal.visible = asks and not ls.revealed
        self.answer.visible = ls.revealed
        if ls.revealed and asks:
            right = step.choices[step.answer]
            verdict = ("✔ Right." if ls.picked == step.answer else
                       f"✘ Not quite: the answer is “{right}”." if ls.picked is not None else f"The answer: “{right}”.")
            self.answer.object = f"{verdict}\n\n{step.reveal_text}"
        self.back.visible = self.next.visible = self.where.visible = True
        self.back.disabled, self.next.disabled = ls.step == 0, ls.step == len(lesson.steps) - 1
        self.where.object = f"step {ls.step + 1} of {len(lesson.steps)}"

    def __panel__(self):
        return pn.Column(self.select, self.body, self.choices, self.reveal, self.answer,
                         pn.Row(self.back, self.where, self.next), sizing_mode="stretch_width")
