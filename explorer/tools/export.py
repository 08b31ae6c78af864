"""Take a sampling run out of the explorer: its samples or trajectories as CSV, its animation as a GIF, a video
or one self-contained interactive HTML page.

    import explorer as dx
    from explorer.tools.export import render_gif, run_to_csv
    run = dx.sample(dx.load_pretrained("smiley"), n=2000, sampler="heun", steps=50, seed=0)
    run_to_csv(run, "samples.csv")                                   # x,y: read back by datasets.read_csv
    run_to_csv(run, "paths.csv", trajectories=True)                  # frame,t,sample,x,y (long format)
    render_gif(run, "run.gif", data=dx.datasets.load("smiley"))      # noise -> data, the data as a ghost
    render_video(run, "run.mp4", data=dx.datasets.load("smiley"))    # the GIF's frames as H.264 (or .webm: VP9)
    render_html(run, "run.html", data=dx.datasets.load("smiley"))    # plot, time slider, play: works offline

No Panel here: the dashboard's download buttons, the command line and notebooks all call these.
The GIF is drawn with numpy and Pillow on a fixed palette (raster.py), so the same run gives the same bytes;
the video (video.py, PyAV) encodes the same frames, and the page (html_page.py) is Bokeh's, imported only
when asked for.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Callable

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.tools.raster import MAX_FPS, MAX_FRAMES, MAX_SIZE, MIN_SIZE, check_frame_args, paint_frames, pixel_of

__all__ = ["HOLD_LAST_MS", "MAX_CSV_ROWS", "MAX_FPS", "MAX_FRAMES", "MAX_SIZE", "MIN_SIZE", "check_output",
           "check_writable", "frame_indices", "pixel_of", "render_gif", "render_html", "render_video", "run_arrays",
           "run_to_csv"]

# The last frame stays up this long before the loop restarts, so the result can be seen.
HOLD_LAST_MS = 1000
# A trajectories CSV beyond this many rows (~60 MB) is a mistake: fewer points or steps will do.
MAX_CSV_ROWS = 2_000_000


def run_arrays(run) -> tuple[np.ndarray, np.ndarray]:
    """(points (F, n, 2), times (F,)) of a SampleRun, or any object with those two arrays."""
    try:
        points = np.asarray(run.points, dtype=np.float64)
        times = np.asarray(run.times, dtype=np.float64)
    except (AttributeError, TypeError, ValueError):
        raise ExplorerError(f"expected a sampling run from explorer.sample(), got {type(run).__name__}") from None
    if points.ndim != 3 or points.shape[2] != 2 or points.shape[1] == 0 or times.shape != (points.shape[0],):
        raise ExplorerError(f"a run needs points of shape (frames, n, 2) and one time per frame; got points "
                            f"{points.shape} and times {times.shape}")
    return points, times


def check_writable(path) -> Path:
    """`path` as a Path, or ExplorerError if its folder does not exist (checked before slow work)."""
    out = Path(path)
    if not out.parent.is_dir():
        raise ExplorerError(f"cannot write {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    if out.is_dir():
        raise ExplorerError(f"cannot write {str(out)!r}: it is a folder")
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ExplorerError(f"cannot write {str(out)!r}: permission denied")
    return out


def check_output(path, suffixes: tuple[str, ...], what: str) -> Path:
    """`path` checked as check_writable does, and to end in one of `suffixes` (what it will be written as)."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise ExplorerError(f"{what} is written as {' or '.join(suffixes)}: {str(out)!r} ends in "
                            f"{out.suffix or 'no extension'}")
    return check_writable(out)


def _write(text: str, path) -> None:
    check_writable(path)
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except OSError as err:
        raise ExplorerError(f"could not write {str(path)!r}: {err.strerror or err}") from None


def run_to_csv(run, path=None, trajectories: bool = False) -> str:
    """The run as CSV text (also written to `path` when given), numbers with 6 decimals.

    By default the generated samples, header ``x,y`` and one row per sample: the format of
    :func:`explorer.data.datasets.write_csv`, so :func:`~explorer.data.datasets.read_csv` reads it back.
    With ``trajectories=True`` every frame in long format, header ``frame,t,sample,x,y``: frames
    x samples rows, frame 0 being the noise at t = 1 and the last frame the samples at t = 0.
    """
    points, times = run_arrays(run)
    buf = io.StringIO()
    if not trajectories:
        buf.write("x,y\n")
        buf.writelines(f"{x:.6f},{y:.6f}\n" for x, y in points[-1].tolist())
    else:
        frames, n = points.shape[:2]
        if frames * n > MAX_CSV_ROWS:
            raise ExplorerError(f"{frames} frames x {n} samples = {frames * n:,} rows is more than the "
                                f"{MAX_CSV_ROWS:,} a trajectories CSV allows; sample fewer points or steps")
        buf.write("frame,t,sample,x,y\n")
        for k in range(frames):
            t = f"{times[k]:.6f}"
            buf.writelines(f"{k},{t},{i},{x:.6f},{y:.6f}\n" for i, (x, y) in enumerate(points[k].tolist()))
    text = buf.getvalue()
    if path is not None:
        _write(text, path)
    return text


def frame_indices(frames: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Which of `frames` frames a GIF shows: all of them, or `max_frames` evenly spaced ones that
    always include the first (noise) and the last (samples)."""
    if frames <= max_frames:
        return np.arange(frames)
    return np.unique(np.round(np.linspace(0, frames - 1, max_frames)).astype(int))


def render_gif(
    run,
    path,
    data=None,
    size: int = 480,
    fps: float = 20,
    bounds=(-4, 4, -4, 4),
    progress: Callable[[int, int], object] | None = None,
    *,
    max_frames: int = MAX_FRAMES,
    labels=None,
    class_colors=(),
) -> Path:
    """Animate a sampling run from noise to data as a looping GIF at `path`; returns the path.

    Each frame shows the samples as small dark dots over `data` (optional, an (m, 2) point set)
    drawn as a faint grey ghost, with the caption "t = 0.73" and a thin timeline along the bottom.
    The image is `size` x `size` pixels over `bounds` = (xmin, xmax, ymin, ymax); points outside are
    not drawn. A run with more than `max_frames` (at most 120) frames is shown at evenly spaced ones,
    first and last always included; the last frame is held for a second. ``progress(i, total)`` is
    called after each frame is drawn, i = 1 ... total (for a progress bar). `labels` (one class number
    per sample) with `class_colors` ('#rrggbb', one per class) draws each sample in its class's colour,
    as the dashboard's plot does (a sample of no class stays blue). The same arguments give the same bytes.
    """
    size, fps, box, max_frames = check_frame_args(size, fps, bounds, max_frames)
    points, times = run_arrays(run)
    out = check_writable(path)
    if progress is not None and not callable(progress):
        raise ExplorerError(f"progress must be a function progress(i, total) or None; got {type(progress).__name__}")
    keep = frame_indices(len(points), max_frames)
    images = []
    for i, image in enumerate(paint_frames(points, times, keep, data, size, box, labels, class_colors)):
        images.append(image)
        if progress is not None:
            progress(i + 1, len(keep))
    step_ms = max(20, round(1000 / fps / 10) * 10)  # GIF delays are in hundredths of a second
    durations = [step_ms] * (len(images) - 1) + [max(step_ms, HOLD_LAST_MS)]
    try:
        images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=durations,
                       loop=0, optimize=False, disposal=1)
    except OSError as err:
        raise ExplorerError(f"could not write {str(out)!r}: {err.strerror or err}") from None
    return out


def render_video(run, path, data=None, **options) -> Path:
    """The run's animation as an .mp4 (H.264) or .webm (VP9) video: see :func:`explorer.tools.video.render_video`."""
    from explorer.tools.video import render_video as _render_video

    return _render_video(run, path, data, **options)


def render_html(run, path, data=None, **options) -> Path:
    """The run as one self-contained interactive page: see :func:`explorer.tools.html_page.render_html`."""
    from explorer.tools.html_page import render_html as _render_html

    return _render_html(run, path, data, **options)
