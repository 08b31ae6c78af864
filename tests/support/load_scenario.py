"""A class on one server, as figures: many sessions open, some training, one idle student's widget round trip.

Used by tests/server/test_classroom.py (which asserts that the server holds) and bench/bench_load.py (which prints the
figures). Sessions are headless Bokeh clients (session_client.py): the server does all the work a browser
tab would make it do, and the test machine does not pay for thirty renderers.

The round trip: the idle session changes the Sampler select (Heun <-> Euler), the server resamples 1000
points x 50 steps and sends the new frames; timed from the change leaving the client to the frames arriving.
"""
from __future__ import annotations

import asyncio
import statistics
import threading
import time
from dataclasses import dataclass, field

from bokeh.models import ColumnDataSource, Select
from session_client import SessionClient


@dataclass
class LoadFigures:
    sessions: int
    training: int
    open_seconds: float = 0.0  # all sessions opened at once: the last one's first document (the plot) arrived
    page_seconds: float = 0.0  # ... and the rest of its page (the sidebar, sent once the page is drawn)
    idle_round_trips: list[float] = field(default_factory=list)  # before anyone trains
    loaded_round_trips: list[float] = field(default_factory=list)  # while the others train
    train_seconds: list[float] = field(default_factory=list)  # click -> Train enabled again, per trainer
    trained: int = 0  # trainers whose run ended with a new model (status says so)

    @staticmethod
    def summary(values: list[float]) -> str:
        if not values:
            return "none"
        v = sorted(values)
        p90 = v[min(len(v) - 1, round(0.9 * (len(v) - 1)))]
        return f"median {statistics.median(v) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, max {v[-1] * 1000:.0f} ms"


class Student:
    """One session and the handful of models the scenario touches in it."""

    def __init__(self, client: SessionClient):
        self.client = client
        self.sampler = client.find(lambda m: isinstance(m, Select) and m.title == "Sampler")
        self.store = client.find(lambda m: isinstance(m, ColumnDataSource) and "S" in m.data)
        self.train_button = client.button("Train")

    async def watch(self, seconds: float) -> None:
        """What an open tab sends while its animation plays: nothing. The page plays by itself and tells the
        server t only when playback stops or the student scrubs (explorer/ui/plot/player_controls.py)."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and not self.client.closed:
            await asyncio.sleep(0.1)

    async def round_trip(self, timeout: float) -> float:
        """Flip the sampler between Heun and Euler; seconds until the new run's frames arrive."""
        before = self.store.data
        start = time.perf_counter()
        self.sampler.value = "euler" if self.sampler.value == "heun" else "heun"
        await self.client.wait_for(lambda: self.store.data is not before, timeout)
        return time.perf_counter() - start

    async def train(self, timeout: float) -> float:
        """Press Train; seconds until the button is enabled again (the run ended)."""
        start = time.perf_counter()
        self.client.click("Train")
        await self.client.wait_for(lambda: self.train_button.disabled, timeout)
        await self.client.wait_for(lambda: not self.train_button.disabled, timeout)
        return time.perf_counter() - start

    def status(self) -> str:
        texts = (getattr(m, "text", None) for m in self.client.doc.models)
        return next((t for t in texts if isinstance(t, str) and "Status:" in t), "")


def has_controls(client: SessionClient) -> bool:
    """Whether the session's page holds the sidebar's controls: app.py sends them after the first paint."""
    return any(isinstance(m, Select) and m.title == "Sampler" for m in client.doc.models)


async def open_students(url: str, n: int, timeout: float = 180.0, figures: LoadFigures | None = None) \
        -> list[Student]:
    """Open `n` sessions at once and wait for their whole pages; `figures` gets the times (open_seconds: every
    first document, the plot; page_seconds: every page with its controls)."""
    start = time.perf_counter()
    firsts: list[float] = []

    async def one() -> Student:
        client = await SessionClient.open(url)
        firsts.append(time.perf_counter() - start)
        await client.wait_for(lambda: has_controls(client), timeout)
        return Student(client)

    students = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), timeout)
    if figures is not None:
        figures.open_seconds, figures.page_seconds = max(firsts), time.perf_counter() - start
    return students


async def class_load(url: str, sessions: int = 30, training: int = 10, watching: int = 0, idle_probes: int = 5,
                     timeout: float = 300.0) -> LoadFigures:
    """Open `sessions` sessions; time the last one's round trip alone, then while `training` others train and
    `watching` others play their animation."""
    figures = LoadFigures(sessions=sessions, training=training)
    students = await open_students(url, sessions, figures=figures)
    probe, trainers, watchers = students[-1], students[:training], students[training:training + watching]
    try:
        await asyncio.sleep(1.0)  # let the sessions' first runs settle
        for _ in range(idle_probes):
            figures.idle_round_trips.append(await probe.round_trip(timeout=30))
        runs = [asyncio.ensure_future(t.train(timeout)) for t in trainers]
        plays = [asyncio.ensure_future(w.watch(timeout)) for w in watchers]
        while not all(r.done() for r in runs):
            figures.loaded_round_trips.append(await probe.round_trip(timeout=60))
            await asyncio.sleep(0.25)  # a student thinks between clicks
        figures.train_seconds = [r.result() for r in runs]
        for p in plays:
            p.cancel()
        await asyncio.sleep(0.5)
        figures.trained = sum("Trained" in t.status() or "trained" in t.status() for t in trainers)
    finally:
        await asyncio.gather(*(s.client.close() for s in students), return_exceptions=True)
    return figures


async def churn(url: str, sessions: int, batch: int = 10, linger: float = 0.5) -> int:
    """Open `sessions` sessions, `batch` at a time; each presses Train and its tab closes `linger` s into the
    run (most of a batch still wait in line for a training slot then). Returns how many trainings started."""
    started = 0
    for first in range(0, sessions, batch):
        students = await open_students(url, min(batch, sessions - first))
        try:
            for s in students:
                s.client.click("Train")
            await asyncio.gather(*(s.client.wait_for(lambda s=s: s.train_button.disabled, 60) for s in students))
            started += len(students)
            await asyncio.sleep(linger)
        finally:
            await asyncio.gather(*(s.client.close() for s in students), return_exceptions=True)
    return started


async def train_one_to_the_end(url: str, timeout: float = 180.0) -> float:
    """Open one session, train it to the end and close it. Returns the run's seconds (click to Train enabled)."""
    [student] = await open_students(url, 1, timeout)
    try:
        return await student.train(timeout)
    finally:
        await student.client.close()


def run_in_own_loop(coro):
    """Run `coro` to the end on a fresh event loop in a thread of its own, and return its result. The
    browser tests' Playwright (sync API) keeps an event loop running in the main thread, where
    asyncio.run() refuses to start."""
    out: dict = {}

    def target():
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            out["error"] = err

    thread = threading.Thread(target=target, name="load-scenario")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


async def open_and_touch(url: str, sessions: int, timeout: float = 180.0) -> list[float]:
    """Open `sessions` sessions at once; each then changes its sampler once and waits for the new run.
    Returns the round trips (seconds), one per session: every session worked end to end."""
    students = await open_students(url, sessions, timeout)
    try:
        return list(await asyncio.gather(*(s.round_trip(timeout=60) for s in students)))
    finally:
        await asyncio.gather(*(s.client.close() for s in students), return_exceptions=True)
