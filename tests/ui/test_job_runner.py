"""explorer.ui.jobs.runner: one Job type and one JobRunner per session, without Panel (the poller is injected:
a recording fake here, `runner.poll()` by hand as a served page's poller would call it)."""
from __future__ import annotations

import threading
import time

import pytest

from explorer.core.errors import ExplorerError
from explorer.ui.jobs import training_job
from explorer.ui.jobs.runner import JobRunner
from explorer.ui.session.state import ExplorerState

TIMEOUT = 10.0  # safety only: every job here ends in milliseconds once let go


class FakePoller:
    """What polling.Poller is to a served page: records start/stop instead of ticking on an event loop."""

    def __init__(self, poll):
        self.poll, self.running, self.starts, self.stops = poll, False, 0, 0

    def start(self):
        self.running, self.starts = True, self.starts + 1

    def stop(self):
        self.running, self.stops = False, self.stops + (1 if self.running else 0)

    def tick_until(self, predicate, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            assert self.running, "the poller stopped while a job still had news"
            self.poll()
            time.sleep(0.005)


@pytest.fixture
def runner():
    runner = JobRunner(FakePoller)
    yield runner
    assert runner.stop_all() == []


def _until_stopped(job):
    """A work that runs until its job is stopped, then returns how it ended."""
    while not job.stopped:
        time.sleep(0.001)
    return "stopped"


def test_a_job_reports_progress_messages_items_and_its_result(runner):
    go = [threading.Event() for _ in range(3)]
    seen, done = [], []

    def work(job):
        for k in range(3):
            go[k].wait(TIMEOUT)
            job.progress(k + 1, 4)
            job.say(f"part {k + 1}")
            job.add("losses", (k, float(k)))
            job.put(preview=f"preview {k}")
        return 42

    def on_progress(news):
        seen.append((news.progress, news.message, news.added.get("losses", []), news.latest.get("preview")))

    runner.start("count", work, on_progress=on_progress, on_done=done.append)
    runner.poll()
    assert seen == [(0.0, "", [], None)] and done == []
    go[0].set()
    runner._poller.tick_until(lambda: seen[-1][3] == "preview 0")  # put last: all of part 1 is in
    assert seen[-1][:2] == (0.25, "part 1") and sum((s[2] for s in seen), []) == [(0, 0.0)]
    runner.poll()  # nothing new: the items were drained, the newest value too; progress and message stay
    assert seen[-1] == (0.25, "part 1", [], None)
    go[1].set()
    go[2].set()
    runner._poller.tick_until(lambda: done)
    assert seen[-1][:2] == (0.75, "part 3")
    # every item arrives once and in order, and the newest preview last; then on_done, once
    assert sum((s[2] for s in seen), []) == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert seen[-1][3] == "preview 2"
    assert len(done) == 1 and done[0].result == 42 and done[0].error == "" and done[0].done
    runner.poll()
    assert len(done) == 1 and not runner.running()


def test_stop_all_stops_every_running_job_and_joins_their_threads(runner):
    woken = []
    waiting = threading.Event()

    def own_wait(job):  # a wait of its own (the A/B baton): only on_stop wakes it
        waiting.wait()
        return "woken"

    jobs = [runner.start(f"spin-{k}", _until_stopped) for k in range(3)]
    jobs.append(runner.start("own-wait", own_wait, on_stop=lambda: (woken.append(1), waiting.set())))
    called = []
    for job in jobs:
        job.on_done = called.append
    assert all(job.alive for job in jobs) and runner._poller.running
    started = time.monotonic()
    assert runner.stop_all(timeout=TIMEOUT) == []
    assert time.monotonic() - started < 1.0
    assert not any(job.alive for job in jobs) and woken == [1]
    assert not runner.running() and not runner._poller.running
    runner.poll()
    assert called == []  # a closed session's state hears nothing more


def test_stop_all_names_a_job_that_outlives_the_timeout():
    runner = JobRunner()
    release = threading.Event()
    job = runner.start("stubborn", lambda job: release.wait(TIMEOUT))  # never looks at `stopped`
    started = time.monotonic()
    assert runner.stop_all(timeout=0.2) == ["stubborn"]
    assert 0.15 < time.monotonic() - started < 1.0
    release.set()
    job.join(TIMEOUT)
    assert not job.alive


@pytest.mark.parametrize("raise_", [lambda: 1 / 0, lambda: (_ for _ in ()).throw(ExplorerError("no data here"))])
def test_an_exception_in_a_job_arrives_as_an_error_message_on_the_sessions_thread(runner, raise_):
    results = []

    def on_done(news):
        results.append((news.result, news.error, threading.current_thread() is threading.main_thread()))

    runner.start("boom", lambda job: raise_(), on_done=on_done)
    runner._poller.tick_until(lambda: results)
    result, error, on_main = results[0]
    assert result is None and on_main
    assert error in ("ZeroDivisionError: division by zero", "no data here")


def test_a_failed_training_run_is_a_message_and_the_previous_model_stays(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    state = ExplorerState(dataset="three_dots", train_steps=20, n_samples=100, sample_steps=5)
    before, run = state.model, state.run
    assert before is not None
    monkeypatch.setattr(training_job, "train", broken)
    assert state.start_training()
    assert state.jobs.wait(timeout=TIMEOUT)
    assert not state.training
    assert state.error == "training failed: RuntimeError: out of memory"
    assert state.model is before and state.run is run


def test_two_jobs_of_different_kinds_run_under_one_poller(runner):
    state = ExplorerState(dataset="three_dots", train_steps=60, n_samples=100, sample_steps=5)
    state.jobs = runner  # the session's runner, with the fake poller
    old_model = state.model
    gate = threading.Event()
    measured = []
    assert state.start_training()
    runner.start("measure", lambda job: (gate.wait(120), job.progress(1), "measured")[2],
                 on_done=lambda news: measured.append(news.result))
    assert {job.name for job in runner.jobs} == {"training", "measure"}
    assert runner._poller.starts == 2 and runner._poller.stops == 0  # one poller, started for each job
    runner._poller.tick_until(lambda: not state.training, timeout=60)
    assert state.model is not old_model and state.model.log.steps_done == 60 and state.losses
    assert runner._poller.running and measured == []  # the other job still runs: the poller goes on
    gate.set()
    runner._poller.tick_until(lambda: measured)
    assert measured == ["measured"] and not runner.running()


def test_the_poller_runs_only_while_a_job_runs(runner):
    poller = runner._poller
    assert not poller.running
    runner.poll()  # nothing to drain: nothing starts
    assert not poller.running and poller.starts == 0
    gate = threading.Event()
    runner.start("short", lambda job: gate.wait(TIMEOUT))
    assert poller.running
    runner.poll()
    assert poller.running  # still working
    gate.set()
    poller.tick_until(lambda: not runner.running())
    assert not poller.running and poller.stops == 1
    runner.start("again", lambda job: None)
    assert poller.running and poller.starts == 2
    poller.tick_until(lambda: not runner.running())
    assert not poller.running and poller.stops == 2


def test_a_poller_given_while_a_job_runs_starts_at_once():
    runner = JobRunner()
    job = runner.start("early", _until_stopped)
    assert runner.use_poller(FakePoller)
    assert runner._poller.running
    assert not runner.use_poller(FakePoller)  # one poller per runner
    job.stop()
    runner._poller.tick_until(lambda: not runner.running())
    assert not runner._poller.running


def test_a_bug_in_one_states_callback_does_not_stop_the_others_news(runner, capsys):
    got = []
    runner.start("bad", lambda job: 1, on_done=lambda news: 1 / 0)
    runner.start("good", lambda job: 2, on_done=lambda news: got.append(news.result))
    runner._poller.tick_until(lambda: not runner.running())
    assert got == [2] and not runner._poller.running
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_a_cancelled_job_calls_nobody_back(runner):
    heard = []
    job = runner.start("old data", _until_stopped, on_progress=heard.append, on_done=heard.append)
    runner.cancel(job)
    job.join(TIMEOUT)
    runner.poll()
    assert heard == [] and not job.alive and not runner.running()


def test_a_page_gives_its_runner_one_poller_however_many_views_ask():
    from explorer.ui.jobs.polling import Poller, serve_jobs

    runner = JobRunner()
    serve_jobs(runner)
    poller = runner._poller
    serve_jobs(runner)  # the next view of the same session
    assert isinstance(poller, Poller) and runner._poller is poller


def test_a_callback_that_polls_again_does_not_drain_twice():
    runner = JobRunner()
    done = []
    first = runner.start("first", lambda job: 1, on_done=lambda news: (done.append(news.result), runner.poll()))
    second = runner.start("second", lambda job: 2, on_done=lambda news: done.append(news.result))
    first.join(TIMEOUT)
    second.join(TIMEOUT)
    assert runner.poll()
    assert done == [1, 2] and not runner.running()  # each on_done once, in order
