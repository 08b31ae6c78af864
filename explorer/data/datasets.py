"""2D point sets: the built-in shapes, freehand drawings, CSV files, and the one point checker.

Everything the library accepts as data passes through :func:`validate`, which turns it into an
(n, 2) float32 C-contiguous array or raises :class:`~explorer.core.errors.ExplorerError` with a message
a student can act on. Data lives on the scale of the noise N(0, I): the built-in sets have
per-axis std ~1 inside [-2.5, 2.5]², and :func:`rescale` brings any other set to that scale.

    from explorer import datasets
    points = datasets.load("smiley", n=2000, seed=0)
    points = datasets.from_strokes(source.data["xs"], source.data["ys"])  # a Bokeh drawing
    points = datasets.read_csv(file_input.value)                          # an upload's bytes
"""
from __future__ import annotations

import importlib.resources
import io
import numbers
from pathlib import Path

import numpy as np

from explorer.core.checks import check_int
from explorer.core.errors import ExplorerError
from explorer.data.dataset_specs import DATASETS
from explorer.data.shapes import (  # noqa: F401 - the generators are part of this module's API too
    GENERATORS,
    checkerboard,
    clean_strokes,
    eight_gaussians,
    moons,
    resample_strokes,
    rings,
    smiley,
    spiral,
    three_dots,
)

# The most points any entry point accepts: beyond this, O(n²) metrics and the browser crawl.
MAX_POINTS = 100_000
# Largest |coordinate| accepted: noise is N(0, I), so data far outside ~[-10, 10] is a scale mistake.
MAX_ABS = 100.0
# Uploads larger than this are refused before parsing (100k rows of "x,y" take ~2.5 MB).
MAX_CSV_BYTES = 20_000_000


def names() -> list[str]:
    """The registered dataset names (dataset_specs.py), smiley first (the app's default)."""
    return list(DATASETS)


def _check_name(name) -> None:
    if name not in DATASETS:
        raise ExplorerError(f"unknown dataset {name!r}; the built-in datasets are: {', '.join(DATASETS)}")


def load(name: str, n: int = 2000, seed: int = 0) -> np.ndarray:
    """n points of a built-in dataset as an (n, 2) float32 array; the same (name, n, seed), the same points.

    Rows come in random order, so ``load(name, n)[:k]`` is a fair sample of k points.
    """
    _check_name(name)
    n = check_int("n (the number of points)", n, 2, MAX_POINTS)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    return validate(DATASETS[name].generate(n, np.random.default_rng(seed)))


def _row(i: int) -> str:
    return f"row {i}"


def _as_float64(points) -> np.ndarray:
    """Any array-like (list, tuple, numpy, torch) as a float64 array of shape (n, 2), or ExplorerError."""
    if hasattr(points, "detach") and hasattr(points, "cpu"):  # a torch tensor, without importing torch
        points = points.detach().cpu()
        if points.is_floating_point():
            points = points.double()  # numpy has no bfloat16
    try:
        arr = np.asarray(points)
    except (ValueError, TypeError) as err:
        raise ExplorerError(
            "points could not be read as an (n, 2) array of numbers (are some rows longer than "
            f"others?): {err}") from None
    if arr.dtype.kind not in "iuf":
        found = {"U": "text", "S": "text", "b": "True/False values", "c": "complex numbers"}.get(
            arr.dtype.kind, "something that is not a number")
        raise ExplorerError(f"points must be numbers (x, y coordinates); got {found} (dtype {arr.dtype})")
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        hint = "; it looks transposed, try points.T" if arr.ndim == 2 and arr.shape[0] == 2 else ""
        raise ExplorerError(
            f"points must have shape (n, 2), one row (x, y) per point; got shape {arr.shape}{hint}")
    return arr.astype(np.float64)


def _check_rows(arr: np.ndarray, min_points: int, max_points: int, max_abs: float, where=_row) -> None:
    """Count, finiteness and magnitude checks on a float64 (n, 2) array; ``where(i)`` names row i."""
    n = len(arr)
    if n < min_points:
        if n == 0:
            msg = "an empty drawing has no points"
        elif n == 1:
            msg = "a single point is not a distribution"
        else:
            msg = f"got {n} points"
        raise ExplorerError(f"{msg}: draw (or provide) at least {min_points} points")
    if n > max_points:
        raise ExplorerError(
            f"got {n:,} points but the limit is {max_points:,}; subsample first, e.g. "
            f"points[np.random.default_rng(0).choice(len(points), {max_points}, replace=False)]")
    bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
    if len(bad):
        rows = "1 row contains" if len(bad) == 1 else f"{len(bad)} rows contain"
        raise ExplorerError(f"{rows} NaN or infinity (first at {where(int(bad[0]))}); remove those rows")
    if max_abs is not None and n and np.abs(arr).max() > max_abs:
        i = int(np.abs(arr).max(axis=1).argmax())
        raise ExplorerError(
            f"coordinates reach {np.abs(arr).max():.4g} (at {where(i)}) but at most {max_abs:g} is allowed; "
            "the noise is N(0, I), so data should be near unit scale: use explorer.data.datasets.rescale(points)")


def validate(points, *, min_points: int = 2, max_points: int = MAX_POINTS,
             max_abs: float = MAX_ABS) -> np.ndarray:
    """Check a point set and return it as a new (n, 2) float32 C-contiguous array.

    Accepts anything array-like: lists of pairs, tuples, numpy arrays, torch tensors. Raises
    ExplorerError for: non-numbers, a shape other than (n, 2), fewer than ``min_points`` or more
    than ``max_points`` rows, any NaN or infinity, or a coordinate with |value| > ``max_abs``.
    Every entry point of the library calls this on the data it is given.
    """
    arr = _as_float64(points)
    _check_rows(arr, min_points, max_points, max_abs)
    return np.array(arr, dtype=np.float32, order="C")


def rescale(points, half_width: float = 2.0) -> np.ndarray:
    """Centre a set on its bounding-box centre and scale it uniformly to fit [-half_width, half_width]².

    The longer side of the bounding box ends up spanning exactly [-half_width, half_width]; the
    aspect ratio is kept. A set of identical points is only centred (to all zeros). Accepts sets
    of any magnitude (that is what it is for); the result passes :func:`validate`.
    """
    if not isinstance(half_width, numbers.Real) or not 0 < half_width <= MAX_ABS:
        raise ExplorerError(f"half_width must be a number in (0, {MAX_ABS:g}]; got {half_width!r}")
    arr = _as_float64(points)
    _check_rows(arr, 2, MAX_POINTS, max_abs=None)
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    centred = arr - (lo + hi) / 2
    span = float((hi - lo).max()) / 2
    return validate(centred if span == 0 else centred * (half_width / span))


def from_strokes(xs, ys, *, density: float = 40.0, jitter: float = 0.03, seed: int = 0,
                 max_points: int = 20_000) -> np.ndarray:
    """Turn freehand strokes into a point set.

    ``xs`` and ``ys`` hold one list of vertex coordinates per stroke, exactly as Bokeh's
    FreehandDrawTool fills a ColumnDataSource. Each stroke (a polyline) gets
    ``max(1, round(density * length))`` points at uniform arc-length spacing 1/density (centred in
    their intervals, so joined strokes do not double their endpoints); a click (one vertex, or
    zero length) gets ``max(1, round(density * 0.05))`` points at that spot. NaN/inf vertices are
    dropped, empty strokes skipped. If the total exceeds ``max_points``, evenly spaced points of
    the sequence are kept, which preserves uniform coverage. Finally each point moves by isotropic
    Gaussian jitter of std ``jitter`` (seeded; clipped at 4 std, so no stray point lands far from
    the ink), and the result goes through :func:`validate`.
    """
    points, _stroke = stroke_points(xs, ys, density, jitter, seed, max_points)
    return points


def stroke_points(xs, ys, density: float, jitter: float, seed: int, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`from_strokes`'s points, and the index (in ``xs``) of the stroke each point comes from."""
    if not isinstance(density, numbers.Real) or not 0 < density <= MAX_POINTS:
        raise ExplorerError(f"density (points per unit of stroke length) must be in (0, {MAX_POINTS:,}]; "
                            f"got {density!r}")
    # A std above 1 would blur a drawing on the [-4, 4] canvas beyond recognition.
    if not isinstance(jitter, numbers.Real) or not 0 <= jitter <= 1:
        raise ExplorerError(f"jitter (the std of the blur added to each point) must be in [0, 1]; "
                            f"got {jitter!r}")
    max_points = check_int("max_points", max_points, 2, MAX_POINTS)
    kept: list[int] = []
    strokes = clean_strokes(xs, ys, MAX_ABS, kept)
    if not strokes:
        raise ExplorerError("the drawing is empty: draw a longer stroke (or a few clicks) to make points")
    out, which = resample_strokes(strokes, density, max_points, with_stroke=True)
    if len(out) < 2:
        raise ExplorerError(f"the drawing gives only {len(out)} point: draw a longer stroke "
                            "(or raise density)")
    noise = np.random.default_rng(seed).normal(0.0, 1.0, size=out.shape)
    return (validate(out + jitter * np.clip(noise, -4.0, 4.0), max_points=max_points),
            np.asarray(kept, np.int64)[which])


def read_text(source) -> str:
    """The text of a path, bytes, or file object, with the size cap and UTF-8 decoding checked."""
    if isinstance(source, str) and "\n" in source:
        raise ExplorerError("read_csv got a string that looks like CSV text, not a file path; "
                            "pass text.encode() or io.StringIO(text) instead")
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_CSV_BYTES:
                raise ExplorerError(f"{path.name} is larger than the {MAX_CSV_BYTES // 1_000_000} MB limit")
            source = path.read_bytes()
        except OSError as err:
            raise ExplorerError(f"could not read the file {str(path)!r}: {err.strerror or err}") from None
    elif hasattr(source, "read"):
        source = source.read(MAX_CSV_BYTES + 1)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > MAX_CSV_BYTES:
            raise ExplorerError(f"the file is larger than the {MAX_CSV_BYTES // 1_000_000} MB limit")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            raise ExplorerError(f"the file is not UTF-8 text (undecodable byte at line {line}); "
                                "save it as a UTF-8 (or plain ASCII) CSV") from None
    if isinstance(source, str):
        if len(source) > MAX_CSV_BYTES:
            raise ExplorerError(f"the file is larger than the {MAX_CSV_BYTES // 1_000_000} MB limit")
        return source.removeprefix("\ufeff")
    raise ExplorerError(f"read_csv needs a path, bytes or a text file object; got {type(source).__name__}")


def number(field: str) -> float | None:
    try:
        return float(field)
    except ValueError:
        return None


def read_csv(source) -> np.ndarray:
    """Read a two-column x,y CSV into an (n, 2) float32 array (checked by :func:`validate`).

    ``source`` is a path (str or Path), raw bytes (what Panel's FileInput gives) or a file object.
    Rules: one point per line; comma separator (semicolon or whitespace also work); a non-numeric
    first row is a header and is skipped; blank lines and lines starting with # are ignored.
    Errors name the line number. Parsed with plain Python: no pickle, no eval. A file with a `label` column
    (explorer/data/labelled_points.py) gives its points here, without the classes.
    """
    from explorer.data.labelled_points import read_labelled_csv  # it builds on this module

    return read_labelled_csv(source).points


def checked_rows(arr: np.ndarray, where=_row) -> np.ndarray:
    """Rows read from a file, checked (count, finiteness, magnitude; ``where(i)`` names row i) and validated."""
    _check_rows(arr, 2, MAX_POINTS, MAX_ABS, where=where)
    return validate(arr)


def write_csv(points, path=None) -> str:
    """The points as CSV text: header ``x,y``, then one ``x,y`` row per point with 6 decimals.

    Also writes the text to ``path`` (UTF-8, \\n line endings) when given. Round-trips with
    :func:`read_csv` to within 1e-6 of ``validate(points)``.
    """
    arr = validate(points)
    buf = io.StringIO()
    buf.write("x,y\n")
    buf.writelines(f"{x:.6f},{y:.6f}\n" for x, y in arr.tolist())
    text = buf.getvalue()
    if path is not None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return text


def shipped_path(name: str) -> Path:
    """Path of the CSV shipped for a built-in dataset: ``load(name, 2000, 0)`` written by write_csv.

    Looks in the installed package (``explorer/_shipped_datasets/``) first, then in the
    repository's top-level ``datasets/`` folder. FileNotFoundError if neither has it (regenerate
    with ``python datasets/regenerate.py``).
    """
    _check_name(name)
    try:
        packaged = importlib.resources.files("explorer") / "_shipped_datasets" / f"{name}.csv"
    except (ModuleNotFoundError, TypeError, ValueError):  # e.g. a namespace package in a checkout
        packaged = None
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "datasets" / f"{name}.csv"
    if not repo.is_file():
        raise FileNotFoundError(f"no shipped CSV for {name!r} at {repo}; run: python datasets/regenerate.py")
    return repo


# Labelled loading lives in labels.py (it reads points off `load`); it is part of dx.datasets.
from explorer.data.labels import class_names, load_labelled  # noqa: E402, F401
