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

# Every public name, and where it lives. They are imported when first asked for (PEP 562's module __getattr__,
# below), so `import explorer` costs no torch: the dashboard's first page is served before torch is imported
# (docs/performance.md#first-page). `dx.sample`, `from explorer import train` and `dir(dx)` work as before.
_LAZY = {
    "density": "explorer.core.density", "metrics": "explorer.core.metrics", "datasets": "explorer.data.datasets",
    **dict.fromkeys(("Denoiser", "GaussianDenoiser", "OracleDenoiser"), "explorer.core.denoisers"),
    "ExplorerError": "explorer.core.errors",
    **dict.fromkeys(("OBJECTIVES", "ObjectiveSpec"), "explorer.core.objectives"),
    "Knob": "explorer.core.registry",
    **dict.fromkeys(("SampleRun", "SamplingSettings", "sample"), "explorer.core.samplers"),
    **dict.fromkeys(("SCHEDULES", "Schedule", "get_schedule"), "explorer.core.schedules"),
    **dict.fromkeys(("SAMPLERS", "SamplerSpec"), "explorer.core.solvers"),
    **dict.fromkeys(("TIME_GRIDS", "TimeGridSpec"), "explorer.core.timegrids"),
    **dict.fromkeys(("BranchRun", "branch"), "explorer.studies.branching"),
    **dict.fromkeys(("Straightness", "reflow", "straightness"), "explorer.studies.straight"),
    **dict.fromkeys(("SweepResult", "sweep"), "explorer.studies.sweeps"),
    **dict.fromkeys(("load", "save"), "explorer.training.checkpoints"),
    "TrainConfig": "explorer.training.config",
    "DiffusionModel": "explorer.training.model",
    "distil": "explorer.training.distillation",
    **dict.fromkeys(("GaussianFlowMap", "map_error", "ode_map"), "explorer.core.flow_maps"),
    "load_pretrained": "explorer.training.pretrained",
    "train": "explorer.training.training",
    "Explorer": "explorer.ui.explorer",  # the dashboard (Panel)
    "show": "explorer.tools.html_page",  # a run as an interactive page in a notebook (Bokeh)
}
_MODULES = ("density", "metrics", "datasets")  # names that are modules themselves

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
    import importlib

    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if name in _MODULES else getattr(module, name)
        globals()[name] = value  # asked once: a plain attribute from now on
        return value
    if name in _moved.MOVED:  # `explorer.timegrids`, as before the split into subpackages
        return importlib.import_module(f"explorer.{_moved.MOVED[name]}")
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_LAZY})
