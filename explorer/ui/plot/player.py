"""The main view's player as one state machine: playing or paused, loop on or off, the shown frame and its t.

No Panel here. The page runs the same machine (player_js.py, a JSComponent): it plays by itself and tells the
server only where it stopped, or where the user scrubbed to; so a playing page costs the server nothing per frame.

Transitions (each a method; nothing else changes the parameters):

* ``play()`` / ``pause(t)`` -- start or stop; a pause says where it stopped.
* ``scrub(t)`` -- the shown t moved by hand (the Time slider, a jump to noise or data, another view); playing
  or paused stays as it was.
* ``tab_hidden()`` / ``tab_shown()`` -- the plot's tab was left or opened again: the page draws nothing while
  hidden, and on return draws the frame it was on and carries on as before (paused stays paused).
* ``new_run(times)`` -- a new run (another time grid, step count, sampler...): the frame of its grid nearest to
  the shown t, which is kept (within a step of the new grid).
"""
from __future__ import annotations

import numpy as np
import param

PLAYING, PAUSED = "playing", "paused"


class Player(param.Parameterized):
    """`Player()`: playing, loop on, at t = 1 with no run; `Player(playing=False)` opens paused."""

    playing = param.Boolean(default=True, doc="Playing (the page moves t by itself) or paused.")
    loop = param.Boolean(default=True, doc="After the data, start again from the noise (off: stop at the data).")
    shown = param.Boolean(default=True, doc="Whether the plot's tab is shown (a hidden player draws nothing).")
    t = param.Number(default=1.0, bounds=(0.0, 1.0), doc="The shown time, as last told by the page (or set here).")
    frame = param.Integer(default=0, bounds=(0, None), doc="The run's frame nearest to `t` (0 = noise).")
    times = param.Array(default=None, doc="The frame times of the current run (1 -> 0), None before the first.")

    @property
    def state(self) -> str:
        return PLAYING if self.playing else PAUSED

    # --- transitions ----------------------------------------------------------------------------
    def play(self) -> None:
        self.playing = True

    def pause(self, t: float | None = None) -> None:
        """Stop; `t`: where the page stopped (None: where the server last heard)."""
        with param.parameterized.batch_call_watchers(self):
            if t is not None:
                self._goto(t)
            self.playing = False

    def scrub(self, t: float) -> None:
        """Show time `t` (clipped to [0, 1]); playing or paused as before."""
        self._goto(t)

    def tab_hidden(self) -> None:
        self.shown = False

    def tab_shown(self) -> None:
        self.shown = True

    def new_run(self, times) -> int:
        """Take a run with frame `times` (decreasing from 1 to 0); returns its frame nearest to the shown t.
        The first run opens on its first frame (noise, t = 1), where playing starts."""
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or not len(times):
            raise ValueError(f"a run's frame times must be a non-empty 1-d array, got shape {times.shape}")
        first = self.times is None
        frame = 0 if first else self.nearest(self.t, times)
        with param.parameterized.batch_call_watchers(self):
            self.times = times
            self.frame = frame
            self.t = float(np.clip(times[frame], 0.0, 1.0))
        return frame

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def nearest(t: float, times) -> int:
        """Index of the frame of `times` nearest to time `t`."""
        return int(np.abs(np.asarray(times, dtype=float) - t).argmin())

    def _goto(self, t: float) -> None:
        t = float(np.clip(t, 0.0, 1.0))
        with param.parameterized.batch_call_watchers(self):
            self.t = t
            if self.times is not None:
                self.frame = self.nearest(t, self.times)
