"""The density of a run's samples, frame by frame, ready to draw: a KDE on a coarse grid on one colour scale for
the whole run, and its contour lines at fixed levels. The dashboard's Density layer (explorer/ui/plot/frames.py)
and the HTML page of a run (html_page.py) both draw these; numpy and contourpy only (docs/performance.md#frames).
"""
from __future__ import annotations

import numpy as np
from contourpy import LineType, contour_generator

from explorer.core import density
from explorer.tools.look import BOUNDS

DENSITY_RES = 64  # density grid cells per axis: 64² float32 = 16 kB per frame
DENSITY_LEVELS = (0.03, 0.08, 0.18, 0.35, 0.6)  # contour levels, as fractions of the run's peak density


def density_grid(resolution: int = DENSITY_RES, bounds=BOUNDS) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (xs, ys) of the density grid over the view."""
    return density.grid(bounds, resolution)


def density_stack(points: np.ndarray, xs: np.ndarray, ys: np.ndarray, bandwidth: float | None = None,
                  ) -> np.ndarray:
    """KDE of each frame's points, (F, len(ys), len(xs)) float32, divided by the stack's maximum.

    One fixed scale for the whole run (1 = the most peaked frame, usually the data end), so colours and
    contour levels mean the same at every t. `bandwidth` in data units; default: Scott's rule per frame.
    """
    stack = np.stack([density.sample_density(p, xs, ys, bandwidth) for p in points]).astype(np.float32)
    peak = float(stack.max())
    return stack / peak if peak > 0 else stack


def contour_stack(stack: np.ndarray, xs: np.ndarray, ys: np.ndarray, levels=DENSITY_LEVELS) -> dict:
    """Contour lines of each frame of `stack` (from :func:`density_stack`) at fixed `levels`.

    Returns {"x": [per level], "y": [per level], "offsets": [per level]}: for level j the lines of frame k
    are ``x[j][offsets[j][k]:offsets[j][k+1]]``, separate lines split by NaN (one Bokeh line per level).
    """
    out = {"x": [], "y": [], "offsets": []}
    per_level = [([], [], [0]) for _ in levels]
    for z in stack:
        gen = contour_generator(xs, ys, z, line_type=LineType.ChunkCombinedNan)
        for j, level in enumerate(levels):
            bx, by, offs = per_level[j]
            chunk = gen.lines(level)[0][0]  # (m, 2) with NaN rows between lines, or None
            if chunk is not None and len(chunk):
                seg = np.vstack([chunk, [np.nan, np.nan]]).astype(np.float32)
                bx.append(seg[:, 0])
                by.append(seg[:, 1])
                offs.append(offs[-1] + len(seg))
            else:
                offs.append(offs[-1])
    for bx, by, offs in per_level:
        out["x"].append(np.concatenate(bx) if bx else np.zeros(0, np.float32))
        out["y"].append(np.concatenate(by) if by else np.zeros(0, np.float32))
        out["offsets"].append(np.asarray(offs, np.int32))
    return out
