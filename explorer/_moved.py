"""Old module paths keep working: `import explorer.samplers` is `explorer.core.samplers`.

Until the package was split into subpackages (docs/architecture.md), every module sat in `explorer/`
or `explorer/ui/`. Code and notebooks written then import those paths; this finder hands them the
module at its new home (the same module object, so a monkeypatch through either name patches both).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

# old name (under explorer.) -> new name (under explorer.)
MOVED = {
    **{name: f"core.{name}" for name in (
        "registry", "schedules", "objectives", "solvers", "timegrids", "samplers", "guidance", "denoisers",
        "couplings", "density", "streamlines", "metrics", "errors", "checks")},
    **{name: f"data.{name}" for name in ("datasets", "shapes", "labels", "labelled_points")},
    **{name: f"training.{name}" for name in ("model", "network", "config", "checkpoints", "pretrained")},
    **{name: f"studies.{name}" for name in ("straight", "branching", "sweeps", "guidance_sweep")},
    **{name: f"tools.{name}" for name in ("cli", "cli_commands", "export")},
    **{name: f"serve.{name}" for name in ("app", "runtime")},
    "ui.bokeh_speed": "ui.compat", "ui.accessible": "ui.compat",  # Panel's and Bokeh's internals, in one module
    **{f"ui.{name}": f"ui.session.{name}" for name in (
        "state", "choices", "training_state", "compare_state", "branch_state",
        "guidance_sweep_state", "sweep_state", "lesson_state", "url_state")},
    "ui.guidance_state": "ui.session.sampling",  # the guidance settings are the Sampling part's now
    **{f"ui.{name}": f"ui.jobs.{name}" for name in (
        "background_job", "polling", "training_job", "training_slots", "export_files")},
    **{f"ui.{name}": f"ui.plot.{name}" for name in (
        "main_view", "main_view_js", "main_view_labels", "trace_layer", "streamline_layer",
        "guidance_arrows", "frames")},
    "ui.main_view_layers": "ui.plot.layer_specs",  # the optional layers are layer specs now (ui/plot/layers.py)
    **{f"ui.{name}": f"ui.views.{name}" for name in (
        "controls", "draw_view", "quality_view", "training_view", "branch_view", "density_view", "compare_view",
        "schedule_view", "export_view", "pairing_view", "sweep_view", "guidance_view", "lessons_view",
        "knob_widgets", "job_controls")},
}
# `explorer.training` is both an old module (train) and a new package: the package keeps the old module's
# public names (training/__init__.py), so it needs no alias.


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.spec = module.__spec__  # the import system writes the alias's spec over it; put it back below
        return module

    def exec_module(self, module):
        module.__spec__ = self.spec


class MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("explorer."):
            return None
        new = MOVED.get(fullname[len("explorer."):])
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias("explorer." + new))


def install() -> None:
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())
