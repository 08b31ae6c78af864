"""A training run in a background thread that never touches the UI.

The thread writes its progress into a locked buffer; the UI thread calls `drain()` from a periodic
callback (docs/performance.md#threads-and-the-poller). `stop()` sets an event that `train` checks before
every step, so a stop takes effect within one step (about a millisecond). A run first waits for a training
slot (training_slots.py); while it waits, `drain()` says how many runs are ahead of it.
"""
from __future__ import annotations

import threading
import traceback

import numpy as np
import torch

from ..config import TrainConfig
from ..errors import ExplorerError
from ..training import train
from .training_slots import Ticket


class TrainingJob:
    def __init__(self, points: np.ndarray, config: TrainConfig, preview_every: int = 100, ticket: Ticket | None = None):
        self.points, self.config, self.preview_every = points, config, preview_every
        self.ticket = ticket if ticket is not None else Ticket()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._losses: list[tuple[int, float]] = []
        self._preview: np.ndarray | None = None
        self._step = 0
        self._model = None
        self._error: str | None = None
        self._done = False
        self._thread = threading.Thread(target=self._run, name="explorer-training", daemon=True)

    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        torch.set_num_threads(1)  # one thread per session: measured faster and fair when many train
        try:
            if not self.ticket.enter(self._stop):
                return  # stopped while waiting in line: no model, no error
            try:
                model = train(self.points, self.config, callback=self._on_progress, stop=self._stop,
                              preview_every=self.preview_every)
            finally:
                self.ticket.leave()
            with self._lock:
                self._model = model
        except ExplorerError as err:
            with self._lock:
                self._error = str(err)
        except Exception as err:  # noqa: BLE001 - report, never kill the session
            traceback.print_exc()
            with self._lock:
                self._error = f"training failed: {type(err).__name__}: {err}"
        finally:
            with self._lock:
                self._done = True

    def _on_progress(self, step: int, loss: float, preview) -> None:
        with self._lock:
            self._step = step
            self._losses.append((step, loss))
            if preview is not None:
                self._preview = preview

    def drain(self) -> dict:
        """Everything new since the last call: losses [(step, loss)], the latest preview (or None),
        the step reached, `waiting` (runs ahead in line, or None once training), and when finished
        `done`, `model` and `error`."""
        waiting = self.ticket.ahead()
        with self._lock:
            out = {"losses": self._losses, "preview": self._preview, "step": self._step, "waiting": waiting,
                   "done": self._done, "model": self._model, "error": self._error}
            self._losses, self._preview = [], None
        return out
