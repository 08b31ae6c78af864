"""BackgroundJob: the state of a view's long computation (a sweep), run by a BackgroundTask. No Panel here.

A subclass's `start()` builds the work and calls `_launch`; `describe()` turns the finished result into the
message shown under the buttons. The view polls `poll()` while `running` (job_controls.py does that).
"""
from __future__ import annotations

import param

from explorer.ui.jobs.background import BackgroundTask
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
        self._task: BackgroundTask | None = None
        self._model = None  # the model the result belongs to

    def start(self) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        """The message for a finished result."""
        raise NotImplementedError

    def _launch(self, work, name: str, message: str, **params) -> bool:
        self._task = BackgroundTask(work, name).start()
        self._model = self.state.model
        self.param.update(running=True, progress=0.0, message=message, **params)
        return True

    def stop(self) -> None:
        if self._task is not None:
            self._task.stop()

    def shutdown(self) -> None:
        if self._task is not None:
            self._task.stop()
            self._task.join(2.0)

    def poll(self) -> bool:
        """Take the thread's news (from the view's periodic callback); False when there is no job."""
        task = self._task
        if task is None:
            return False
        news = task.poll()
        self.progress = 100.0 * news.fraction
        if not news.finished:
            return True
        self._task = None
        self.running = False
        if news.error:
            self.state.error = f"The {self.what} failed: {news.error}"
            self.message = f"The {self.what} failed."
            return True
        self.result = news.result
        self.message = self.describe()
        return True

    def is_stale(self) -> bool:
        """Whether the shown result belongs to an earlier model."""
        return self.result is not None and self._model is not self.state.model
