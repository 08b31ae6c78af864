"""What the dashboard's figures share: the fixed view of the plane and the look (quiet grey axes, no logo)."""

import numpy as np

BOUNDS = (-4.0, 4.0, -4.0, 4.0)  # every 2D view (plot, canvas, branches, densities): x from -4 to 4, y too
# The main plot's square frame, in pixels: with the Time slider, the toggles, a two-line legend and a two-line
# status line it fits a 1280x720 screen (tests/browser/test_browser_fit_1280.py).
MAIN_PLOT_PX = 410


def empty_columns(*cols) -> dict:
    """Empty float32 columns for a ColumnDataSource: {"x": [], "y": [], ...}."""
    return {c: np.zeros(0, np.float32) for c in cols}


def style_figure(fig) -> None:
    fig.toolbar.logo = None
    fig.grid.grid_line_color = "#eef0f2"
    fig.axis.axis_line_color = fig.axis.major_tick_line_color = "#c8ccd0"
    fig.axis.minor_tick_line_color = None
    fig.axis.major_label_text_color = "#80868b"
    fig.outline_line_color = "#dadce0"
