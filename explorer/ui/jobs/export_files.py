"""The files behind the dashboard's Export & share card, with no Panel: a model as one zip and back
(size-checked before anything is unpacked, validated by `checkpoints.from_bytes`, never unpickled),
a trajectories run thinned to fit a download, and `gif_work` and `video_work`, the jobs (runner.py) that draw a
run's GIF and its video.
"""
from __future__ import annotations

import html
import io
import os
import tempfile
import types
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from explorer.core.errors import ExplorerError
from explorer.tools.export import frame_indices, render_gif
from explorer.training import checkpoints
from explorer.ui.plot.frames import BOUNDS

if TYPE_CHECKING:
    from explorer.training.model import DiffusionModel

# A download crosses the page's websocket as base64 (Bokeh's default cap: 20 MB a message): a
# trajectories CSV is kept under ~10 MB by thinning its frames.
MAX_TRAJECTORY_ROWS = 300_000
# An upload (the zip, or both files together) is refused above this size before anything is unpacked.
MAX_UPLOAD_BYTES = checkpoints.MAX_BYTES + 1024 * 1024
MAX_ZIP_ENTRIES = 16
GIF_SIZE, GIF_FPS = 480, 20
MAX_NAME_CHARS = 60


def plain_name(name) -> str:
    """A user's file name, fit to show in HTML (a notification): its last part, shortened, escaped."""
    text = PurePosixPath(str(name).replace("\\", "/")).name or "the file"
    if len(text) > MAX_NAME_CHARS:
        text = text[:MAX_NAME_CHARS] + "..."
    return html.escape(text)


def safe_name(name) -> str:
    """A user's file name, fit to show in Markdown (the status line): plain_name with Markdown escaped too."""
    return escape_markdown(plain_name(name))


def escape_markdown(text: str) -> str:
    """`text` with Markdown's special characters backslash-escaped, so it shows as typed."""
    return "".join("\\" + c if c in "\\`*_[]()#!|~" else c for c in text)


# --- bytes in, bytes out (no Panel) ---------------------------------------------------------------
def model_zip(model: DiffusionModel) -> bytes:
    """A zip of `model.safetensors` and `config.json`: the download, and what the upload reads back."""
    weights, config = checkpoints.to_bytes(model)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(checkpoints.WEIGHTS, weights)
        zf.writestr(checkpoints.CONFIG, config)
    return buf.getvalue()


def _unzip(blob: bytes) -> dict[str, bytes]:
    """The two model files from a zip, reading no entry larger than checkpoints.MAX_BYTES."""
    limit = checkpoints.MAX_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise ExplorerError(f"the zip has {len(infos)} entries; a model zip has 2 "
                                    f"({checkpoints.WEIGHTS} and {checkpoints.CONFIG})")
            files = {}
            for info in infos:
                base = PurePosixPath(info.filename).name
                if base not in (checkpoints.WEIGHTS, checkpoints.CONFIG) or info.filename.startswith("__MACOSX"):
                    continue
                if base in files:
                    raise ExplorerError(f"the zip holds {base} twice")
                if info.file_size > limit:  # the declared size, checked before unpacking anything
                    raise ExplorerError(f"{base} in the zip unpacks to {info.file_size / 1e6:.0f} MB; "
                                        f"the limit is {limit / 1e6:.0f} MB")
                with zf.open(info) as f:
                    data = f.read(limit + 1)  # the declared size may lie: never read past the limit
                if len(data) > limit:
                    raise ExplorerError(f"{base} in the zip is larger than {limit / 1e6:.0f} MB")
                files[base] = data
    except ExplorerError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as err:
        raise ExplorerError(f"not a readable zip file ({err})") from None
    return files


def read_model_upload(files: dict[str, bytes]) -> DiffusionModel:
    """A model from uploaded files {name: bytes}: one .zip, or model.safetensors and config.json."""
    total = sum(len(b) for b in files.values())
    if total > MAX_UPLOAD_BYTES:
        raise ExplorerError(f"the upload is {total / 1e6:.0f} MB; a model is at most "
                            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    if len(files) == 1 and next(iter(files)).lower().endswith(".zip"):
        found = _unzip(next(iter(files.values())))
    else:
        found = {}
        for name, blob in files.items():
            kind = checkpoints.WEIGHTS if name.lower().endswith(".safetensors") else \
                checkpoints.CONFIG if name.lower().endswith(".json") else None
            if kind is None or kind in found:
                raise ExplorerError("choose the model's .zip, or its two files model.safetensors and "
                                    "config.json together")
            found[kind] = blob
    missing = [n for n in (checkpoints.WEIGHTS, checkpoints.CONFIG) if n not in found]
    if missing:
        raise ExplorerError(f"{' and '.join(missing)} missing: upload the model's .zip, or select both "
                            f"{checkpoints.WEIGHTS} and {checkpoints.CONFIG} at once")
    return checkpoints.from_bytes(found[checkpoints.WEIGHTS], found[checkpoints.CONFIG])


def thinned(run, max_rows: int = MAX_TRAJECTORY_ROWS):
    """`run`, or a copy of it with evenly spaced frames (first and last kept) so frames x samples <= max_rows."""
    frames, n = run.points.shape[:2]
    if frames * n <= max_rows:
        return run
    keep = frame_indices(frames, max(2, max_rows // n))
    return types.SimpleNamespace(points=run.points[keep], times=run.times[keep])


def gif_work(run, data=None, size: int = GIF_SIZE, fps: float = GIF_FPS, bounds=BOUNDS, labels=None, class_colors=()):
    """The job's work (runner.py): `render_gif` of `run` into a temporary file; its bytes are the result.
    `labels` and `class_colors`: each sample's class and the classes' colours, as the plot shows them."""
    return _file_work(render_gif, ".gif", "GIF", run, data=data, size=size, fps=fps, bounds=bounds, labels=labels,
                      class_colors=class_colors)


def video_work(run, data=None, size: int = GIF_SIZE, fps: float = GIF_FPS, bounds=BOUNDS, labels=None,
               class_colors=(), suffix: str = ".mp4"):
    """The job's work: `render_video` of `run` (the GIF's frames, as H.264 in an .mp4 by default)."""
    from explorer.tools.video import render_video

    return _file_work(render_video, suffix, "video", run, data=data, size=size, fps=fps, bounds=bounds,
                      labels=labels, class_colors=class_colors)


def _file_work(render, suffix: str, what: str, run, **options):
    def work(job) -> bytes:
        fd, path = tempfile.mkstemp(suffix=suffix, prefix="explorer-")
        os.close(fd)
        try:
            render(run, path, progress=job.progress, **options)
            with open(path, "rb") as f:
                return f.read()
        except ExplorerError:
            raise
        except Exception as err:  # a bug, not bad input: one line on the page
            raise ExplorerError(f"the {what} could not be made: {type(err).__name__}: {err}") from err
        finally:
            os.unlink(path)

    return work
