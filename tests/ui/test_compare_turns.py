"""The A/B turn-taking in explorer.ui.session.compare_state: `_Baton` and `_TurnWork`, without CompareState around them.

A probe records every training step with the arm that computes it (a wrapper around the training loop's
`training_target`, called once per step) and the end of every turn (the job's progress callback, just before
it hands the baton on). An arm is "inside" from its first step of a turn to that callback; a step of the other
arm while one is inside is an overlap. Tiny networks and budgets keep this fast; timeouts are only safety.
"""
from __future__ import annotations

import threading
from itertools import groupby

import pytest
import torch

import explorer.training.training
from explorer import train
from explorer.data import datasets
from explorer.training.config import TrainConfig
from explorer.ui.jobs.runner import JobRunner
from explorer.ui.jobs.training_job import TrainingNews, TrainingWork
from explorer.ui.jobs.training_slots import Ticket, TrainingSlots
from explorer.ui.session.compare_state import _Baton, _TurnWork

TIMEOUT = 30.0  # seconds; safety only (each pair trains in well under a second)
POINTS = datasets.load("three_dots", n=200, seed=0)


def _config(steps: int = 30, objective: str = "velocity", schedule: str = "rectified", seed: int = 0) -> TrainConfig:
    return TrainConfig(objective=objective, schedule=schedule, width=8, batch_size=16, fourier_features=0,
                       steps=steps, seed=seed)


class Probe:
    """Which arm is inside its turn, every step in order, every turn's end, and any overlap."""

    def __init__(self):
        self.local = threading.local()  # the arm of the current thread (set by ProbeJob)
        self._lock = threading.Lock()
        self.inside: str | None = None
        self.steps: list[str] = []  # one label per training step, in the order they ran
        self.turn_ends: list[tuple[str, int]] = []  # (label, step) of every progress callback
        self.overlaps: list[str] = []

    def on_step(self) -> None:
        label = getattr(self.local, "label", None)
        if label is None:
            return  # not an arm's thread
        with self._lock:
            if self.inside not in (None, label):
                self.overlaps.append(f"{label} computed step {self.steps.count(label) + 1} while {self.inside} "
                                     f"was inside its turn")
            self.inside = label
            self.steps.append(label)

    def on_turn_end(self, label: str, step: int) -> None:
        with self._lock:
            if self.inside != label:
                self.overlaps.append(f"{label} ended a turn at step {step} while {self.inside} was inside")
            self.inside = None
            self.turn_ends.append((label, step))

    def turns(self) -> list[tuple[str, int]]:
        """The steps as (arm, how many in a row)."""
        return [(label, len(list(run))) for label, run in groupby(self.steps)]


class ProbeWork(_TurnWork):
    def __init__(self, *args, probe: Probe, **kwargs):
        super().__init__(*args, **kwargs)
        self.probe = probe

    def __call__(self, job):
        self.probe.local.label = self.label
        return super().__call__(job)

    def on_progress(self, job, step, loss, preview) -> None:
        self.probe.on_turn_end(self.label, step)
        super().on_progress(job, step, loss, preview)  # hands the baton on and waits for it


def _news(job, work) -> TrainingNews:
    return TrainingNews.of(job.drain(), work.ticket)


@pytest.fixture
def probe(monkeypatch) -> Probe:
    probe = Probe()
    real = explorer.training.training.training_target

    def counted(*args, **kwargs):
        probe.on_step()
        return real(*args, **kwargs)

    monkeypatch.setattr(explorer.training.training, "training_target", counted)
    return probe


def _pair(configs: dict[str, TrainConfig], probe: Probe) -> dict:
    """Train the arms in turns as CompareState.train_both does (one baton, one shared ticket); the jobs' news."""
    baton = _Baton(list(configs))
    ticket = Ticket(TrainingSlots(1))
    runner = JobRunner()
    works = {label: ProbeWork(POINTS, cfg, baton, label, ticket, probe=probe) for label, cfg in configs.items()}
    jobs = {label: runner.start(label, work) for label, work in works.items()}
    for label, job in jobs.items():
        job.join(TIMEOUT)
        assert not job.alive, f"arm {label} did not finish: turns {probe.turns()}"
    news = {label: _news(job, works[label]) for label, job in jobs.items()}
    for label, n in news.items():
        assert n.done and n.error is None and n.model is not None, (label, n.error)
    return news


@pytest.mark.parametrize("steps, turns", [
    (30, [("A", 10), ("B", 10)] * 3),
    (25, [("A", 10), ("B", 10)] * 2 + [("A", 5), ("B", 5)]),  # the last turn is what is left of the budget
])
def test_the_arms_never_compute_at_once_and_take_turns_of_ten_steps(probe, steps, turns):
    news = _pair({"A": _config(steps), "B": _config(steps, "eps", "cosine")}, probe)
    assert probe.overlaps == []
    assert probe.turns() == turns
    assert probe.turn_ends == [(label, min(10 * (i // 2 + 1), steps)) for i, (label, _) in enumerate(turns)]
    for n in news.values():
        assert n.model.log.steps_done == steps and n.step == steps


@pytest.mark.parametrize("budgets, turns", [
    ({"A": 20, "B": 40}, [("A", 10), ("B", 10), ("A", 10), ("B", 30)]),
    ({"A": 40, "B": 20}, [("A", 10), ("B", 10), ("A", 10), ("B", 10), ("A", 20)]),
])
def test_when_one_arm_finishes_the_other_trains_alone_to_the_end(probe, budgets, turns):
    news = _pair({label: _config(steps, seed=i) for i, (label, steps) in enumerate(budgets.items())}, probe)
    assert probe.overlaps == []
    assert probe.turns() == turns
    for label, steps in budgets.items():
        assert news[label].model.log.steps_done == steps
        assert [s for s, _ in news[label].losses] == list(range(10, steps + 1, 10))


class _SpyCondition(threading.Condition):
    """A Condition that counts the threads that went to sleep in it (released while holding the lock, so a
    notify sent after the count was seen cannot be missed)."""

    def __init__(self):
        super().__init__()
        self.sleepers = threading.Semaphore(0)

    def wait(self, timeout=None):
        self.sleepers.release()
        return super().wait(timeout)


def test_halt_releases_every_waiter():
    baton = _Baton(["A", "B"])
    baton._cond = spy = _SpyCondition()
    returned = []
    waiters = [
        threading.Thread(target=lambda: (baton.wait("B"), returned.append("B waited")), daemon=True),  # not its turn
        threading.Thread(target=lambda: (baton.pass_on("A"), returned.append("A passed")), daemon=True),
    ]
    waiters[0].start()
    assert spy.sleepers.acquire(timeout=TIMEOUT), "B should sleep: the first turn is A's"
    waiters[1].start()
    # A hands the turn to B, which wakes, finds it is its turn and returns; A sleeps until the turn is back
    waiters[0].join(TIMEOUT)
    assert not waiters[0].is_alive() and returned == ["B waited"]
    assert spy.sleepers.acquire(timeout=TIMEOUT), "A should sleep after passing the turn"
    assert waiters[1].is_alive() and returned == ["B waited"]

    baton.halt()
    waiters[1].join(TIMEOUT)
    assert not waiters[1].is_alive() and returned == ["B waited", "A passed"]
    # once halted, nobody waits any more
    late = threading.Thread(target=lambda: (baton.wait("B"), baton.pass_on("B"), returned.append("late")), daemon=True)
    late.start()
    late.join(TIMEOUT)
    assert returned[-1] == "late"


class HoldingWork(ProbeWork):
    """Arm A stops at the end of its first turn, before passing the baton, until the test lets it go."""

    def __init__(self, *args, paused: threading.Event, resume: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.paused, self.resume = paused, resume

    def on_progress(self, job, step, loss, preview) -> None:
        if self.label == "A" and not self.paused.is_set():
            self.paused.set()
            assert self.resume.wait(TIMEOUT)
        super().on_progress(job, step, loss, preview)


def test_stop_with_halt_frees_the_arm_waiting_for_its_turn(probe):
    """What CompareState.stop does: stop both jobs and halt the baton. B, waiting for a turn A never gives,
    ends at once (stop alone would leave it waiting); A ends at its next step."""
    paused, resume = threading.Event(), threading.Event()
    baton = _Baton(["A", "B"])
    ticket = Ticket(TrainingSlots(1))
    works = {label: HoldingWork(POINTS, _config(40), baton, label, ticket, probe=probe, paused=paused, resume=resume)
             for label in "AB"}
    runner = JobRunner()
    try:
        jobs = {label: runner.start(label, work) for label, work in works.items()}
        assert paused.wait(TIMEOUT), "A never reached the end of its first turn"
        assert probe.steps == ["A"] * 10
        for job in jobs.values():
            job.stop()
        baton.halt()
        jobs["B"].join(TIMEOUT)
        assert not jobs["B"].alive, "halt did not release B"
        assert jobs["A"].alive  # still paused: B was released by the halt, not by A's turn ending
    finally:
        resume.set()
    jobs["A"].join(TIMEOUT)
    assert not jobs["A"].alive
    a, b = _news(jobs["A"], works["A"]), _news(jobs["B"], works["B"])
    assert b.model.log.steps_done == 0 and b.model.log.stopped
    assert a.model.log.steps_done == 10 and a.model.log.stopped
    assert probe.steps == ["A"] * 10 and probe.overlaps == []


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.net.state_dict().items()}


def _assert_bit_identical(model, reference) -> None:
    got, want = _weights(model), _weights(reference)
    assert got.keys() == want.keys()
    for key in want:
        assert torch.equal(got[key], want[key]), f"{key} differs"
    assert model.log.losses == reference.log.losses


@pytest.mark.parametrize("partner", ["the same config", "another config"])
def test_turns_change_nothing_the_weights_match_training_alone_bit_for_bit(probe, partner):
    cfg = _config(30, objective="x0", schedule="cosine", seed=3)
    other = cfg if partner == "the same config" else _config(30, objective="eps", schedule="linear", seed=4)
    alone = train(POINTS, cfg)
    work = TrainingWork(POINTS, cfg, ticket=Ticket(TrainingSlots(1)))
    job = JobRunner().start("training", work)  # alone, but on a thread as in the UI
    job.join(TIMEOUT)
    assert not job.alive
    alone_in_a_thread = _news(job, work).model
    _assert_bit_identical(alone_in_a_thread, alone)

    news = _pair({"A": cfg, "B": other}, probe)
    assert probe.turns() == [("A", 10), ("B", 10)] * 3 and probe.overlaps == []
    _assert_bit_identical(news["A"].model, alone)
    if partner == "the same config":
        _assert_bit_identical(news["B"].model, alone)
    else:  # the check can tell models apart: a different config gives different weights
        b, ref = _weights(news["B"].model), _weights(alone)
        assert any(not torch.equal(b[key], ref[key]) for key in ref)
