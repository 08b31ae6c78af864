"""2D Diffusion Explorer: train, sample and look inside diffusion models on 2D point sets.

    import explorer as dx
    data = dx.datasets.load("smiley", n=2000, seed=0)
    model = dx.train(data, dx.TrainConfig(objective="velocity", schedule="rectified"))
    run = dx.sample(model, n=2000, sampler="heun", steps=50, seed=1)
    fast = dx.distil(model, method="meanflow")               # a flow map: dx.sample(fast, steps=1) is one jump
    dx.show(run, data=data)                                   # in a notebook: the run as an interactive page
    dx.export.render_html(run, "run.html", data=data)        # ... as one file; also render_gif, render_video

Time runs from t = 0 (data) to t = 1 (noise): x_t = alpha(t) x0 + sigma(t) eps.
"""
from explorer import _moved
from explorer.core import density, metrics
from explorer.core.denoisers import Denoiser, GaussianDenoiser, OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.flow_maps import GaussianFlowMap, map_error, ode_map
from explorer.core.objectives import OBJECTIVES, ObjectiveSpec
from explorer.core.registry import Knob
from explorer.core.samplers import SampleRun, SamplingSettings, sample
from explorer.core.schedules import SCHEDULES, Schedule, get_schedule
from explorer.core.solvers import SAMPLERS, SamplerSpec
from explorer.core.timegrids import TIME_GRIDS, TimeGridSpec
from explorer.data import datasets
from explorer.studies.branching import BranchRun, branch
from explorer.studies.straight import Straightness, reflow, straightness
from explorer.studies.sweeps import SweepResult, sweep
from explorer.training.checkpoints import load, save
from explorer.training.config import TrainConfig
from explorer.training.distillation import distil
from explorer.training.model import DiffusionModel
from explorer.training.pretrained import load_pretrained
from explorer.training.training import train

_moved.install()  # old module paths (explorer.samplers, explorer.ui.state, ...) still import

__version__ = "0.1.0"

__all__ = [
    "BranchRun", "Denoiser", "DiffusionModel", "ExplorerError", "GaussianDenoiser", "GaussianFlowMap", "Knob",
    "OBJECTIVES", "distil", "map_error", "ode_map",
    "ObjectiveSpec", "OracleDenoiser", "SAMPLERS", "SCHEDULES", "SampleRun", "SamplerSpec", "SamplingSettings",
    "Schedule", "SweepResult", "TIME_GRIDS", "TimeGridSpec", "TrainConfig", "branch", "datasets", "density",
    "get_schedule", "load", "load_pretrained", "metrics", "reflow", "sample", "save", "straightness", "sweep",
    "train", "Straightness",
]


def __getattr__(name):
    # The dashboard pulls in Panel; import it only when asked for.
    if name == "Explorer":
        from explorer.ui.explorer import Explorer

        return Explorer
    if name == "show":  # a run as an interactive page in a notebook (Bokeh, imported only when asked for)
        from explorer.tools.html_page import show

        return show
    if name in _moved.MOVED:  # `explorer.timegrids`, as before the split into subpackages
        import importlib

        return importlib.import_module(f"explorer.{_moved.MOVED[name]}")
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
