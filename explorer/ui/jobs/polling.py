"""Poller: the periodic callback that drains a session's jobs (runner.py), running only while a job does.

A thread never touches Bokeh models (docs/performance.md#threads-and-the-poller); the page drains its news
from a periodic callback. `serve_jobs(runner)` gives the session's JobRunner its one Poller, which the runner
starts when a job starts and stops when none is left, so an idle session runs no callback at all.

Measured with 30 sessions on one 2-core server (bench/bench_load.py): Panel's default periodic callback, always
on at 150 ms, kept the event loop 100 % busy with nobody doing anything, because each tick toggles Panel's busy
indicator (two patches to the page and milliseconds of design bookkeeping per call) and writes a log line
(docs/performance.md#polling).
"""
from __future__ import annotations

import weakref

import panel as pn
from panel.io.callbacks import PeriodicCallback

POLL_MS = 150  # how often a running job's news reaches the page


def serve_jobs(runner) -> None:
    """Drain `runner` (the session's JobRunner) from a Poller on this session's event loop, and stop its jobs
    when the session ends. Every view that starts jobs calls this; the first call in a session wires it."""
    def tick():
        with pn.io.hold():  # whatever the jobs' news changes reaches the page as one message
            runner.poll()

    runner.use_poller(lambda _poll: Poller(tick))
    if runner not in _HOOKED and on_session_destroyed(lambda session_context: runner.stop_all()):
        _HOOKED.add(runner)


_HOOKED = weakref.WeakSet()  # runners whose session end stops them (weak: it keeps no session alive)


class Poller:
    """`Poller(fn).start()` calls fn every POLL_MS ms on the session's event loop until `stop()`.
    Both are idempotent. Outside a server (a notebook without a running loop) nothing is scheduled."""

    def __init__(self, fn, period: int = POLL_MS):
        # background=True: no busy indicator; log=False: no log line per tick. (pn.state.add_periodic_callback
    # takes neither, hence the PeriodicCallback itself.)
        self._cb = PeriodicCallback(callback=fn, period=period, background=True, log=False)

    def start(self) -> Poller:
        if not self._cb.running:
            self._cb.start()
        return self

    def stop(self) -> None:
        if self._cb.running:
            self._cb.stop()


def on_session_destroyed(callback) -> bool:
    """Call `callback(session_context)` when this server session ends (its tab closed and Bokeh discarded
    it). False, and nothing registered, outside a server session (a notebook, a test).

    Bokeh rejects a callback whose one parameter is not named `session_context`; and Panel's own
    `pn.state.on_session_destroyed`, called outside a session, keeps the callback for the *next* session.
    """
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return False
    doc.on_session_destroyed(callback)
    return True

