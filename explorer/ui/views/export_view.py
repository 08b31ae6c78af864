"""Export & share: the session's data, samples, trajectories, model, an interactive page of the run, an
animated GIF and a video as downloads, and a model upload. For a sidebar card: `ExportView(state=state)`.

Every download is made when its button is pressed (a FileDownload callback), from what the page shows
at that moment; the interactive page is `html_page.page_html` of the shown run (explorer/tools/). The GIF
and the video are drawn by `export.render_gif` and `video.render_video` as jobs of the session's runner,
each with its Render button, progress bar and Download button (animation_export.py). A model travels as one zip holding
`model.safetensors` and `config.json` (what `checkpoints.save` writes to a folder); an upload is
size-checked before anything is unpacked and validated by `checkpoints.from_bytes` (never unpickled).
"""
from __future__ import annotations

import html
import io

import panel as pn

from explorer.core.errors import ExplorerError
from explorer.data.labelled_points import write_labelled_csv
from explorer.tools.export import run_to_csv
from explorer.tools.html_page import page_html
from explorer.tools.look import class_colours_of
from explorer.ui.base import StateView
from explorer.ui.jobs.export_files import (
    gif_work,
    model_zip,
    plain_name,
    read_model_upload,
    safe_name,
    thinned,
    video_work,
)
from explorer.ui.jobs.polling import serve_jobs
from explorer.ui.jobs.runner import Job
from explorer.ui.session.url_state import HINT as URL_HINT
from explorer.ui.views.animation_export import AnimationExport

PNG_HINT = "PNG of the plot: the save tool in the main plot's toolbar."


class ExportView(StateView):
    """Downloads, the GIF and video renderers and the model upload of one session."""

    def __init__(self, **params):
        super().__init__(**params)
        self.gif = AnimationExport(self.state, "GIF", ".gif", gif_work, "Render GIF",
                                   "Animate the current run from noise to data.")
        self.video = AnimationExport(self.state, "MP4", ".mp4", video_work, "Render video",
                                     "The GIF's frames as an H.264 video (.mp4): for slides, or sites that take "
                                     "video but not GIF.")
        # the GIF's parts by their names from before the video (the tests and older code use them)
        self.render, self.gif_download, self.progress = self.gif.render, self.gif.download, self.gif.progress

        def button(label, callback, filename, description):
            return pn.widgets.FileDownload(label=label, callback=callback, filename=filename, color="default",
                                           sizing_mode="stretch_width", description=description)

        self.dataset_csv = button("Dataset CSV", self._dataset_csv, "dataset.csv",
                                  "The training points as x,y CSV.")
        self.samples_csv = button("Samples CSV", self._samples_csv, "samples.csv",
                                  "The generated samples (t = 0) as x,y CSV.")
        self.trajectories_csv = button("Trajectories CSV", self._trajectories_csv, "trajectories.csv",
                                       "Every frame from noise to data: columns frame, t, sample, x, y.")
        self.model_zip = button("Model (.zip)", self._model_zip, "model.zip",
                                "model.safetensors + config.json in one zip; load it back with Upload model, "
                                "or unzip it for explorer.training.checkpoints.load.")
        self.page_html = button("Interactive page (.html)", self._page_html, "run.html",
                                "The run as one file that plays offline: plot, time slider, play, trajectories, "
                                "density and the training data. Post it on a course page or open it from disk.")
        self.upload = pn.widgets.FileInput(label="Upload model", accept=".zip,.safetensors,.json", multiple=True,
                                           sizing_mode="stretch_width",
                                           description="A model .zip from Model (.zip), or its two files "
                                                       "model.safetensors and config.json selected together.")
        self.upload.param.watch(self._on_upload, "value")
        self.state.param.watch(self._on_run, ["run", "model", "data"])
        self._on_run()

    # --- downloads (each called when its button is pressed) ----------------------------------------
    def _dataset_csv(self):
        self.dataset_csv.filename = f"{self.state.dataset}.csv"
        return io.StringIO(write_labelled_csv(self.state.data, self.state.labels, self.state.class_names))

    def _samples_csv(self):
        return io.StringIO(run_to_csv(self.state.run))

    def _trajectories_csv(self):
        run = self.state.run
        part = thinned(run)
        if part is not run:
            self.state.status = (f"Trajectories CSV: {len(part.times)} of {len(run.times)} frames (evenly "
                                 f"spaced, the t column holds each one's time), to keep the file small.")
        return io.StringIO(run_to_csv(part, trajectories=True))

    def _model_zip(self):
        cfg = self.state.model.config
        self.model_zip.filename = f"{self.state.dataset}_{cfg.objective}_{cfg.schedule}.zip"
        return io.BytesIO(model_zip(self.state.model))

    def _page_html(self):
        s = self.state
        self.page_html.filename = f"{s.dataset}_{s.sampler}.html"
        labels = s.run_labels
        names = list(getattr(s.model, "class_names", None) or []) if labels is not None else []
        text = page_html(s.run, s.data, title=f"Diffusion Explorer: {s.dataset}, {s.run.settings.describe()}",
                         labels=labels, class_names=names,
                         class_colors=class_colours_of(s.model) if labels is not None else None)
        return io.StringIO(text)

    def _on_run(self, *_events) -> None:
        s = self.state
        self.dataset_csv.disabled = s.data is None
        self.samples_csv.disabled = self.trajectories_csv.disabled = self.page_html.disabled = s.run is None
        self.model_zip.disabled = not _trained_model(s.model)
        self.gif.on_run()
        self.video.on_run()

    # --- GIF and video (animation_export.py) ------------------------------------------------------------
    @property
    def gif_job(self) -> Job | None:
        return self.gif.job

    def start_gif(self) -> Job | None:
        """Start rendering the current run's GIF (None if there is no run, or a render is under way)."""
        return self.gif.start()

    def poll_gif(self) -> bool:
        """Drain the session's jobs now (a served page's poller does it on its own). True once no GIF renders."""
        return self.gif.poll()

    # --- model upload ---------------------------------------------------------------------------
    def load_model(self, files: dict[str, bytes]) -> bool:
        """Use an uploaded model {file name: bytes}. False (and `state.error`) if it is not a valid one."""
        s = self.state
        names = ", ".join(safe_name(n) for n in files) or "the file"  # for the status line (Markdown)
        plain = ", ".join(plain_name(n) for n in files) or "the file"  # for notifications (HTML)
        if s.training:
            s.error = "Stop training before loading a model."
            return False
        try:
            model = read_model_upload(files)
        except ExplorerError as err:
            s.error = f"{plain}: {html.escape(str(err), quote=False)}"
            return False
        cfg = model.config
        matched = (s.objective, s.schedule) != (cfg.objective, cfg.schedule)
        with pn.io.hold():
            if matched:
                s.param.update(objective=cfg.objective, schedule=cfg.schedule)
            s.use_model(model)
            s.status = (f"Loaded {names}: {cfg.objective} on the {cfg.schedule} schedule, {cfg.depth} x "
                        f"{cfg.width} network." + (" Objective and Schedule now match it." if matched else ""))
        return True

    def _on_upload(self, event) -> None:
        values, names = event.new, self.upload.filename
        if not values:
            return
        if not isinstance(values, list):
            values, names = [values], [names]
        names = [*(names or []), *(f"file{i}" for i in range(len(values)))][:len(values)]
        self.load_model(dict(zip(names, values, strict=True)))
        self.upload.clear()  # the same file chosen again must count as a new upload

    def __panel__(self):
        serve_jobs(self.state.jobs)  # the session's poller moves the GIF's and the video's progress here
        md = pn.pane.Markdown
        small = {"font-size": "12px", "color": "#5f6368"}
        return pn.Column(
            md("**Download**", margin=(0, 10)),
            pn.Row(self.dataset_csv, self.samples_csv, sizing_mode="stretch_width"),
            pn.Row(self.trajectories_csv, self.model_zip, sizing_mode="stretch_width"),
            md("**Share the run**: a page that plays offline, or an animation", margin=(5, 10, 0, 10)),
            self.page_html,
            pn.Row(self.gif.render, self.video.render, sizing_mode="stretch_width"),
            self.gif.progress, self.video.progress,
            self.gif.download, self.video.download,  # a row each: with their sizes, two would not fit side by side
            md("**Load a model** (.zip)", margin=(5, 10, 0, 10)),
            self.upload,
            md(f"{PNG_HINT}<br>{URL_HINT}", styles=small, margin=(5, 10)),
            sizing_mode="stretch_width", name="export_view",
        )


def _trained_model(model) -> bool:
    """Whether `model` is a DiffusionModel (one to download). None before the pretrained model has loaded: the
    first page imports no torch (docs/performance.md#first-page); a model in hand means torch is in already."""
    if model is None:
        return False
    from explorer.training.model import DiffusionModel

    return isinstance(model, DiffusionModel)
