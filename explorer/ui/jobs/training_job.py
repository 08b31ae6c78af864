"""A training run in a background thread that never touches the UI.

The thread writes its progress into a locked buffer; the UI thread calls `drain()` from a periodic
callback (docs/performance.md#threads-and-the-poller) and gets a typed `JobNews`. `stop()` sets an event that
`train` checks before every step, so a stop takes effect within one step (about a millisecond). A run
first waits for a training slot (training_slots.py); while it waits, the news says how many runs are ahead.
"""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.serve.runtime import use_thread_policy
from explorer.training.config import TrainConfig
from explorer.training.training import train
from explorer.ui.jobs.training_slots import Ticket


@dataclass
class JobNews:
    """What a training job reports since the last `drain()`."""

    losses: list[tuple[int, float]] = field(default_factory=list)  # new (step, loss) pairs
    preview: np.ndarray | None = None  # the latest preview samples, if new
    step: int = 0  # the step reached
    waiting: int | None = None  # runs ahead in line for a slot, or None once training
    done: bool = False
    model: object | None = None  # when done: the trained DiffusionModel, or None (stopped in line, error)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.losses or self.preview is not None or self.done)

    def waiting_line(self, slots: int) -> str | None:
        """'Waiting for a free training slot (...): 2 runs ahead of yours.', or None once training."""
        ahead = self.waiting
        if ahead is None:
            return None
        line = f"{ahead} run{'s' if ahead != 1 else ''} ahead of yours" if ahead else "yours is next"
        return f"Waiting for a free training slot ({slots} train at once here): {line}."

    def outcome(self) -> tuple[object | None, str, str]:
        """For a finished job: (the model to show or None, a status line, an error message or '').

        A diverged run's rolled-back weights are at best half trained, so its model is not shown."""
        if self.error:
            return None, "", self.error
        model = self.model
        if model is None or model.log.steps_done == 0:
            return None, "Stopped before training started; the previous model is still shown.", ""
        if model.log.diverged:
            return None, ("Training diverged; the previous model is still shown. Try a smaller learning rate."
                          ), model.log.message
        return model, model.log.message, ""


class TrainingJob:
    def __init__(self, points: np.ndarray, config: TrainConfig, preview_every: int = 100, ticket: Ticket | None = None,
                 extra: dict | None = None):
        """`extra`: more arguments of `train`: labels and class_names (a conditional model), source, pairs."""
        self.points, self.config, self.preview_every = points, config, preview_every
        self.extra = extra or {}
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
        use_thread_policy()  # one thread per session: measured faster and fair when many train (runtime.py)
        try:
            if not self.ticket.enter(self._stop):
                return  # stopped while waiting in line: no model, no error
            try:
                model = train(self.points, self.config, callback=self._on_progress, stop=self._stop,
                              preview_every=self.preview_every, **self.extra)
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

    def drain(self) -> JobNews:
        """Everything new since the last call (see JobNews)."""
        waiting = self.ticket.ahead()
        with self._lock:
            news = JobNews(self._losses, self._preview, self._step, waiting, self._done, self._model, self._error)
            self._losses, self._preview = [], None
        return news
