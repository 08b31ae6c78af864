"""The frames of a run as pictures: samples as dots over the training data's grey ghost, each sample in its
class's colour, the caption "t = 0.73" and a thin timeline along the bottom. The GIF (export.render_gif) and the
video (video.render_video) are both made of these frames, drawn with numpy and Pillow on a fixed palette, so the
same run gives the same pixels.
"""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Iterator

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.data.datasets import validate

if TYPE_CHECKING:  # Pillow is imported when a frame is painted: the served page imports this module, ~0.1 s
    from PIL import Image

# An animation longer than this is a slideshow, not an animation, and its size grows with every frame.
MAX_FRAMES = 120
# Side lengths in pixels. Below 128 the caption crowds the plot (and the timeline bar at the
# bottom could no longer give each of 120 frames its own length, which keeps frames distinct).
MIN_SIZE, MAX_SIZE = 128, 1024
# Browsers show GIF delays under 20 ms as 100 ms, so 50 frames per second is the real ceiling.
MAX_FPS = 50.0

# The fixed palette (index: colour). Drawing with indices, not RGB, needs no quantisation step.
BACKGROUND, GHOST, SAMPLE, TEXT, TRACK = range(5)
PALETTE = [
    (255, 255, 255),  # background: white
    (214, 214, 214),  # the training data: a faint grey ghost
    (31, 78, 156),    # the samples: dark blue (luminance ~75 of 255), the plot's (look.COLORS)
    (60, 60, 60),     # caption
    (236, 236, 236),  # timeline track
]


def check_frame_args(size, fps, bounds, max_frames, what: str = "GIF") -> tuple[int, float, tuple, int]:
    """(size, fps, bounds, max_frames) checked, or an ExplorerError that says what is allowed."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ExplorerError(f"size (the {what}'s side in pixels) must be a whole number from {MIN_SIZE} to "
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
    """The (column, row) pixel where a frame draws the centre of `point` (x, y): Pillow's
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


def sample_colours(labels, class_colors, n: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """(palette index of each of n samples, the class colours to add to the palette): a sample of class k
    (0 <= k < len(class_colors)) in colour k, the others (no class) in the samples' blue."""
    if labels is None:
        return np.full(n, SAMPLE, np.uint8), []
    colours = [_hex(c) for c in class_colors]
    if not colours or len(colours) > 256 - len(PALETTE):
        raise ExplorerError(f"labels need class_colors: 1 to {256 - len(PALETTE)} '#rrggbb' colours, one per class")
    try:
        lab = np.asarray(labels, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ExplorerError("labels must be one class number per sample") from None
    if len(lab) != n:
        raise ExplorerError(f"labels must give one class per sample: {n} samples, got {len(lab)} labels")
    known = np.isfinite(lab) & (lab >= 0) & (lab < len(colours)) & (lab == np.round(lab))
    index = np.full(n, SAMPLE, np.uint8)
    index[known] = len(PALETTE) + lab[known].astype(np.intp)
    return index, colours


def paint_frames(points: np.ndarray, times: np.ndarray, keep, data=None, size: int = 480,
                 box: tuple = (-4.0, 4.0, -4.0, 4.0), labels=None, class_colors=()) -> Iterator[Image.Image]:
    """One palette image ("P" mode, `size` x `size`) per frame index in `keep` of `points` (F, n, 2) at `times`.

    The samples are dots over `data` (an optional (m, 2) set) drawn as a faint grey ghost; with `labels` (one
    class number per sample) and `class_colors` ('#rrggbb', one per class) each sample takes its class's colour,
    as in the dashboard's plot. The caption gives t; the timeline's filled length is distinct for every frame (size
    >= 128 > MAX_FRAMES), so no two frames are identical. Arguments are checked before the first image is made.
    """
    colour_of, classes = sample_colours(labels, class_colors, points.shape[1])
    radius = max(1, round(size / 240))  # 2 px at the default 480
    disk = _disk(radius)
    base = np.full((size, size), BACKGROUND, np.uint8)
    if data is not None:
        ghost = validate(data, max_abs=None).astype(np.float64)
        _stamp(base, *_to_pixels(ghost, box, size), disk, GHOST)
    return _frames(points, times, list(keep), base, disk, colour_of, classes, size, box)


def _frames(points, times, keep, base, disk, colour_of, classes, size, box) -> Iterator[Image.Image]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=max(11, size // 28))
    margin, bar = max(4, size // 60), max(2, size // 160)
    palette = [channel for rgb in (*PALETTE, *classes) for channel in rgb]
    for i, k in enumerate(keep):
        canvas = base.copy()
        for colour in np.unique(colour_of):  # one stamp per colour (a class's dots over the ones before)
            _stamp(canvas, *_to_pixels(points[k][colour_of == colour], box, size), disk, colour)
        canvas[size - bar:, :] = TRACK
        canvas[size - bar:, : round((i + 1) / len(keep) * size)] = SAMPLE
        image = Image.frombytes("P", (size, size), canvas.tobytes())
        image.putpalette(palette)
        draw = ImageDraw.Draw(image)
        draw.fontmode = "1"  # crisp text in palette colours: no antialiasing blends to look up
        draw.text((margin, margin), f"t = {times[k]:.2f}", fill=TEXT, font=font)
        yield image
