"""explorer/serve/runtime.py: the warm-up's imports (and Pillow) are left out of the first page, and the warm-up
makes its own."""
from __future__ import annotations

import subprocess
import sys

from explorer.serve import runtime

CHECK = f"""
import sys
import explorer.serve.app  # builds one page, as the server's first session does
later = {runtime.LATER_IMPORTS!r}
print("PIL" in sys.modules)  # Pillow: only when a GIF or a video is painted
print(sorted(name for name in later if name in sys.modules))
from explorer import runtime
runtime._warm_up()
print(sorted(name for name in later if name in sys.modules))
"""


def test_the_first_page_does_without_the_later_imports_and_the_warm_up_makes_them():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    pillow, before, after = out.stdout.strip().splitlines()[-3:]
    assert pillow == "False"
    assert before == "[]"
    assert after == repr(sorted(runtime.LATER_IMPORTS))


def test_the_density_blur_and_the_ot_assignment_still_work_after_a_late_import():
    """The functions that import them on first use (their own tests check the numbers)."""
    import numpy as np

    from explorer.core.couplings import assign
    from explorer.core.density import sample_density

    x0 = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert assign(x0, x0[::-1].copy()).tolist() == [1, 0]
    xs = ys = np.linspace(-1, 1, 9)
    dens = sample_density(np.zeros((50, 2)), xs, ys, bandwidth=0.3)
    assert dens.shape == (9, 9) and dens.argmax() == 40
