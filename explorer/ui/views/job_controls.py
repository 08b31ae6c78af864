"""Run, Stop, a progress bar and a message for a BackgroundJob (background_job.py), a job of the session's runner."""
from __future__ import annotations

import panel as pn

from explorer.ui.jobs.polling import serve_jobs


class JobControls:
    """`JobControls(job, "Run sweep")`: the buttons start and stop `job`; `can_run()` (optional) may keep Run
    disabled while the job cannot start (no model to measure, say)."""

    def __init__(self, job, run_label: str, run_width: int = 120, can_run=None, progress_width: int = 200,
                 message_name: str = "job_message"):
        self.job, self._can_run = job, can_run or (lambda: True)
        self.run = pn.widgets.Button(label=run_label, color="primary", width=run_width)
        self.stop = pn.widgets.Button(label="Stop", width=80, disabled=True)
        self.progress = pn.indicators.Progress(value=0, max=100, width=progress_width, height=14, visible=False,
                                               margin=(14, 10))
        self.message = pn.pane.Markdown("", sizing_mode="stretch_width", name=message_name, margin=(0, 10))
        serve_jobs(job.state.jobs)  # the session's poller drains the job; the session's end stops it
        self.run.on_click(lambda *_: self.start())
        self.stop.on_click(lambda *_: job.stop())
        job.param.watch(self.refresh, ["running", "progress", "message"])
        self.refresh()

    def start(self) -> None:
        with pn.io.hold():
            self.job.start()

    def refresh(self, *_events) -> None:
        job = self.job
        self.run.disabled, self.stop.disabled = job.running or not self._can_run(), not job.running
        self.progress.visible, self.progress.value = job.running, int(job.progress)
        self.message.object = job.message
