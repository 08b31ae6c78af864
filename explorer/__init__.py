"""2D Diffusion Explorer: train, sample and look inside diffusion models on 2D point sets.

    import explorer as dx
    data = dx.datasets.load("smiley", n=2000, seed=0)
    model = dx.train(data, dx.TrainConfig(objective="velocity", schedule="rectified"))
    run = dx.sample(model, n=2000, sampler="heun", steps=50, seed=1)

Time runs from t = 0 (data) to t = 1 (noise): x_t = alpha(t) x0 + sigma(t) eps.
"""
from . import datasets, density, metrics
from .branching import BranchRun, branch
from .checkpoints import load, save
from .config import TrainConfig
from .denoisers import Denoiser, GaussianDenoiser, OracleDenoiser
from .errors import ExplorerError
from .model import DiffusionModel
from .objectives import OBJECTIVES, ObjectiveSpec
from .pretrained import load_pretrained
from .registry import Knob
from .samplers import SampleRun, SamplingSettings, sample
from .schedules import SCHEDULES, Schedule, get_schedule
from .solvers import SAMPLERS, SamplerSpec
from .straight import Straightness, reflow, straightness
from .sweeps import SweepResult, sweep
from .timegrids import TIME_GRIDS, TimeGridSpec
from .training import train

__version__ = "0.1.0"

__all__ = [
    "BranchRun", "Denoiser", "DiffusionModel", "ExplorerError", "GaussianDenoiser", "Knob", "OBJECTIVES",
    "ObjectiveSpec", "OracleDenoiser", "SAMPLERS", "SCHEDULES", "SampleRun", "SamplerSpec", "SamplingSettings",
    "Schedule", "SweepResult", "TIME_GRIDS", "TimeGridSpec", "TrainConfig", "branch", "datasets", "density",
    "get_schedule", "load", "load_pretrained", "metrics", "reflow", "sample", "save", "straightness", "sweep",
    "train", "Straightness",
]


def __getattr__(name):
    # The dashboard pulls in Panel; import it only when asked for.
    if name == "Explorer":
        from .ui.explorer import Explorer

        return Explorer
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
