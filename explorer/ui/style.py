"""What the dashboard's figures share: the fixed view of the plane and the look (quiet grey axes, no logo).
Both are the exports' too: they live in explorer/tools/look.py, which the HTML page, GIF and video read."""

import numpy as np

from explorer.serve.settings import SETTINGS
from explorer.tools.look import BOUNDS, style_figure  # noqa: F401 (the dashboard's names for them)

# The main plot's square frame, in pixels: with the Time slider, the toggles, a two-line legend and a two-line
# status line it fits a 1280x720 screen (tests/browser/test_browser_fit_1280.py).
MAIN_PLOT_PX = 410


# How the page's plots draw (EXPLORER_PLOT_BACKEND): canvas unless the server is told webgl. Measured where WebGL
# runs in software, canvas opened the page 0.26 s sooner and played 31 against 14 frames a second at 2000 samples
# (docs/performance.md#plot-backend); a GPU draws either fast at the app's at most 5000 samples.
PLOT_BACKEND = SETTINGS.plot_backend


def empty_columns(*cols) -> dict:
    """Empty float32 columns for a ColumnDataSource: {"x": [], "y": [], ...}."""
    return {c: np.zeros(0, np.float32) for c in cols}
