"""One animation of the shown run as a download (the Export & share card: the GIF and the video): a Render button,
a progress bar and a Download button. The file is drawn by a job of the session's runner (explorer/ui/jobs/
runner.py) whose thread never touches Panel or Bokeh; the runner's poller moves its progress into the bar, then
the Download button offers the file, labelled with its size. A new run withdraws the file it no longer shows.
"""
from __future__ import annotations

import io
from typing import Callable

import panel as pn

from explorer.tools.look import class_colours_of
from explorer.ui.jobs.runner import Job


class AnimationExport:
    """`AnimationExport(state, "GIF", ".gif", work, ...)`: `work(run, data, labels=, class_colors=)` returns the
    job's work (export_files.gif_work, video_work); its result is the file's bytes."""

    def __init__(self, state, kind: str, suffix: str, work: Callable, render_label: str, description: str):
        self.state, self.kind, self.suffix, self._work = state, kind, suffix, work
        self.job: Job | None = None  # the file being drawn
        self.blob: bytes | None = None
        self.render = pn.widgets.Button(label=render_label, sizing_mode="stretch_width", description=description)
        self.download = pn.widgets.FileDownload(label=f"Download {kind}", callback=self._file, filename=f"run{suffix}",
                                                disabled=True, color="primary", sizing_mode="stretch_width",
                                                description=f"Press {render_label} first.")
        self.progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width",
                                               height=12, margin=(0, 10))
        self.render.on_click(lambda _event: self.start())

    def _file(self):
        return io.BytesIO(self.blob or b"")

    def _withdraw(self) -> None:
        self.blob = None
        self.download.disabled, self.download.label = True, f"Download {self.kind}"

    def on_run(self) -> None:
        """The shown run changed: a drawn file no longer shows it."""
        self.render.disabled = self.state.run is None or self.job is not None
        if self.blob is not None:
            self._withdraw()
            self.progress.visible = False

    def start(self) -> Job | None:
        """Start drawing the current run (None if there is none, or a drawing is under way)."""
        s = self.state
        if s.run is None or self.job is not None:
            return None
        self._withdraw()
        self.render.disabled, self.progress.value, self.progress.visible = True, 0, True
        self.download.filename = f"{s.dataset}_{s.sampler}{self.suffix}"
        run, labels = s.run, s.run_labels
        colours = class_colours_of(s.model) if labels is not None else ()  # the plot's (main_view.py)
        work = self._work(run, s.data, labels=labels, class_colors=colours)
        self.job = s.jobs.start(self.kind.lower(), work, on_progress=self._on_news,
                                on_done=lambda news: self._on_done(news, run))
        return self.job

    def poll(self) -> bool:
        """Drain the session's jobs now (a served page's poller does it on its own). True once nothing is drawn."""
        self.state.jobs.poll()
        return self.job is None

    def _on_news(self, news) -> None:
        self.progress.value = round(100 * news.progress)

    def _on_done(self, news, run) -> None:
        s = self.state
        self.job, self.render.disabled = None, s.run is None
        if news.error:
            self.progress.visible = False
            s.error = news.error
        elif run is not s.run:
            self.progress.visible = False
            s.status = f"The run changed while the {self.kind} was drawn: press {self.render.label} again."
        else:
            self.blob = news.result
            self.download.disabled = False
            self.download.label = f"Download {self.kind} ({len(self.blob) / 1e3:.0f} kB)"
