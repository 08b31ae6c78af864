"""The training half of a session's state: start, reflow, stop and follow a training job. No Panel here.
ExplorerState inherits it; the job runs on the session's JobRunner (`self.jobs`, runner.py) and never touches
the page: the runner hands its news to `_on_training_news` on the session's thread.
"""
from __future__ import annotations

import param

from explorer.core.errors import ExplorerError
from explorer.core.samplers import sample
from explorer.data import datasets
from explorer.ui.jobs.training_job import TrainingNews, TrainingWork
from explorer.ui.session.choices import DRAWN, GAUSSIAN


class TrainingState(param.Parameterized):
    training = param.Boolean(default=False, doc="Whether a training job is running.")
    progress = param.Number(default=0.0, bounds=(0.0, 100.0), doc="Training progress in %.")
    losses = param.List(default=[], doc="[(step, loss)] of the current/last training run.")
    diverged_at = param.Integer(default=None, allow_None=True,
                                doc="The step at which the last training run diverged (its curve ends just before), "
                                    "or None.")
    preview = param.Array(default=None, doc="Samples from the model being trained (every ~100 steps).")

    def start_training(self) -> bool:
        if self.training:
            self.status = "Already training: press Stop first."
            return False
        if self.data is None or (self.dataset == DRAWN and self._drawn is None):
            self.error = "There is no training data yet: draw a shape (or upload a CSV), or pick a dataset."
            return False
        try:
            config = self.train_config()
        except ExplorerError as err:
            self.error = str(err)
            return False
        extra = {}
        if self.conditional:
            if self.labels is None:
                self.error = ("This data has no classes to train with: pick a built-in set, or switch "
                              "'Train with classes' off.")
                return False
            extra = {"labels": self.labels, "class_names": list(self.class_names)}
        if self.source != GAUSSIAN:
            extra["source"] = datasets.load(self.source, n=len(self.data), seed=1)
        return self._start_job(self.data, config, extra)

    def start_reflow(self) -> bool:
        """Retrain on the shown model's own (noise, sample) pairs (explorer/studies/straight.py): straighter paths."""
        model = self.model
        if self.training or model is None:
            self.status = "Press Stop first." if self.training else "There is no model to reflow yet."
            return False
        if (model.objective, model.schedule.name) != ("velocity", "rectified"):
            self.error = "Reflow straightens a flow-matching model: train velocity on rectified flow first."
            return False
        run = sample(model, n=max(len(self.data), 1000), sampler="heun", steps=50, seed=self.seed + 1)
        config = self.train_config(objective="velocity", schedule="rectified", coupling="independent")
        return self._start_job(run.samples, config, {"pairs": run.points[0]}, "Reflow: training on the model's own "
                               "(noise, sample) pairs")

    def _start_job(self, points, config, extra, what: str = "") -> bool:
        self.losses, self.progress, self.preview, self.diverged_at = [], 0.0, None, None
        work = TrainingWork(points, config, extra=extra)
        self.jobs.start("training", work, on_progress=lambda news: self._on_training_news(news, work),
                        on_done=lambda news: self._on_training_done(news, work))
        self.training = True
        self._training_status = (what or f"Training {config.objective} on {config.schedule}") + \
            f" for {config.steps} steps..."
        self.status = self._training_status
        return True

    def stop_training(self) -> None:
        job = self.jobs.get("training")
        if job is not None:
            job.stop()

    def poll(self) -> bool:
        """Move every job's news into the state now (tests, a notebook; a served page's poller drains the
        runner by itself). True if anything changed."""
        return self.jobs.poll()

    def _on_training_news(self, job_news, work: TrainingWork) -> None:
        news = TrainingNews.of(job_news, work.ticket)
        if not news.done:  # in line for a training slot, or (again) training
            status = news.waiting_line(work.ticket.slots.size) or self._training_status
            if status != self.status:
                self.status = status
        if news.losses:
            self.losses = self.losses + news.losses
            self.progress = min(100.0, 100.0 * news.step / work.config.steps)
        if news.preview is not None:
            self.preview = news.preview

    def _on_training_done(self, job_news, work: TrainingWork) -> None:
        news = TrainingNews.of(job_news, work.ticket)
        log = getattr(news.model, "log", None)
        if log is not None and log.diverged:  # the model goes, its curve up to the blow-up stays
            self._keep_diverged_curve(log)
        self.training = False
        model, status, error = news.outcome()
        if error:
            self.error = error
        if model is not None:
            self.model_dataset = None
            self.model = model  # triggers recompute
        if status:
            self.status = status

    def _keep_diverged_curve(self, log) -> None:
        """Add the finite per-step losses the job had not reported yet (it reports every 10 steps; a run often
        blows up before the first report) and mark the step where the loss blew up."""
        last = self.losses[-1][0] if self.losses else 0
        tail = [(step, loss) for step, loss in enumerate(log.losses[last:log.steps_done], start=last + 1)]
        self.param.update(losses=self.losses + tail, diverged_at=log.steps_done + 1)

    def use_model(self, model, pretrained: str | None = None) -> None:
        """Show a model that was not trained here (pretrained for the built-in set `pretrained`, or uploaded).
        The loss curve and preview of an earlier run belong to another model, so they go with it."""
        self.model_dataset = pretrained
        self.param.update(losses=[], preview=None, progress=0.0, diverged_at=None, model=model)

    def shutdown(self) -> None:
        """Stop every job of the session and join its thread (session closed)."""
        self.jobs.stop_all()

