"""The Export & share card without a browser: each download is fetched the way the page does it (a
click runs the FileDownload's callback, the bytes arrive as a base64 data URL) and read back; the
model upload gets good files and hostile ones."""
from __future__ import annotations

import base64
import io
import json
import pickle
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image

from explorer.core.samplers import sample
from explorer.data import datasets
from explorer.tools.export import MAX_FRAMES
from explorer.training import checkpoints
from explorer.training.config import TrainConfig
from explorer.training.model import DiffusionModel
from explorer.ui.jobs.export_files import escape_markdown, model_zip, safe_name, thinned
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.export_view import ExportView

SMALL = dict(n_samples=200, sample_steps=10)  # quick runs


def _download(button) -> bytes:
    """Press a FileDownload and return the bytes it hands to the browser."""
    button._clicks += 1
    header, b64 = button.data.split(",", 1)
    assert header.endswith(";base64")
    return base64.b64decode(b64)


def _upload(view: ExportView, files: dict[str, bytes]) -> None:
    """Choose files in the Upload model input, as the browser does (names first, then contents)."""
    view.upload.param.update(filename=list(files), value=list(files.values()))


@pytest.fixture
def view():
    return ExportView(state=ExplorerState(**SMALL))


def test_dataset_csv_round_trips(view):
    view.state.dataset = "moons"
    blob = _download(view.dataset_csv)
    assert view.dataset_csv.filename == "moons.csv"
    np.testing.assert_allclose(datasets.read_csv(blob), view.state.data, atol=1e-6)


def test_samples_and_trajectories_csv(view):
    run = view.state.run
    np.testing.assert_allclose(datasets.read_csv(_download(view.samples_csv)), run.samples, atol=1e-6)
    lines = _download(view.trajectories_csv).decode().splitlines()
    assert lines[0] == "frame,t,sample,x,y"
    assert len(lines) - 1 == run.points.shape[0] * run.points.shape[1]
    last = np.array([[float(v) for v in line.split(",")[3:]] for line in lines[-len(run.samples):]])
    np.testing.assert_allclose(last, run.samples, atol=1e-6)


def test_trajectories_are_thinned_to_fit_a_download(view):
    run = view.state.run  # 11 frames x 200 samples
    part = thinned(run, max_rows=1000)
    assert len(part.times) * run.points.shape[1] <= 1000
    assert part.times[0] == run.times[0] and part.times[-1] == run.times[-1]
    assert thinned(run) is run


def test_model_zip_upload_gives_identical_samples(view):
    blob = _download(view.model_zip)
    assert view.model_zip.filename == "smiley_velocity_rectified.zip"
    other = ExportView(state=ExplorerState(dataset="moons", **SMALL))
    _upload(other, {"my model.zip": blob})
    s = other.state
    assert s.model.config == view.state.model.config
    assert s.status.startswith("Loaded my model.zip")
    np.testing.assert_array_equal(s.run.samples, view.state.run.samples)  # same sampler settings and seed
    a = sample(s.model, n=100, sampler="ddpm", steps=8, seed=3).samples
    b = sample(view.state.model, n=100, sampler="ddpm", steps=8, seed=3).samples
    np.testing.assert_array_equal(a, b)


def test_upload_two_files_and_match_objective_and_schedule(view):
    model = DiffusionModel(TrainConfig(objective="eps", schedule="linear", width=16, depth=1, fourier_features=0))
    weights, config = checkpoints.to_bytes(model)
    _upload(view, {"model.safetensors": weights, "config.json": config})
    s = view.state
    assert (s.objective, s.schedule) == ("eps", "linear")
    assert s.model.config == model.config and s.error == ""
    assert "now match" in s.status


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _set_sizes(blob: bytes, size: int, local: bool) -> bytes:
    """The zip with every entry's uncompressed size rewritten (central directory, and local headers if asked)."""
    out = bytearray(blob)
    for sig, offset, on in ((b"PK\x01\x02", 24, True), (b"PK\x03\x04", 22, local)):
        start = 0
        while on and (i := out.find(sig, start)) >= 0:
            out[i + offset:i + offset + 4] = struct.pack("<I", size)
            start = i + 4
    return bytes(out)


def _hostile_uploads(good_weights: bytes, good_config: bytes) -> dict[str, dict[str, bytes]]:
    evil = pickle.dumps({"x": 1})  # a pickle, never to be loaded
    unknown = json.loads(good_config)
    unknown["run"] = "__import__('os').system('echo hi')"
    zeros = bytes(25 * 1024 * 1024)  # deflates to ~25 kB, unpacks past the 20 MB limit
    small = _zip({checkpoints.WEIGHTS: good_weights, checkpoints.CONFIG: good_config})
    return {  # case: (files, what the error must say)
        "pickle renamed": ({"model.safetensors": evil, "config.json": good_config}, "not a safetensors file"),
        "pickle in a zip": ({"m.zip": _zip({checkpoints.WEIGHTS: evil, checkpoints.CONFIG: good_config})},
                            "not a safetensors file"),
        "unknown keys": ({"model.safetensors": good_weights, "config.json": json.dumps(unknown).encode()},
                         "unknown keys"),
        "30 MB": ({"model.zip": bytes(30 * 1024 * 1024)}, "the upload is 31 MB"),
        "30 MB weights": ({"model.safetensors": bytes(30 * 1024 * 1024), "config.json": good_config},
                          "the upload is 31 MB"),
        "bomb": ({"bomb.zip": _zip({checkpoints.WEIGHTS: zeros, checkpoints.CONFIG: good_config})}, "unpacks to 26 MB"),
        "huge declared size": ({"m.zip": _set_sizes(small, 0xFFFFFFF0, local=False)}, "unpacks to 4295 MB"),
        "lying small size": ({"m.zip": _set_sizes(_zip({checkpoints.WEIGHTS: zeros, checkpoints.CONFIG: b"{}"}),
                                                  100, local=True)}, "not a readable zip"),
        "not a zip": ({"m.zip": b"PK\x03\x04 this is not really a zip"}, "not a readable zip"),
        "weights only": ({"model.safetensors": good_weights}, "config.json missing"),
        "zip without config": ({"m.zip": _zip({checkpoints.WEIGHTS: good_weights})}, "config.json missing"),
        "a python file": ({"model.py": b"import os"}, "choose the model's .zip"),
    }


HOSTILE = ("pickle renamed", "pickle in a zip", "unknown keys", "30 MB", "30 MB weights", "bomb",
           "huge declared size", "lying small size", "not a zip", "weights only", "zip without config",
           "a python file")


@pytest.fixture(scope="module")
def hostile():
    weights, config = checkpoints.to_bytes(ExplorerState(**SMALL).model)
    uploads = _hostile_uploads(weights, config)
    assert set(uploads) == set(HOSTILE)
    return uploads


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_upload_is_refused_and_keeps_the_model(view, hostile, case):
    files, reason = hostile[case]
    before, errors = view.state.model, []
    view.state.param.watch(lambda e: errors.append(e.new), "error")
    _upload(view, files)
    assert errors and reason in errors[-1], f"{case}: {errors}"
    assert view.state.model is before


def test_file_names_are_escaped(view):
    name = "<img src=x onerror=alert(1)>[a](javascript:x).zip"
    errors = []
    view.state.param.watch(lambda e: errors.append(e.new), "error")
    _upload(view, {name: b"nope"})
    assert "<img" not in errors[-1] and "&lt;img" in errors[-1]  # notifications are HTML
    assert "<" not in safe_name(name) and "](" not in safe_name(name) and safe_name("a/b/../c.zip") == "c.zip"
    assert "](" not in escape_markdown(errors[-1])  # what the alert box (Markdown) shows without notifications


def test_gif_render_job(view):
    assert view.gif_download.disabled
    job = view.start_gif()
    assert job is not None and view.render.disabled and view.progress.visible
    assert view.start_gif() is None  # one render at a time
    job.join(timeout=60)
    assert view.poll_gif()
    assert view.progress.value == 100 and not view.gif_download.disabled and not view.render.disabled
    gif = Image.open(io.BytesIO(_download(view.gif_download)))
    assert gif.format == "GIF" and gif.n_frames == min(MAX_FRAMES, len(view.state.run.times))
    for k in range(gif.n_frames):
        gif.seek(k)
        assert gif.size == (480, 480)
    view.state.sample_seed = 7  # a new run: the old GIF is withdrawn
    assert view.gif_download.disabled


def test_video_render_job_beside_the_gif(view):
    """Issue 28: Render video draws the GIF's frames as an H.264 .mp4, one video frame per shown frame."""
    import av

    video = view.video
    assert video.download.disabled and not video.render.disabled
    job = video.start()
    assert job is not None and video.render.disabled and video.progress.visible
    assert video.start() is None and not view.render.disabled  # one video at a time; the GIF stays free
    job.join(timeout=60)
    assert video.poll() and video.progress.value == 100 and not video.download.disabled
    assert video.download.filename == "smiley_heun.mp4" and video.download.label.endswith("kB)")
    with av.open(io.BytesIO(_download(video.download))) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        assert stream.codec_context.name == "h264"
    assert len(frames) == min(MAX_FRAMES, len(view.state.run.times)) and frames[0].width == 480
    view.state.sample_seed = 7  # a new run: the old video is withdrawn
    assert video.download.disabled and video.download.label == "Download MP4"


def test_model_zip_is_readable_by_checkpoints(tmp_path, view):
    with zipfile.ZipFile(io.BytesIO(model_zip(view.state.model))) as zf:
        zf.extractall(tmp_path)
    assert checkpoints.load(tmp_path).config == view.state.model.config


def test_the_gif_draws_the_classes_in_the_plots_colours():
    """Issue 24, item 10: with every class asked for, the page colours each sample by its class; the GIF did not."""
    from explorer.tools.export import pixel_of
    from explorer.ui.plot.frames import BOUNDS
    from explorer.ui.plot.main_view_labels import class_palette

    state = ExplorerState(dataset="three_dots", n_samples=200, sample_steps=10, train_steps=150, conditional=True)
    assert state.start_training()
    state.jobs.wait(120)
    state.poll()
    state.label = "every class"
    view = ExportView(state=state)
    labels, names = state.run_labels, state.model.class_names
    assert labels is not None and len(set(labels.tolist())) == 3
    view.start_gif()
    view.gif_job.join(60)
    assert view.poll_gif()
    gif = Image.open(io.BytesIO(_download(view.gif_download)))
    gif.seek(gif.n_frames - 1)
    last = gif.convert("RGB")
    palette = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in class_palette(names)]
    seen = [last.getpixel(pixel_of(p, bounds=BOUNDS, size=480)) for p in state.run.samples
            if np.all(np.abs(p) < 3.9)]
    assert set(seen) <= set(palette) and len(set(seen)) == 3, set(seen)
    state.shutdown()


def test_interactive_page_download_carries_the_shown_run_and_its_classes():
    """Issue 28: "Interactive page (.html)" gives the shown run as one page, the samples in the plot's class colours."""
    from run_page_support import embedded_run_file

    from explorer.tools.look import class_colours_of

    state = ExplorerState(dataset="three_dots", n_samples=200, sample_steps=10, train_steps=150, conditional=True)
    view = ExportView(state=state)
    page = _download(view.page_html).decode("utf-8")
    assert view.page_html.filename == "three_dots_heun.html"
    packed = embedded_run_file(page)
    np.testing.assert_array_equal(packed.arrays["x"], state.run.points[..., 0])
    np.testing.assert_array_equal(np.c_[packed.arrays["data_x"], packed.arrays["data_y"]], state.data)
    assert "c" not in packed.arrays  # no class asked for: every sample in the samples' blue
    assert state.start_training()
    state.jobs.wait(120)
    state.poll()
    state.label = "every class"
    packed = embedded_run_file(_download(view.page_html).decode("utf-8"))
    np.testing.assert_array_equal(packed.arrays["c"], state.run_labels.astype(np.float32))
    assert packed.meta["class_colors"] == class_colours_of(state.model)
    assert packed.meta["class_names"][:3] == list(state.model.class_names)
    state.shutdown()
