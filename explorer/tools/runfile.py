"""A run as a file: the frames a page needs to play a sampling run, packed as binary arrays in one JSON text.

    from explorer.tools.runfile import pack_run, RunFile
    packed = pack_run(run, data=points)            # frames, times, classes, the ghost, the density layer
    packed.write("smiley.run.json")                # one JSON text: small metadata, arrays as base64 binary
    again = RunFile.read("smiley.run.json")        # the same arrays, bit for bit (no torch needed)

The layout (docs/performance.md#run-files) is the dashboard's store's (explorer/ui/plot/frames.py): for F packed
frames of n samples, ``x`` and ``y`` are (F, n) float32, so frame k is ``x[k]``, and a page reads it as the
window ``X[k*n:(k+1)*n]`` of one Float32Array. Every array travels as
``{"dtype": "float32" | "int32", "shape": [...], "data": base64 of its little-endian bytes}``: 4 bytes a number
plus a third for base64, where JSON text would spend 10 to 12 characters on each. The HTML page
(html_page.py) decodes them with `atob` into typed arrays; a page of the app can feed its store from them.

Arrays: ``t`` (F,) the frames' times, 1 (noise) down to 0; ``index`` (F,) int32, the run's frame of each packed
frame; ``x``, ``y`` (F, n); optional ``c`` (n,) each sample's class (NaN: none); ``data_x``, ``data_y`` (m,) the
training points (the ghost); ``density`` (F, R, R) the samples' KDE on one scale for the run, with its contour
lines ``cx<j>``, ``cy<j>`` (NaN between lines) and ``co<j>`` (F+1,) int32 offsets, frame k's lines of level j being
``cx<j>[co<j>[k]:co<j>[k+1]]``. The metadata names the format and version, n, F, the view's bounds, the run's
settings in words, the class names and colours, and the density's levels.
"""
from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core.errors import ExplorerError

FORMAT, VERSION = "diffusion-explorer-run", 1
MAX_FRAMES = 101  # the dashboard's (ui/plot/frames.py MAX_CLIENT_FRAMES): longer runs keep evenly spaced frames
DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4")}
REQUIRED = ("t", "index", "x", "y")


def encode_array(a) -> dict:
    """A float32 or int32 array as {"dtype", "shape", "data": base64 of its little-endian bytes}."""
    arr = np.asarray(a)
    kind = "int32" if np.issubdtype(arr.dtype, np.integer) else "float32"
    raw = np.ascontiguousarray(arr, dtype=DTYPES[kind]).tobytes()
    return {"dtype": kind, "shape": list(arr.shape), "data": base64.b64encode(raw).decode("ascii")}


def decode_array(entry, name: str = "array") -> np.ndarray:
    """The array of :func:`encode_array`'s dict, or an ExplorerError naming what is wrong with it."""
    if not isinstance(entry, dict) or entry.get("dtype") not in DTYPES or not isinstance(entry.get("data"), str):
        raise ExplorerError(f"{name}: expected {{'dtype': 'float32' or 'int32', 'shape': [...], 'data': base64}}")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                              for s in shape):
        raise ExplorerError(f"{name}: shape must be a list of whole numbers >= 0; got {shape!r}")
    try:
        raw = base64.b64decode(entry["data"], validate=True)
    except ValueError:
        raise ExplorerError(f"{name}: data is not valid base64") from None
    dtype = DTYPES[entry["dtype"]]
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != count * dtype.itemsize:
        raise ExplorerError(f"{name}: {len(raw)} bytes do not hold shape {shape} of {entry['dtype']}")
    return np.frombuffer(raw, dtype).reshape(shape).astype(dtype.newbyteorder("="))  # a writable copy


@dataclass
class RunFile:
    """A packed run: `meta` (JSON values) and `arrays` {name: float32 or int32 array} (the module says which)."""

    meta: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.arrays["t"])

    @property
    def n(self) -> int:
        return int(self.arrays["x"].shape[1])

    def to_json(self) -> str:
        body = {"format": FORMAT, "version": VERSION, "meta": self.meta,
                "arrays": {k: encode_array(v) for k, v in self.arrays.items()}}
        return json.dumps(body, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text) -> RunFile:
        try:
            body = json.loads(text)
        except (ValueError, TypeError) as err:
            raise ExplorerError(f"not a run file: {err}") from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ExplorerError(f"not a run file: it does not say format {FORMAT!r}")
        if body.get("version") != VERSION:
            raise ExplorerError(f"run file version {body.get('version')!r}; this explorer reads version {VERSION}")
        arrays = body.get("arrays")
        if not isinstance(arrays, dict) or not isinstance(body.get("meta"), dict):
            raise ExplorerError("not a run file: it needs 'meta' and 'arrays'")
        packed = cls(body["meta"], {str(k): decode_array(v, str(k)) for k, v in arrays.items()})
        packed.check()
        return packed

    def check(self) -> None:
        """ExplorerError if the arrays do not fit together (the module's layout)."""
        missing = [k for k in REQUIRED if k not in self.arrays]
        if missing:
            raise ExplorerError(f"run file: missing array(s) {', '.join(missing)}")
        t, x, y = self.arrays["t"], self.arrays["x"], self.arrays["y"]
        if t.ndim != 1 or len(t) < 1 or x.ndim != 2 or x.shape != y.shape or x.shape[0] != len(t):
            raise ExplorerError(f"run file: x and y must be (frames, n) with one t per frame; got t {t.shape}, "
                                f"x {x.shape}, y {y.shape}")
        if "c" in self.arrays and self.arrays["c"].shape != (x.shape[1],):
            raise ExplorerError(f"run file: c must hold one class per sample ({x.shape[1]})")

    def write(self, path) -> Path:
        """One JSON text at `path`; gzipped if its name ends in .gz (the shipped default runs: a quarter smaller)."""
        out = Path(path)
        try:
            text = self.to_json().encode("utf-8")
            out.write_bytes(gzip.compress(text, mtime=0) if out.suffix == ".gz" else text)
        except OSError as err:
            raise ExplorerError(f"could not write {str(out)!r}: {err.strerror or err}") from None
        return out

    @classmethod
    def read(cls, path) -> RunFile:
        try:
            raw = Path(path).read_bytes()
            text = (gzip.decompress(raw) if Path(path).suffix == ".gz" else raw).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as err:
            raise ExplorerError(f"could not read {str(path)!r}: {getattr(err, 'strerror', None) or err}") from None
        return cls.from_json(text)


def _labels(labels, n: int) -> np.ndarray | None:
    if labels is None:
        return None
    try:
        lab = np.asarray(labels, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ExplorerError("labels must be one class number per sample") from None
    if len(lab) != n:
        raise ExplorerError(f"labels must give one class per sample: {n} samples, got {len(lab)} labels")
    return np.where(np.isfinite(lab) & (lab >= 0) & (lab == np.round(lab)), lab, np.nan).astype(np.float32)


def pack_run(run, data=None, *, labels=None, class_names=(), class_colors=None, density: bool = True,
             max_frames: int = MAX_FRAMES, bounds=None, title: str | None = None) -> RunFile:
    """`run` (explorer.sample's result) packed for a page: at most `max_frames` evenly spaced frames (first and
    last kept), the training points `data` as the ghost, each sample's class `labels` (with `class_names`; the
    colours default to the plot's, explorer/tools/look.py) and, with `density`, the samples' KDE and contours."""
    from explorer.data.datasets import validate
    from explorer.tools.export import frame_indices, run_arrays
    from explorer.tools.look import BOUNDS, class_palette

    points, times = run_arrays(run)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
        raise ExplorerError(f"max_frames must be a whole number >= 2; got {max_frames!r}")
    index = frame_indices(len(times), max_frames)
    pts = points[index].astype(np.float32)
    n = pts.shape[1]
    box = tuple(float(b) for b in (bounds or BOUNDS))
    arrays = {"t": times[index].astype(np.float32), "index": index.astype(np.int32),
              "x": np.ascontiguousarray(pts[..., 0]), "y": np.ascontiguousarray(pts[..., 1])}
    lab = _labels(labels, n)
    names = [str(s) for s in class_names]
    if lab is not None:
        arrays["c"] = lab
        k = int(np.nanmax(lab)) + 1 if np.isfinite(lab).any() else 0
        names = names + [f"class {i + 1}" for i in range(len(names), k)]
    colours = list(class_colors) if class_colors is not None else class_palette(names)
    if data is not None:
        ghost = validate(data, max_abs=None).astype(np.float32)
        arrays["data_x"], arrays["data_y"] = ghost[:, 0].copy(), ghost[:, 1].copy()
    meta = {"n": n, "frames": len(index), "run_frames": len(times), "bounds": list(box), "title": title or "",
            "settings": _describe(run), "nfe": int(getattr(run, "nfe", 0) or 0),
            "class_names": names, "class_colors": colours}
    if density:
        from explorer.tools.density_frames import DENSITY_LEVELS, contour_stack, density_grid, density_stack

        xs, ys = density_grid(bounds=box)
        stack = density_stack(pts, xs, ys)
        arrays["density"] = stack
        lines = contour_stack(stack, xs, ys)
        for j in range(len(DENSITY_LEVELS)):
            arrays[f"cx{j}"], arrays[f"cy{j}"], arrays[f"co{j}"] = (
                lines["x"][j], lines["y"][j], lines["offsets"][j])
        meta["density_levels"] = list(DENSITY_LEVELS)
    packed = RunFile(meta, arrays)
    packed.check()
    return packed


def _describe(run) -> str:
    settings = getattr(run, "settings", None)
    try:
        return settings.describe() if settings is not None else ""
    except Exception:  # a run-like object of the caller's own: no words for it
        return ""

