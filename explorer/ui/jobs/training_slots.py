"""A line for training: at most SLOTS runs train at once in one server process; the others wait their turn.

With a class on one laptop, ten sessions pressing Train at once is normal. Ten threads in one process
fight over the GIL: every run slows down, and so does the event loop that answers the idle students'
clicks (measured in bench/bench_load.py). Runs beyond the slots wait in a first-come line and say how
many are ahead of them; Stop leaves the line.

    EXPLORER_TRAINING_SLOTS=1 panel serve explorer/serve/app.py --num-procs 2   (README: serving a class)
"""
from __future__ import annotations

import threading
from collections import deque

from explorer.serve.settings import Settings

SLOTS_ENV = Settings.VARIABLES["training_slots"]


def default_slots() -> int:
    """$EXPLORER_TRAINING_SLOTS if set (>= 1), else one per core (read now: serve/settings.py)."""
    return Settings.from_env().training_slot_count()


class TrainingSlots:
    """`size` slots and a first-come line for them, shared by the threads of one process."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"a line needs at least one slot, got {size}")
        self.size = size
        self._cond = threading.Condition()
        self._line: deque = deque()
        self._busy = 0

    def acquire(self, ticket, stop: threading.Event) -> bool:
        """Queue `ticket` and wait for a slot: True once it has one, False if `stop` was set first."""
        with self._cond:
            self._line.append(ticket)
            try:
                while not (self._line[0] is ticket and self._busy < self.size):
                    if stop.is_set():
                        return False
                    self._cond.wait(0.1)
                self._busy += 1
                return True
            finally:
                self._line.remove(ticket)
                self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def ahead(self, ticket) -> int | None:
        """How many runs wait in line before `ticket` (0: next), or None if it is not waiting."""
        with self._cond:
            for i, t in enumerate(self._line):
                if t is ticket:
                    return i
            return None


SLOTS = TrainingSlots(default_slots())  # the process's line: every session's runs share it


class Ticket:
    """One run's place in line. The jobs of one run (the two arms of an A/B comparison) share a ticket:
    the first to `enter` waits for the slot, the others ride on it, and the last to `leave` frees it."""

    def __init__(self, slots: TrainingSlots | None = None):
        self.slots = slots if slots is not None else SLOTS
        self._lock = threading.Lock()
        self._held = threading.Event()
        self._inside = 0

    def enter(self, stop: threading.Event) -> bool:
        with self._lock:
            self._inside += 1
            if self._held.is_set():
                return True
            if not self.slots.acquire(self, stop):
                self._inside -= 1
                return False
            self._held.set()
            return True

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0 and self._held.is_set():
                self._held.clear()
                self.slots.release()

    def ahead(self) -> int | None:
        """Runs waiting before this one, or None (it has its slot, or is not in line)."""
        return None if self._held.is_set() else self.slots.ahead(self)
