"""A training run as a job of the session's runner (runner.py), and what its news means. No Panel here.

`TrainingWork` is the job's work: it first waits for a training slot (training_slots.py), then trains. Every 10
steps `train` calls back: the work adds (step, loss) to the job's "losses" (a list that grows until the page
drains it) and puts the newest "preview" (it replaces an undrained one). `stop()` on the job sets the event
that `train` checks before every step, so a stop takes effect within one step (about a millisecond).
`TrainingNews.of(news, ticket)` reads one drain; while the run waits in line it says how many runs are ahead.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.serve.runtime import use_thread_policy
from explorer.training.config import TrainConfig
from explorer.ui.jobs.runner import Job, JobNews
from explorer.ui.jobs.training_slots import Ticket


def train(*args, **kwargs):
    """explorer.training.training.train, imported by the first run (it needs torch; the first page does not)."""
    from explorer.training.training import train as run

    return run(*args, **kwargs)


@dataclass
class TrainingNews:
    """What a training job reports since the last drain."""

    losses: list[tuple[int, float]] = field(default_factory=list)  # new (step, loss) pairs
    preview: np.ndarray | None = None  # the latest preview samples, if new
    waiting: int | None = None  # runs ahead in line for a slot, or None once training
    done: bool = False
    model: object | None = None  # when done: the trained DiffusionModel, or None (stopped in line, error)
    error: str | None = None

    @classmethod
    def of(cls, news: JobNews, ticket: Ticket) -> TrainingNews:
        return cls(news.added.get("losses", []), news.latest.get("preview"), None if news.done else ticket.ahead(),
                   news.done, news.result, news.error or None)

    @property
    def step(self) -> int:
        """The step reached by the last new loss (0 if there is none)."""
        return self.losses[-1][0] if self.losses else 0

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

    def outcome(self, previous: bool = True) -> tuple[object | None, str, str]:
        """For a finished job: (the model to show or None, a status line, an error message or '').
        `previous`: whether a model from before this run is shown (it stays when this run gives none).

        A diverged run's rolled-back weights are at best half trained, so its model is dropped: the status and
        the message both say so, and which model the plot shows instead (never "kept the weights")."""
        if self.error:
            return None, "", self.error
        model = self.model
        shown = "the previous model is still shown" if previous else "there is no model to show yet"
        if model is None or model.log.steps_done == 0:
            return None, f"Stopped before training started; {shown}.", ""
        if model.log.diverged:
            return None, *diverged_lines(model, shown)
        return model, model.log.message, ""


def diverged_lines(model, shown: str) -> tuple[str, str]:
    """(status, message) for a diverged run: where it blew up, that its weights are dropped, what is shown."""
    what = model.log.message.split(";")[0]  # "training diverged at step k (loss 3e+16) with learning rate 10"
    step = what.split(" (")[0]  # "training diverged at step k"
    advice = "Try a smaller learning rate (1e-3 to 1e-2)."
    return (f"{step[0].upper()}{step[1:]}: its weights were dropped and {shown}. {advice}",
            f"{what}: its weights were dropped and {shown}. {advice}")


class TrainingWork:
    """`runner.start("training", TrainingWork(points, config))`: wait for a slot, then train; returns the model.

    `extra`: more arguments of `train`: labels and class_names (a conditional model), source, pairs."""

    def __init__(self, points: np.ndarray, config: TrainConfig, preview_every: int = 100, ticket: Ticket | None = None,
                 extra: dict | None = None):
        self.points, self.config, self.preview_every = points, config, preview_every
        self.extra = extra or {}
        self.ticket = ticket if ticket is not None else Ticket()

    def __call__(self, job: Job):
        use_thread_policy()  # one thread per session: measured faster and fair when many train (runtime.py)
        if not self.ticket.enter(job.stop_event):
            return None  # stopped while waiting in line: no model, no error
        try:
            return self.fit(job)
        except ExplorerError:
            raise
        except Exception as err:  # a bug, not bad input: its trace on the console, one line on the page
            traceback.print_exc()
            raise ExplorerError(f"training failed: {type(err).__name__}: {err}") from err
        finally:
            self.ticket.leave()

    def fit(self, job: Job):
        """The training itself, in the job's thread once it holds a slot; returns the model."""
        return train(self.points, self.config, callback=lambda *report: self.on_progress(job, *report),
                     stop=job.stop_event, preview_every=self.preview_every, **self.extra)

    def on_progress(self, job: Job, step: int, loss: float, preview) -> None:
        job.add("losses", (step, loss))
        if preview is not None:
            job.put(preview=preview)
        job.progress(step, self.config.steps)


class DistilWork(TrainingWork):
    """`runner.start("training", DistilWork(teacher, "meanflow", config))`: like TrainingWork, but dx.distil: the
    teacher draws the student's points (its own ODE run), then the student learns the teacher's map."""

    def __init__(self, teacher, method: str, config: TrainConfig, ticket: Ticket | None = None):
        super().__init__(None, config, ticket=ticket)
        self.teacher, self.method = teacher, method

    def fit(self, job: Job):
        from explorer.training.distillation import distil  # torch: imported when first used

        return distil(self.teacher, method=self.method, config=self.config, seed=self.config.seed,
                      callback=lambda *report: self.on_progress(job, *report), stop=job.stop_event)
