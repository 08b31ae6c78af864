"""TrainingProgress: the session's training job and what it has reported. A part of the session's state
(part.py); no Panel here. The job runs on the session's JobRunner (explorer/ui/jobs/runner.py) and never
touches the page: the runner hands its news to this part on the session's thread. ExplorerState decides what
to train (start_training, start_reflow) and takes the finished model (`on_done`).
"""
from __future__ import annotations

from collections.abc import Callable

import param

from explorer.ui.jobs.runner import JobRunner
from explorer.ui.jobs.training_job import TrainingNews, TrainingWork
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

    def start(self, runner: JobRunner, points, config, extra, what: str = "",
              on_status: Callable[[str], None] | None = None,
              on_done: Callable[[TrainingNews], None] | None = None, work: TrainingWork | None = None) -> str:
        """Start training on `points` as the runner's "training" job; returns the status line to show.
        `on_status(line)` hears the line while it waits for a slot or trains; `on_done(news)` the outcome.
        `work`: another training work to run instead (a DistilWork, training_job.py)."""
        self.reset()
        work = TrainingWork(points, config, extra=extra) if work is None else work
        line = (what or f"Training {config.objective} on {config.schedule}") + f" for {config.steps} steps..."

        def progress(job_news) -> None:
            news = TrainingNews.of(job_news, work.ticket)
            if not news.done and on_status is not None:  # in line for a training slot, or (again) training
                on_status(news.waiting_line(work.ticket.slots.size) or line)
            if news.losses:
                self.param.update(losses=self.losses + news.losses,
                                  progress=min(100.0, 100.0 * news.step / config.steps))
            if news.preview is not None:
                self.preview = news.preview

        def done(job_news) -> None:
            news = TrainingNews.of(job_news, work.ticket)
            log = getattr(news.model, "log", None)
            if log is not None:
                self._finish_curve(log, config.steps)
            try:  # the model to show first, then the end of the run: a view never sees the old model "trained"
                if on_done is not None:
                    on_done(news)
            finally:
                self.training = False

        runner.start("training", work, on_progress=progress, on_done=done)
        self.training = True
        return line

    def reset(self) -> None:
        """Forget the last run's curve and preview (they belong to a model that is no longer shown)."""
        self.param.update(losses=[], preview=None, progress=0.0, diverged_at=None)

    def _finish_curve(self, log, steps: int) -> None:
        """The curve up to the last step the run made (it reports every 10 steps, so a stopped run's curve ended
        up to 9 steps short of "stopped after k"): the mean of the unreported losses at that step. A diverged
        run (it often blows up before the first report) adds its finite per-step losses and marks the step
        where the loss blew up (its model goes, its curve stays)."""
        last = self.losses[-1][0] if self.losses else 0
        tail = log.losses[last:log.steps_done]
        if log.diverged:
            tail = [(step, loss) for step, loss in enumerate(tail, start=last + 1)]
            self.param.update(losses=self.losses + tail, diverged_at=log.steps_done + 1)
        elif tail:
            self.param.update(losses=self.losses + [(log.steps_done, float(sum(tail) / len(tail)))],
                              progress=min(100.0, 100.0 * log.steps_done / steps))
