"""Lessons: every shipped lesson parses and every setting it makes is one the sidebar could make; steps,
the prediction and the reveal drive the session through its own parameters."""
from __future__ import annotations

import pytest

from explorer.core.errors import ExplorerError
from explorer.lessons import load_lessons, parse
from explorer.ui.explorer import Explorer
from explorer.ui.session.lesson_state import LessonState, check_settings
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.lessons_view import LessonsView

LESSONS = load_lessons()


def test_there_are_ten_lessons_each_ending_with_something_to_try():
    assert list(LESSONS) == ["forward", "objectives", "trajectories", "paths_not_taken", "memorisation",
                             "few_steps", "guidance", "straight_paths", "inside", "one_step"]
    for lesson in LESSONS.values():
        assert lesson.steps[-1].title == "Try this" and any(s.question for s in lesson.steps)


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_setting_of_every_lesson_is_valid(name):
    state = ExplorerState()
    for step in LESSONS[name].steps:
        for settings in (step.settings, step.reveal_settings):
            check_settings(state, settings, Explorer.TAB_NAMES)  # raises on an unknown key or a bad value


def test_a_lesson_drives_the_state_and_the_tab():
    state = ExplorerState()
    ls = LessonState(state=state, tabs=Explorer.TAB_NAMES)
    assert ls.open("memorisation", 1)
    assert (state.train_points, state.use_oracle, ls.step) == (50, False, 1)
    assert ls.reveal(1) and state.use_oracle and ls.revealed and ls.picked == 1
    assert ls.go(1) and not ls.revealed and state.train_points == 2000 and not state.use_oracle
    assert not ls.go(1)  # the last step
    assert ls.open("few_steps", 0) and ls.tab == "Schedule" and state.sampler == "euler"
    assert state.run.settings.steps == 8
    assert not ls.open("nope") and "There is no lesson 'nope'" in state.error


def test_the_view_asks_then_reveals_and_a_teacher_link_opens_a_step():
    explorer = Explorer()
    view = LessonsView(state=explorer.state, tabs=explorer.TAB_NAMES, show_tab=explorer.show_tab)
    assert view.open("forward", 1)
    assert view.select.value == "forward" and view.where.object == "step 2 of 3"
    assert view.choices.visible and not view.answer.visible and "At t = 0.5" not in view.body.object
    view.choices.value = view.choices.options[0]  # a wrong guess
    view._reveal()
    assert view.answer.visible and view.answer.object.startswith("✘ Not quite")
    assert "At t = 0.5" in view.answer.object
    assert abs(explorer.state.run.times[explorer.state.frame] - 0.5) < 0.02  # the reveal moved the time
    assert explorer.tabs.active == explorer.TAB_NAMES.index("Densities")


def test_a_malformed_lesson_says_where():
    with pytest.raises(ExplorerError, match="front matter"):
        parse("## no front matter")
    with pytest.raises(ExplorerError, match="step 1: a question needs two or more choices"):
        parse("---\ntitle: T\n---\n## S\n? Why?\n- only one\n")
    with pytest.raises(ExplorerError, match="there is no setting 'colour'"):
        check_settings(ExplorerState(), {"colour": "red"})
    with pytest.raises(ExplorerError, match="there is no tab 'Nowhere'"):
        check_settings(ExplorerState(), {"tab": "Nowhere"}, Explorer.TAB_NAMES)


STEPS = [(name, i) for name, lesson in LESSONS.items() for i, step in enumerate(lesson.steps) if step.question]


@pytest.mark.parametrize(("name", "index"), STEPS)
def test_every_shipped_question_hides_its_explanation_until_reveal(name, index):
    """What the student reads before answering holds none of the reveal's text; Reveal shows all of it."""
    step = LESSONS[name].steps[index]
    assert step.reveal_text, "a question without an explanation"
    explorer = Explorer()
    view = LessonsView(state=explorer.state, tabs=explorer.TAB_NAMES, show_tab=explorer.show_tab)
    assert view.open(name, index)
    shown_before = view.body.object
    for line in step.reveal_text.splitlines():
        if line.strip():
            assert line.strip() not in shown_before, f"{name} step {index + 1} gives the answer away: {line!r}"
    assert not view.answer.visible and view.choices.visible
    assert len(view.choices.options) == len(step.choices) >= 2  # one radio group: one answer is asked for
    view.choices.value = view.choices.options[step.answer]
    view._reveal()
    assert view.answer.visible and view.answer.object.startswith("✔ Right")
    assert step.reveal_text in view.answer.object


def test_a_question_without_a_hidden_explanation_is_refused():
    head = "---\ntitle: t\n---\n## Step\n? Which?\n- a\n- [x] b\n"
    with pytest.raises(ExplorerError, match=r"step 1: a question needs an explanation in '> ' lines"):
        parse(head + "> set: time=0.5\n")
    with pytest.raises(ExplorerError, match=r"step 1: after the question only .* got 'The answer is b'"):
        parse(head + "> set: time=0.5\nThe answer is b\n")
    with pytest.raises(ExplorerError, match="need a '\\? ' question"):
        parse("---\ntitle: t\n---\n## Step\n> an answer to nothing\n")
    lesson = parse(head + "> set: time=0.5\n> Because b.\n")
    assert lesson.steps[0].reveal_text == "Because b." and lesson.steps[0].text == ""
