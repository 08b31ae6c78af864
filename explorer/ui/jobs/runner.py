"""Job and JobRunner: every long piece of a session's work (training, A/B turns, log-density, the GIF, sweeps,
guidance measurements) as one kind of job, drained by one poller. No Panel here.

    runner = JobRunner()                                    # one per session (ExplorerState.jobs)
    runner.start("sweep", work, on_progress=show, on_done=finish)
    runner.poll()                                           # on the session's thread: news to the callbacks
    runner.stop_all()                                       # the session closed: every job stops, threads joined

`work(job)` runs in a daemon thread and never touches a Bokeh model (docs/performance.md#threads-and-the-poller).
It reports through its `Job`, whose state sits under one lock:
  - `job.progress(done, total=1)` (a fraction 0..1) and `job.say(message)`;
  - `job.add(key, *items)`: a list that grows until the session drains it (the training losses);
  - `job.put(key=value)`: the newest value wins (the training preview);
  - `job.stopped`, or `job.stop_event` handed to code that checks it (`train`, `sweep`).
What `work` returns is the job's result. An exception becomes its `error` (a message for the page) and the
thread ends quietly: the state keeps its previous result or model.

On the session's thread, `poll()` drains each job: `on_progress(news)` after every drain (the last one too),
then `on_done(news)` once it has finished. A served page gives the runner a poller (polling.serve_jobs): it
runs while a job does and stops when none is left, so an idle session runs no callback. Without one (tests,
a notebook with no server loop) call `poll()`, or `wait()`, yourself.
"""
from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from explorer.core.errors import ExplorerError

STOP_TIMEOUT_S = 2.0  # how long stop_all waits for the threads of a closed session


@dataclass
class JobNews:
    """What `Job.drain()` found: the job's progress and message, what it added and put since the last drain,
    and once it has finished, its result or error."""

    job: Job
    progress: float = 0.0
    message: str = ""
    added: dict[str, list] = field(default_factory=dict)
    latest: dict[str, object] = field(default_factory=dict)
    done: bool = False
    result: object = None
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.latest or self.done)


class Job:
    """One piece of work in a daemon thread. The work's side: progress, say, add, put, stopped, stop_event.
    The session's side: stop, join, alive, drain (the runner calls it)."""

    def __init__(self, name: str, work: Callable[[Job], object], on_progress=None, on_done=None, on_stop=None):
        self.name, self._work = name, work
        self.on_progress, self.on_done, self._on_stop = on_progress, on_done, on_stop
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._progress, self._message = 0.0, ""
        self._added: dict[str, list] = {}
        self._latest: dict[str, object] = {}
        self._done, self._result, self._error = False, None, ""
        self._thread = threading.Thread(target=self._run, name=f"explorer-{name}", daemon=True)

    # --- the work's side (its own thread) ------------------------------------------------------------
    def progress(self, done: float, total: float = 1.0) -> None:
        with self._lock:
            self._progress = min(1.0, max(0.0, done / total)) if total else 0.0

    def say(self, message: str) -> None:
        with self._lock:
            self._message = message

    def add(self, key: str, *items) -> None:
        with self._lock:
            self._added.setdefault(key, []).extend(items)

    def put(self, **latest) -> None:
        with self._lock:
            self._latest.update(latest)

    @property
    def stopped(self) -> bool:
        return self.stop_event.is_set()

    def _run(self) -> None:
        result, error = None, ""
        try:
            result = self._work(self)
        except ExplorerError as err:
            error = str(err)
        except Exception as err:  # noqa: BLE001 - report it on the page, never end the thread silently
            traceback.print_exc()
            error = f"{type(err).__name__}: {err}"
        with self._lock:
            self._done, self._result, self._error = True, result, error

    # --- the session's side ----------------------------------------------------------------------------
    def start(self) -> Job:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the work to stop (it ends at its next check of `stopped`); `on_stop` wakes a wait of its own."""
        first = not self.stop_event.is_set()
        self.stop_event.set()
        if first and self._on_stop is not None:
            self._on_stop()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def done(self) -> bool:
        with self._lock:
            return self._done

    def drain(self) -> JobNews:
        """Everything new since the last call (see JobNews); progress and message as they stand."""
        with self._lock:
            news = JobNews(self, self._progress, self._message, self._added, self._latest, self._done,
                           self._result, self._error)
            self._added, self._latest = {}, {}
        return news


class JobRunner:
    """The jobs of one session, and the one poller that drains them (see the module's docstring)."""

    def __init__(self, poller_factory: Callable[[Callable[[], object]], object] | None = None):
        self._jobs: list[Job] = []
        self._poller = None
        self._polling = False  # a callback that polls again (a wait inside on_done) must not drain twice
        if poller_factory is not None:
            self.use_poller(poller_factory)

    def use_poller(self, poller_factory) -> bool:
        """Drain the jobs with `poller_factory(self.poll)`: an object with start() and stop(), started while a
        job runs. False (nothing changed) if the runner has a poller already."""
        if self._poller is not None:
            return False
        self._poller = poller_factory(self.poll)
        if self._jobs:
            self._poller.start()
        return True

    @property
    def has_poller(self) -> bool:
        return self._poller is not None

    def start(self, name: str, work: Callable[[Job], object], *, on_progress=None, on_done=None,
              on_stop=None) -> Job:
        """Run `work(job)` in a thread and return its Job (callbacks: see the module's docstring)."""
        job = Job(name, work, on_progress=on_progress, on_done=on_done, on_stop=on_stop)
        self._jobs.append(job)
        job.start()
        if self._poller is not None:
            self._poller.start()
        return job

    @property
    def jobs(self) -> tuple[Job, ...]:
        """The jobs not drained to their end yet."""
        return tuple(self._jobs)

    def get(self, name: str) -> Job | None:
        """The newest job called `name` that has not been drained to its end, or None."""
        return next((job for job in reversed(self._jobs) if job.name == name), None)

    def running(self, name: str | None = None) -> bool:
        return any(name is None or job.name == name for job in self._jobs)

    def poll(self) -> bool:
        """Drain every job into its callbacks (the session's thread). True if any had news."""
        if self._polling:
            return False
        self._polling, changed = True, False
        try:
            changed = self._drain_all()
        finally:
            self._polling = False
        if not self._jobs and self._poller is not None:
            self._poller.stop()
        return changed

    def _drain_all(self) -> bool:
        changed = False
        for job in list(self._jobs):
            news = job.drain()
            changed = changed or news.changed
            if news.done:
                self._jobs.remove(job)
            try:
                if job.on_progress is not None:
                    job.on_progress(news)
                if news.done and job.on_done is not None:
                    job.on_done(news)
            except Exception:  # noqa: BLE001 - one state's bug must not stop the other jobs' news
                traceback.print_exc()
        return changed

    def wait(self, timeout: float | None = None, name: str | None = None) -> bool:
        """Join the jobs (those called `name`), then poll: for tests and notebooks without a server loop.
        True if none of them is left running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for job in [j for j in self._jobs if name is None or j.name == name]:
            job.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        self.poll()
        return not self.running(name)

    def cancel(self, job: Job) -> None:
        """Stop `job` and drop its callbacks: what it still finds is for nobody (its inputs are gone)."""
        job.on_progress = job.on_done = None
        job.stop()

    def stop_all(self, timeout: float = STOP_TIMEOUT_S) -> list[str]:
        """The session's teardown: stop every job, join the threads within `timeout` in all, stop the poller.
        No callback runs afterwards. Returns the names of the jobs whose threads outlived the timeout."""
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.on_progress = job.on_done = None
            job.stop()
        deadline = time.monotonic() + timeout
        for job in jobs:
            job.join(max(0.0, deadline - time.monotonic()))
        if self._poller is not None:
            self._poller.stop()
        return [job.name for job in jobs if job.alive]
