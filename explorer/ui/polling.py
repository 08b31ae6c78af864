"""Poller: a periodic callback that runs only while a background job needs it.

A thread never touches Bokeh models (GUIDE §3); the page drains its news from a periodic callback. The
views start a Poller when their job starts and stop it when the job ends, so an idle session runs no
callback at all. Measured with 30 sessions on one 2-core server (bench/bench_load.py): Panel's default
periodic callback, always on at 150 ms, kept the event loop 100 % busy with nobody doing anything,
because each tick toggles Panel's busy indicator (two patches to the page and milliseconds of design
bookkeeping per call) and writes a log line.
"""
from __future__ import annotations

from panel.io.callbacks import PeriodicCallback

POLL_MS = 150  # how often a running job's news reaches the page


class Poller:
    """`Poller(fn).start()` calls fn every POLL_MS ms on the session's event loop until `stop()`.
    Both are idempotent. Outside a server (a notebook without a running loop) nothing is scheduled."""

    def __init__(self, fn, period: int = POLL_MS):
        # background=True: no busy indicator; log=False: no log line per tick.
        self._cb = PeriodicCallback(callback=fn, period=period, background=True, log=False)

    @property
    def running(self) -> bool:
        return self._cb.running

    def start(self) -> Poller:
        if not self._cb.running:
            self._cb.start()
        return self

    def stop(self) -> None:
        if self._cb.running:
            self._cb.stop()
