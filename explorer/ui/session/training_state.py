"""TrainingProgress: the session's training job and what it has reported. A part of the session's state
(part.py); no Panel here. The job runs in a thread (training_job.py) and never touches the page: the UI thread
calls `poll()`, which moves the job's news into these parameters. ExplorerState decides what to train
(start_training, start_reflow) and takes the finished model.
"""
from __future__ import annotations

import param

from explorer.ui.jobs.training_job import JobNews, TrainingJob
from explorer.ui.session.part import Part


class TrainingProgress(Part):
    """The running (or last) training job: whether it runs, its progress, loss curve and preview."""

    training = param.Boolean(default=False, doc="Whether a training job is running.")
    progress = param.Number(default=0.0, bounds=(0.0, 100.0), doc="Training progress in %.")
    losses = param.List(default=[], doc="[(step, loss)] of the current/last training run.")
    diverged_at = param.Integer(default=None, allow_None=True,
                                doc="The step at which the last training run diverged (its curve ends just before), "
                                    "or None.")
    preview = param.Array(default=None, doc="Samples from the model being trained (every ~100 steps).")

    def __init__(self, **params):
        super().__init__(**params)
        self._job: TrainingJob | None = None
        self._training_status = ""

    def start(self, points, config, extra, what: str = "") -> str:
        """Start training on `points`; returns the status line to show."""
        self.reset()
        self._job = TrainingJob(points, config, extra=extra).start()
        self.training = True
        self._training_status = (what or f"Training {config.objective} on {config.schedule}") + \
            f" for {config.steps} steps..."
        return self._training_status

    def reset(self) -> None:
        """Forget the last run's curve and preview (they belong to a model that is no longer shown)."""
        self.param.update(losses=[], preview=None, progress=0.0, diverged_at=None)

    def stop(self) -> None:
        if self._job is not None:
            self._job.stop()

    def poll(self) -> tuple[JobNews | None, str]:
        """Move the job's news into this part (call from the UI thread). Returns (the news, or None without a
        job; the status line while it waits or trains, else '')."""
        job = self._job
        if job is None:
            return None, ""
        news = job.drain()
        line = "" if news.done else (news.waiting_line(job.ticket.slots.size) or self._training_status)
        if news.losses:
            self.losses = self.losses + news.losses
            self.progress = min(100.0, 100.0 * news.step / job.config.steps)
        if news.preview is not None:
            self.preview = news.preview
        if news.done:
            self._job = None
            log = getattr(news.model, "log", None)
            if log is not None and log.diverged:  # the model goes, its curve up to the blow-up stays
                self._keep_diverged_curve(log)
            self.training = False
        return news, line

    def _keep_diverged_curve(self, log) -> None:
        """Add the finite per-step losses the job had not reported yet (it reports every 10 steps; a run often
        blows up before the first report) and mark the step where the loss blew up."""
        last = self.losses[-1][0] if self.losses else 0
        tail = [(step, loss) for step, loss in enumerate(log.losses[last:log.steps_done], start=last + 1)]
        self.param.update(losses=self.losses + tail, diverged_at=log.steps_done + 1)

    def shutdown(self) -> None:
        """Stop the training thread (session closed)."""
        if self._job is not None:
            self._job.stop()
            self._job.join(timeout=2.0)
