"""The first page without torch, in headless Chromium (docs/performance.md#first-page): a fresh server draws the
pretrained smiley's shipped run with torch not imported in its process; a sampler changed right away says
"Loading the model…" and then shows the new run, the model's own; Train works once the model is in."""
from __future__ import annotations

import json

import numpy as np
import pytest
from browser_support import REPO_ROOT, open_app, serve_process, wait_for
from draw_support import status

from explorer.core.samplers import sample
from explorer.tools.runfile import RunFile
from explorer.training.pretrained import folder, load_pretrained
from explorer.ui.session.first_run import RUN_FILE, WAITING

pytestmark = pytest.mark.browser

PROBE_APP = REPO_ROOT / "tests" / "support" / "apps" / "first_page_app.py"
N = 1000  # the default run's samples
# The store's last frame: the run's samples (x, then y), as the page holds them.
LAST_FRAME_JS = ("() => { const d = Bokeh.documents[0].get_model_by_name('main_view_store').data;"
                 f" return d.x && d.x.length ? [Array.from(d.x[0].slice(-{N})), Array.from(d.y[0].slice(-{N}))]"
                 " : null; }")


def _shown(page) -> np.ndarray | None:
    last = page.evaluate(LAST_FRAME_JS)
    return None if last is None or len(last[0]) != N else np.array(last).T


def test_the_first_page_is_the_shipped_run_then_a_new_sampler_waits_for_the_model(page, tmp_path):
    probe = tmp_path / "first_paint.jsonl"
    env = {"FIRST_PAINT_PROBE": str(probe), "FIRST_PAINT_MODEL_DELAY": "4"}
    with serve_process(PROBE_APP, tmp_path, extra_args=("--warm",), env=env) as (_proc, url, log):
        errors = open_app(page, url + "?train_steps=100", height=1000)
        page.wait_for_function("() => (window.__explorer_frames || 0) > 0", timeout=30_000)
        first_paint = [json.loads(line) for line in probe.read_text().splitlines()]
        # this page's session, drawn (and the server's start-up probe's, which draws nothing)
        assert first_paint and all(r == {"torch": False, "scipy": False} for r in first_paint), first_paint
        shipped = RunFile.read(folder("smiley") / RUN_FILE)
        np.testing.assert_array_equal(_shown(page), np.c_[shipped.arrays["x"][-1], shipped.arrays["y"][-1]])
        assert "Loaded the pretrained smiley model" in status(page)

        page.get_by_label("Sampler").select_option(label="Euler (ODE)")  # before the model is in (held back 4 s)
        wait_for(lambda: WAITING.split("…")[0] in status(page), 10, "the waiting message")
        euler = sample(load_pretrained("smiley"), n=N, sampler="euler", steps=50, seed=1)  # what should follow
        wait_for(lambda: (lambda s: s is not None and np.allclose(s, euler.samples, atol=2e-5))(_shown(page)), 120,
                 "the Euler run of the pretrained model")
        wait_for(lambda: "Loading the model" not in status(page), 10, "the waiting message to go")

        page.get_by_role("button", name="Train", exact=True).click()  # the model and torch are in: Train works
        wait_for(lambda: "trained 100 steps" in status(page).lower(), 120, "a 100-step training run")
        assert not errors, errors
        assert "Traceback" not in log.read_text(errors="replace")
