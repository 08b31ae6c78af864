"""explorer.ui.jobs.training_slots: the first-come line for training slots, and the ticket two arms share.

Threads wait on events, never on sleeps: a helper thread says when it holds a slot, and holds it until the
test lets it go. Timeouts are only there so that a broken line fails the test instead of hanging it.
`acquire(ticket, stopped)` with an event that is already set is a non-blocking probe (`_probe`): it takes a slot
when the ticket would get one at once (front of the line and a slot free), else returns False and leaves the line.
"""
from __future__ import annotations

import os
import threading
import time

import pytest

from explorer.ui.jobs import training_slots
from explorer.ui.jobs.training_slots import SLOTS_ENV, Ticket, TrainingSlots, default_slots

TIMEOUT = 10.0  # seconds; safety only: every wait below normally ends in milliseconds


def _probe(slots: TrainingSlots) -> bool:
    """Try for a slot without waiting: acquire with a stop event that is already set. On a thread, so that a
    line that ignores its stop event fails the test instead of hanging it."""
    stopped, result = threading.Event(), []
    stopped.set()
    thread = threading.Thread(target=lambda: result.append(slots.acquire(object(), stopped)), daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert result, "acquire with its stop event set did not return"
    return result[0]


def _until(predicate, what: str):
    """Poll `predicate` until truthy (returned); fail after TIMEOUT saying `what`."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


class Runner:
    """A thread that waits in line with its own ticket, says when it holds a slot, and holds it until `go`."""

    def __init__(self, slots: TrainingSlots, name: str, log: list, lock: threading.Lock, go=None):
        self.slots, self.name, self.log, self.lock = slots, name, log, lock
        self.ticket = object()
        self.stop = threading.Event()
        self.holding = threading.Event()
        self.go = go if go is not None else threading.Event()
        self.result = None
        self.thread = threading.Thread(target=self._run, name=f"runner-{name}", daemon=True)

    def _run(self):
        self.result = self.slots.acquire(self.ticket, self.stop)
        if not self.result:
            return
        with self.lock:
            self.log.append(("in", self.name))
        self.holding.set()
        self.go.wait(TIMEOUT)
        with self.lock:
            self.log.append(("out", self.name))
        self.slots.release()

    def start(self) -> Runner:
        self.thread.start()
        return self

    def join(self):
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), f"{self.name} is still waiting"


def test_a_line_needs_a_slot():
    with pytest.raises(ValueError, match="at least one slot"):
        TrainingSlots(0)


def test_a_free_slot_is_taken_at_once_and_a_full_line_says_no_to_a_probe():
    slots = TrainingSlots(2)
    first = object()
    assert slots.acquire(first, threading.Event()) and _probe(slots)
    assert _probe(slots) is False  # both slots held
    assert _probe(slots) is False, "a probe that got no slot must leave the line (else it blocks the next)"
    slots.release()
    assert _probe(slots), "release frees a slot"
    assert slots.ahead(first) is None  # holding a slot is not waiting in line


def test_first_come_first_served_and_ahead_counts_the_runs_before_you():
    slots = TrainingSlots(1)
    log, lock = [], threading.Lock()
    holder = object()
    assert slots.acquire(holder, threading.Event())
    runners = []
    for i in range(4):  # each joins the line only once the one before is in it: a known order
        runner = Runner(slots, f"r{i}", log, lock).start()
        _until(lambda r=runner: slots.ahead(r.ticket) is not None, f"r{i} to queue")
        runners.append(runner)
    assert [slots.ahead(r.ticket) for r in runners] == [0, 1, 2, 3]
    assert log == []

    slots.release()  # the holder leaves: only the first in line may come in
    for i, runner in enumerate(runners):
        assert runner.holding.wait(TIMEOUT), f"r{i} never got the slot"
        assert slots.ahead(runner.ticket) is None
        # everyone behind moved up by one, and nobody else came in
        assert [slots.ahead(r.ticket) for r in runners[i + 1:]] == list(range(len(runners) - i - 1))
        assert not any(r.holding.is_set() for r in runners[i + 1:])
        runner.go.set()  # release: lets the next one in
        runner.join()
    assert log == [(what, f"r{i}") for i in range(4) for what in ("in", "out")]
    assert all(r.result is True for r in runners)


def test_never_more_than_size_holders_at_once():
    size, n = 2, 6
    slots = TrainingSlots(size)
    log, lock = [], threading.Lock()
    go = threading.Event()  # one release signal for all: every holder leaves as soon as it may
    runners = [Runner(slots, f"r{i}", log, lock, go=go).start() for i in range(n)]

    def settled():
        with lock:
            holders = sum(1 for what, _ in log if what == "in")
        waiting = [a for a in (slots.ahead(r.ticket) for r in runners) if a is not None]
        return holders + len(waiting) == n and (holders, sorted(waiting))

    holders, waiting = _until(settled, "every runner to hold a slot or stand in line")
    assert holders == size
    assert waiting == list(range(n - size)), "the others wait in one line: 0, 1, 2, ... ahead"

    go.set()
    for runner in runners:
        runner.join()
    inside, most = 0, 0
    for what, _name in log:
        inside += 1 if what == "in" else -1
        most = max(most, inside)
    assert most == size, log
    assert len(log) == 2 * n and all(r.result for r in runners)
    # every slot is free again: `size` probes get one, the next does not
    assert all(_probe(slots) for _ in range(size))
    assert _probe(slots) is False


def test_stop_while_waiting_returns_false_and_leaves_the_line():
    slots = TrainingSlots(1)
    log, lock = [], threading.Lock()
    holder = object()
    assert slots.acquire(holder, threading.Event())
    quitter = Runner(slots, "quitter", log, lock).start()
    _until(lambda: slots.ahead(quitter.ticket) == 0, "the quitter to queue")
    behind = Runner(slots, "behind", log, lock).start()
    _until(lambda: slots.ahead(behind.ticket) == 1, "the second runner to queue")

    quitter.stop.set()
    quitter.join()
    assert quitter.result is False and not quitter.holding.is_set()
    assert slots.ahead(quitter.ticket) is None
    assert slots.ahead(behind.ticket) == 0, "the one behind moves up when the quitter leaves"

    slots.release()  # the stopped run took no slot: the next in line gets this one
    assert behind.holding.wait(TIMEOUT)
    behind.go.set()
    behind.join()
    assert log == [("in", "behind"), ("out", "behind")]
    assert _probe(slots), "no slot leaked"


def test_a_shared_ticket_holds_one_slot_until_its_last_job_leaves():
    """The two arms of an A/B comparison: the first `enter` takes the slot, the second rides on it, and the
    slot is freed only by the last `leave`."""
    slots = TrainingSlots(1)
    ticket = Ticket(slots)
    assert ticket.enter(threading.Event()) and ticket.enter(threading.Event())
    assert ticket.ahead() is None  # it holds the slot
    assert _probe(slots) is False  # the one slot is taken, once
    ticket.leave()
    assert _probe(slots) is False, "the other arm still trains"
    ticket.leave()
    assert _probe(slots), "the last leave frees the slot"


def test_a_ticket_waiting_in_line_counts_ahead_and_can_be_stopped():
    slots = TrainingSlots(1)
    assert slots.acquire(object(), threading.Event())
    first, second = Ticket(slots), Ticket(slots)
    stops = {"first": threading.Event(), "second": threading.Event()}
    results = {}
    threads = {name: threading.Thread(target=lambda n=name, t=t: results.update({n: t.enter(stops[n])}), daemon=True)
               for name, t in (("first", first), ("second", second))}
    threads["first"].start()
    _until(lambda: first.ahead() == 0, "the first ticket to queue")
    threads["second"].start()
    _until(lambda: second.ahead() == 1, "the second ticket to queue")

    stops["first"].set()
    threads["first"].join(TIMEOUT)
    assert results == {"first": False} and first.ahead() is None
    assert second.ahead() == 0
    slots.release()
    threads["second"].join(TIMEOUT)
    assert results["second"] is True and second.ahead() is None
    second.leave()
    assert _probe(slots), "the stopped ticket must not hold a slot"


def test_tickets_share_the_process_line_by_default():
    assert Ticket().slots is training_slots.SLOTS
    own = TrainingSlots(3)
    assert Ticket(own).slots is own


@pytest.mark.parametrize("raw, expected", [("3", 3), (" 4 ", 4), ("1", 1), ("0", 1), ("-2", 1)])
def test_default_slots_reads_the_environment(monkeypatch, raw, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    monkeypatch.setenv(SLOTS_ENV, raw)
    assert default_slots() == expected


@pytest.mark.parametrize("raw", ["two", "2.5", "", "   "])
def test_default_slots_falls_back_to_one_per_core_when_invalid_or_empty(monkeypatch, raw):
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    monkeypatch.setenv(SLOTS_ENV, raw)
    assert default_slots() == 7


def test_default_slots_unset_is_one_per_core_and_at_least_one(monkeypatch):
    monkeypatch.delenv(SLOTS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 5)
    assert default_slots() == 5
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown core count
    assert default_slots() == 1
