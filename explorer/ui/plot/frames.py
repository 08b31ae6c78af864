"""What the main view sends to the browser once per run, so that playback and scrubbing never ask the server.

Everything here is numpy/torch (no Panel, no Bokeh) and returns flat float32 arrays that the page slices
with typed-array offsets: for a stack of F frames of m points, frame k is ``a[k*m : (k+1)*m]``.

* :func:`frame_indices` -- which of the run's frames go to the page (at most ``MAX_CLIENT_FRAMES``).
* :func:`pack_points` -- the samples' x and y per frame, and the frame times.
* :func:`density_stack` / :func:`contour_stack` (explorer/tools/density_frames.py) -- a KDE of the samples per
  frame on a coarse grid, on one colour scale for the whole run, and its contour lines (NaN-separated, one line
  per level).
* :func:`field_stack` -- the model's velocity as arrows on a lattice, per frame, in display units.
* :func:`mesh_run` -- a lattice of start points run through the same sampler: a mesh that deforms.
* :func:`pack_run` -- all of the above in one dict, the payload of one run.
* :func:`store_columns` -- a packed run as the one-row columns of the page's hidden data source.

Tails behind the samples are built in the browser from the packed points (no payload of their own).
"""
from __future__ import annotations

import numpy as np

from explorer.core import density, samplers
from explorer.core.streamlines import motion
from explorer.tools.density_frames import (  # noqa: F401 (shared with the HTML page of a run)
    DENSITY_LEVELS,
    DENSITY_RES,
    contour_stack,
    density_grid,
    density_stack,
)
from explorer.ui.style import BOUNDS

MAX_CLIENT_FRAMES = 101  # frames sent to the page; longer runs are strided (first and last always kept)
FIELD_N = 17  # arrows per axis
MESH_N = 17  # lattice points per axis
MESH_EXTENT = 3.0  # the lattice spans [-MESH_EXTENT, MESH_EXTENT]² at t = 1


def frame_indices(n_frames: int, max_frames: int = MAX_CLIENT_FRAMES) -> np.ndarray:
    """Indices of the run's frames that go to the page: all of them, or `max_frames` evenly spread
    (the first, noise, and the last, the samples, always included), increasing."""
    if n_frames <= max_frames:
        return np.arange(n_frames)
    return np.unique(np.round(np.linspace(0, n_frames - 1, max_frames)).astype(np.int64))


def pack_points(run, frames=None) -> dict:
    """The run's points per frame as flat float32 arrays: x[k*n + i] is sample i in the k-th packed frame.

    `frames` are the run's frame indices to pack (default: :func:`frame_indices`). Also returns the
    packed frames' times `t` (decreasing, 1 -> 0), `n`, and `index` (the run's frame of each packed frame).
    """
    index = frame_indices(len(run.times)) if frames is None else np.asarray(frames, np.int64)
    pts = run.points[index]  # (F, n, 2)
    return {
        "x": np.ascontiguousarray(pts[..., 0], np.float32).ravel(),
        "y": np.ascontiguousarray(pts[..., 1], np.float32).ravel(),
        "t": np.asarray(run.times, np.float32)[index],
        "n": int(pts.shape[1]),
        "index": index,
    }


def field_stack(model, times, grid_n: int = FIELD_N, spacing_fraction: float = 0.85) -> dict:
    """The model's velocity on a `grid_n`² lattice at each of `times`, as arrows ready to draw.

    The arrows show where a point moves during sampling: -v dt with t going down (v = dx/dt is the
    probability-flow ODE drift). Lengths are compressed with tanh on one scale for the whole run (the
    median speed), so slow and fast regions both read, and no arrow exceeds `spacing_fraction` of the
    lattice spacing. Returns {"x", "y"}: the lattice (m,), and {"u", "v"}: (F*m,) float32 displacements.
    """
    gx, gy = density.grid(BOUNDS, grid_n)
    X, Y = np.meshgrid(gx, gy)
    lattice = np.stack([X.ravel(), Y.ravel()], 1).astype(np.float32)  # (m, 2)
    m, times = len(lattice), np.asarray(times, np.float64)
    vel = motion(model, np.tile(lattice, (len(times), 1)), np.repeat(times, m))  # (F*m, 2): the direction of motion
    speed = np.hypot(vel[:, 0], vel[:, 1])
    ref = float(np.median(speed)) or 1.0
    max_len = spacing_fraction * (gx[1] - gx[0])
    length = max_len * np.tanh(speed / (2.0 * ref))  # median speed -> 46 % of the max length
    scale = np.divide(length, speed, out=np.zeros_like(speed), where=speed > 0)
    disp = vel * scale[:, None]
    return {"x": lattice[:, 0].copy(), "y": lattice[:, 1].copy(),
            "u": disp[:, 0].astype(np.float32), "v": disp[:, 1].astype(np.float32)}


def lattice(n: int = MESH_N, extent: float = MESH_EXTENT) -> np.ndarray:
    """(n*n, 2) float32 points of a square lattice over [-extent, extent]², row by row (y outer, x inner)."""
    g = np.linspace(-extent, extent, n)
    X, Y = np.meshgrid(g, g)
    return np.stack([X.ravel(), Y.ravel()], 1).astype(np.float32)


def mesh_run(model, run, n: int = MESH_N, extent: float = MESH_EXTENT, seed: int = 0) -> np.ndarray:
    """A lattice of start points at t = 1 run through `run`'s settings (sampler, knobs) and time grid.

    Returns (F, n*n, 2) float32, frame 0 the lattice itself. Drawn as its rows and columns, it shows how
    the sampler stretches and folds the plane (with a stochastic sampler the mesh jitters, honestly).
    """
    x0 = lattice(n, extent)
    return samplers.sample(model, settings=run.settings, times=run.times, x_init=x0, seed=seed).points


def pack_run(run, model, show_density: bool = True, show_field: bool = True, show_mesh: bool = True,
             bandwidth: float | None = None) -> dict:
    """Everything the page needs for `run`, computing the optional layers only when asked.

    Keys: the :func:`pack_points` keys; "density" (F*R*R) with "density_res"; "contours" (see
    :func:`contour_stack`); "field" (see :func:`field_stack`); "mesh_x", "mesh_y" (F*n*n) with "mesh_n".
    An optional layer that was not asked for is absent.
    """
    out = pack_points(run)
    index = out["index"]
    if show_density:
        xs, ys = density_grid()
        stack = density_stack(run.points[index], xs, ys, bandwidth)
        out["density"] = stack.ravel()
        out["density_res"] = stack.shape[1]
        out["contours"] = contour_stack(stack, xs, ys)
    if show_field and model is not None:
        out["field"] = field_stack(model, out["t"])
    if show_mesh and model is not None:
        mesh = mesh_run(model, run)[index]
        out["mesh_x"] = np.ascontiguousarray(mesh[..., 0]).ravel()
        out["mesh_y"] = np.ascontiguousarray(mesh[..., 1]).ravel()
        out["mesh_n"] = MESH_N
    return out


def store_columns(packed: dict | None, loop_ticks: int, tail_samples: int, tail_frames: int) -> dict:
    """`packed` (from :func:`pack_run`, or None: no run) as the columns of a one-row ColumnDataSource.

    Each column holds one array (or number); absent layers are empty arrays, so the page's code never
    meets a missing key. "S" is the number of slider ticks per packed frame (about `loop_ticks` per sweep),
    "tn"/"tl" how many samples get tails and how many frames long. Layer columns alone: :func:`layer_columns`.
    """
    p = packed or {}
    z = np.zeros(0, np.float32)
    F = len(p["t"]) if packed else 1
    cols = {"x": [p.get("x", z)], "y": [p.get("y", z)], "c": [p.get("c", z)], "t": [p.get("t", z)],
            "n": [p.get("n", 0)],
            "S": [max(1, round(loop_ticks / max(F - 1, 1)))], "tn": [tail_samples], "tl": [tail_frames]}
    cols.update(layer_columns(p))
    return cols


def layer_columns(packed: dict) -> dict:
    """The optional layers' columns of :func:`store_columns`: density, contours cx/cy/co<j>, field f*, mesh m*."""
    p, z, cols = packed, np.zeros(0, np.float32), {}
    cols["density"], cols["res"] = [p.get("density", z)], [p.get("density_res", 0)]
    nl = len(DENSITY_LEVELS)
    cont = p.get("contours", {"x": [z] * nl, "y": [z] * nl, "offsets": [np.zeros(0, np.int32)] * nl})
    for j in range(nl):
        cols[f"cx{j}"], cols[f"cy{j}"], cols[f"co{j}"] = [cont["x"][j]], [cont["y"][j]], [cont["offsets"][j]]
    field = p.get("field", {})
    for c in ("x", "y", "u", "v"):
        cols[f"f{c}"] = [field.get(c, z)]
    cols["mx"], cols["my"], cols["mn"] = [p.get("mesh_x", z)], [p.get("mesh_y", z)], [p.get("mesh_n", 0)]
    return cols


def payload_bytes(packed) -> int:
    """Bytes of array data in a packed dict (what goes over the wire, give or take framing)."""
    if isinstance(packed, np.ndarray):
        return packed.nbytes
    if isinstance(packed, dict):
        return sum(payload_bytes(v) for v in packed.values())
    if isinstance(packed, (list, tuple)):
        return sum(payload_bytes(v) for v in packed)
    return 0
