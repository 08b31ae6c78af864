"""Take a sampling run out of the explorer: its samples or trajectories as CSV, its animation as a GIF.

    import explorer as dx
    from explorer.tools.export import render_gif, run_to_csv
    run = dx.sample(dx.load_pretrained("smiley"), n=2000, sampler="heun", steps=50, seed=0)
    run_to_csv(run, "samples.csv")                                   # x,y: read back by datasets.read_csv
    run_to_csv(run, "paths.csv", trajectories=True)                  # frame,t,sample,x,y (long format)
    render_gif(run, "run.gif", data=dx.datasets.load("smiley"))      # noise -> data, the data as a ghost

No Panel here: the dashboard's download buttons, the command line and notebooks all call these.
The GIF is drawn with numpy and Pillow on a fixed palette, so the same run gives the same bytes.
"""
from __future__ import annotations

import io
import numbers
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from explorer.core.errors import ExplorerError
from explorer.data.datasets import validate

# A GIF longer than this is a slideshow, not an animation, and its size grows with every frame.
MAX_FRAMES = 120
# Side lengths in pixels. Below 128 the caption crowds the plot (and the timeline bar at the
# bottom could no longer give each of 120 frames its own length, which keeps frames distinct).
MIN_SIZE, MAX_SIZE = 128, 1024
# Browsers show GIF delays under 20 ms as 100 ms, so 50 frames per second is the real ceiling.
MAX_FPS = 50.0
# The last frame stays up this long before the loop restarts, so the result can be seen.
HOLD_LAST_MS = 1000
# A trajectories CSV beyond this many rows (~60 MB) is a mistake: fewer points or steps will do.
MAX_CSV_ROWS = 2_000_000

# The fixed palette (index: colour). Drawing with indices, not RGB, needs no quantisation step.
BACKGROUND, GHOST, SAMPLE, TEXT, TRACK = range(5)
_PALETTE = [
    (255, 255, 255),  # background: white
    (214, 214, 214),  # the training data: a faint grey ghost
    (31, 78, 156),    # the samples: dark blue (luminance ~75 of 255)
    (60, 60, 60),     # caption
    (236, 236, 236),  # timeline track
]


def _arrays(run) -> tuple[np.ndarray, np.ndarray]:
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
    return out


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
    points, times = _arrays(run)
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


def _check_gif_args(size, fps, bounds, max_frames) -> tuple[int, float, tuple, int]:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ExplorerError(f"size (the GIF's side in pixels) must be a whole number from {MIN_SIZE} to "
                            f"{MAX_SIZE}; got {size!r}")
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not 0 < fps <= MAX_FPS:
        raise ExplorerError(f"fps (frames per second) must be a number in (0, {MAX_FPS:g}]; got {fps!r}")
    try:
        box = tuple(float(b) for b in bounds)
    except (TypeError, ValueError):
        box = ()
    if len(box) != 4 or not np.all(np.isfinite(box)) or not (box[0] < box[1] and box[2] < box[3]):
        raise ExplorerError(f"bounds must be 4 finite numbers (xmin, xmax, ymin, ymax) with xmin < xmax and "
                            f"ymin < ymax; got {bounds!r}")
    if isinstance(max_frames, bool) or not isinstance(max_frames, numbers.Integral) \
            or not 2 <= max_frames <= MAX_FRAMES:
        raise ExplorerError(f"max_frames must be a whole number from 2 to {MAX_FRAMES}; got {max_frames!r}")
    return int(size), float(fps), box, int(max_frames)


def _disk(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dy, dx) of a filled dot of the given radius."""
    r = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(r, r, indexing="ij")
    keep = dy**2 + dx**2 <= radius * (radius + 1)
    return dy[keep], dx[keep]


def _to_pixels(xy: np.ndarray, box: tuple, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) integer pixels of points (n, 2); y points up. Points outside the box are dropped."""
    xmin, xmax, ymin, ymax = box
    col = np.floor((xy[:, 0] - xmin) / (xmax - xmin) * size)
    row = np.floor((ymax - xy[:, 1]) / (ymax - ymin) * size)
    keep = np.isfinite(col) & np.isfinite(row) & (col >= 0) & (col < size) & (row >= 0) & (row < size)
    return row[keep].astype(np.intp), col[keep].astype(np.intp)


def pixel_of(point, bounds=(-4, 4, -4, 4), size: int = 480) -> tuple[int, int]:
    """The (column, row) pixel where :func:`render_gif` draws the centre of `point` (x, y): Pillow's
    ``image.getpixel`` order. Raises ExplorerError if the point lies outside `bounds`."""
    row, col = _to_pixels(np.asarray(point, dtype=np.float64).reshape(1, 2), tuple(map(float, bounds)), size)
    if len(row) == 0:
        raise ExplorerError(f"the point {tuple(point)} lies outside the bounds {tuple(bounds)}")
    return int(col[0]), int(row[0])


def _stamp(canvas: np.ndarray, rows, cols, disk, colour: int) -> None:
    """Paint a dot of palette index `colour` at every (row, col), clipped at the edges."""
    size = canvas.shape[0]
    r = (rows[:, None] + disk[0][None]).ravel()
    c = (cols[:, None] + disk[1][None]).ravel()
    keep = (r >= 0) & (r < size) & (c >= 0) & (c < size)
    canvas[r[keep], c[keep]] = colour


def _hex(colour) -> tuple[int, int, int]:
    text = str(colour)
    if len(text) != 7 or text[0] != "#":
        raise ExplorerError(f"a class colour must be '#rrggbb'; got {colour!r}")
    try:
        return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)
    except ValueError:
        raise ExplorerError(f"a class colour must be '#rrggbb'; got {colour!r}") from None


def _sample_colours(labels, class_colors, n: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """(palette index of each of n samples, the class colours to add to the palette): a sample of class k
    (0 <= k < len(class_colors)) in colour k, the others (no class) in the samples' blue."""
    if labels is None:
        return np.full(n, SAMPLE, np.uint8), []
    colours = [_hex(c) for c in class_colors]
    if not colours or len(colours) > 256 - len(_PALETTE):
        raise ExplorerError(f"labels need class_colors: 1 to {256 - len(_PALETTE)} '#rrggbb' colours, one per class")
    try:
        lab = np.asarray(labels, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ExplorerError("labels must be one class number per sample") from None
    if len(lab) != n:
        raise ExplorerError(f"labels must give one class per sample: {n} samples, got {len(lab)} labels")
    known = np.isfinite(lab) & (lab >= 0) & (lab < len(colours)) & (lab == np.round(lab))
    index = np.full(n, SAMPLE, np.uint8)
    index[known] = len(_PALETTE) + lab[known].astype(np.intp)
    return index, colours


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
    size, fps, box, max_frames = _check_gif_args(size, fps, bounds, max_frames)
    points, times = _arrays(run)
    out = check_writable(path)
    if progress is not None and not callable(progress):
        raise ExplorerError(f"progress must be a function progress(i, total) or None; got {type(progress).__name__}")
    colour_of, classes = _sample_colours(labels, class_colors, points.shape[1])
    radius = max(1, round(size / 240))  # 2 px at the default 480
    disk = _disk(radius)
    base = np.full((size, size), BACKGROUND, np.uint8)
    if data is not None:
        ghost = validate(data, max_abs=None).astype(np.float64)
        _stamp(base, *_to_pixels(ghost, box, size), disk, GHOST)
    font = ImageFont.load_default(size=max(11, size // 28))
    margin, bar = max(4, size // 60), max(2, size // 160)
    palette = [channel for rgb in (*_PALETTE, *classes) for channel in rgb]
    keep = frame_indices(len(points), max_frames)
    images = []
    for i, k in enumerate(keep):
        canvas = base.copy()
        for colour in np.unique(colour_of):  # one stamp per colour (a class's dots over the ones before)
            _stamp(canvas, *_to_pixels(points[k][colour_of == colour], box, size), disk, colour)
        # Timeline: frame i of n fills a distinct length (size >= 128 > 120 frames), so no two
        # frames are identical and Pillow never merges them.
        canvas[size - bar:, :] = TRACK
        canvas[size - bar:, : round((i + 1) / len(keep) * size)] = SAMPLE
        image = Image.frombytes("P", (size, size), canvas.tobytes())
        image.putpalette(palette)
        draw = ImageDraw.Draw(image)
        draw.fontmode = "1"  # crisp text in palette colours: no antialiasing blends to look up
        draw.text((margin, margin), f"t = {times[k]:.2f}", fill=TEXT, font=font)
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
