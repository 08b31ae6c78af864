"""A page with only the main view (plus the two sampler knobs that make a new run), for
tests/browser/test_browser_main_view.py and bench/bench_app.py: ``panel serve tests/support/apps/main_view_app.py``.
``?backend=canvas`` draws without WebGL, ``?n=2000`` sets the number of samples.
One torch thread (docs/performance.md#threads: faster on a busy 2-core machine)."""
import panel as pn
import torch

from explorer.ui.plot.main_view import MainView
from explorer.ui.session.state import ExplorerState

torch.set_num_threads(1)
pn.extension()

args = pn.state.session_args
backend = args.get("backend", [b"webgl"])[0].decode()
state = ExplorerState()
if "n" in args:
    state.n_samples = int(args["n"][0])
knobs = pn.Row(pn.widgets.Select.from_param(state.param.sampler, name="Sampler", width=160),
               pn.widgets.IntInput.from_param(state.param.sample_steps, name="Steps", width=100))
pn.Column(knobs, MainView(state=state, backend=backend)).servable(title="Main view")
