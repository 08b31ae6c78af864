"""BackgroundJob: the state of a view's long computation (a sweep, a guidance measurement), run as a job of
the session's JobRunner (runner.py). No Panel here.

A subclass's `start()` builds the work, `work(job)`, and calls `_launch`; `describe()` turns the finished result
into the message shown under the buttons. The runner's poller moves the job's progress and result here.
"""
from __future__ import annotations

import param

from explorer.ui.jobs.runner import Job, JobNews
from explorer.ui.session.state import ExplorerState


class BackgroundJob(param.Parameterized):
    state = param.ClassSelector(class_=ExplorerState, constant=True)
    running = param.Boolean(default=False)
    progress = param.Number(default=0.0, bounds=(0.0, 100.0))
    result = param.Parameter(default=None)
    message = param.String(default="")

    what = "job"  # its name in messages: "The sweep failed."

    def __init__(self, **params):
        super().__init__(**params)
        self._job: Job | None = None
        self._model = None  # the model the result belongs to

    def start(self) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """The message for a finished result."""
        raise NotImplementedError

    def _launch(self, work, name: str, message: str, **params) -> bool:
        self._job = self.state.jobs.start(name, work, on_progress=self._on_progress, on_done=self._on_done)
        self._model = self.state.model
        self.param.update(running=True, progress=0.0, message=message, **params)
        return True

    def stop(self) -> None:
        if self._job is not None:
            self._job.stop()

    def poll(self) -> bool:
        """Drain the session's jobs now (a served page's poller does it on its own). True if any had news."""
        return self.state.jobs.poll()

    def _on_progress(self, news: JobNews) -> None:
        self.progress = 100.0 * news.progress

    def _on_done(self, news: JobNews) -> None:
        self._job = None
        self.running = False
        if news.error:  # the previous result stays
            self.state.error = f"The {self.what} failed: {news.error}"
            self.message = f"The {self.what} failed."
            return
        self.result = news.result
        self.message = self.describe()

    def is_stale(self) -> bool:
        """Whether the shown result belongs to an earlier model."""
        return self.result is not None and self._model is not self.state.model
