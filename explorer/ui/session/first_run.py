"""The first picture without torch: each pretrained model's default run, shipped as a run file, shown while
the model itself loads in the background. No Panel here (docs/performance.md#first-page).

    python -m explorer.ui.session.first_run          # (re)write every pretrained model's default run file

The served page makes its session with `ExplorerState(model_later=True)`. Until a model has loaded in this
process (torch imported), a session opening on a built-in set shows `default_run.json.gz`, beside the set's
pretrained model: the run and quality figures the session would have computed, to float32 rounding (the file's frames
are the run's float32 points; its times and figures are JSON numbers). The page asks for the model once it is
drawn (`FirstRun.fetch`): a job of the session's runner imports torch and loads it. Anything that needs the
model after that and before it is in (another sampler, the exact denoiser, a tap) says "Loading the model…" and
happens once it is in; Train needs no pretrained model and starts at once. Before the page is drawn, a need for
the model (a link or a lesson that asks for another run) loads it at once, as before: the page opens on the
setup its link describes. Once any session's model has loaded, later sessions
load theirs at once, as before (it costs milliseconds then).

A file that does not match (another recipe, a regenerated model: the file names the model's SHA-256) is not
used: the session loads the model at once instead.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.samplers import SampleRun, SamplingSettings
from explorer.tools.runfile import RunFile
from explorer.training.pretrained import available, folder, load_pretrained

log = logging.getLogger("explorer.first_run")
RUN_FILE = "default_run.json.gz"  # a run file (explorer/tools/runfile.py), gzipped
WAITING = "Loading the model… (the first page was drawn without it); what you asked for follows when it is in."
MODEL_READY = threading.Event()  # set once a model has loaded in this process: torch is in, loading is quick
_files: dict[str, RunFile | None] = {}  # each set's run file, read once per process


def model_sha(name: str) -> str:
    return hashlib.sha256((folder(name) / "model.safetensors").read_bytes()).hexdigest()


def _request(state) -> dict:
    """What a run of `state` is made from, as the run file's metadata says it."""
    s = state.settings()
    return {"dataset": state.setup.dataset, "train_points": len(state.data), "n": state.sampling.n_samples,
            "seed": state.sampling.sample_seed,
            "settings": {"sampler": s.sampler, "steps": s.steps, "grid": s.grid, "knobs": [list(k) for k in s.knobs]}}


def _plain(value):
    """The quality figures as JSON values (numpy numbers to Python's)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def pack_default_run(state) -> RunFile:
    """The run file of `state`'s current run of its pretrained model (`state.model_dataset`)."""
    name, run = state.model_dataset, state.run
    if name is None or run is None:
        raise ExplorerError("the session shows no pretrained model's run to pack")
    arrays = {"t": run.times.astype(np.float32), "index": np.arange(len(run.times), dtype=np.int32),
              "x": np.ascontiguousarray(run.points[..., 0]), "y": np.ascontiguousarray(run.points[..., 1])}
    meta = {**_request(state), "model_sha256": model_sha(name), "times": [float(t) for t in run.times],
            "nfe": int(run.nfe), "quality": _plain(dict(state.quality)), "title": f"pretrained {name}",
            "settings_text": run.settings.describe()}
    return RunFile(meta, arrays)


def write_default_runs(names=None) -> list[Path]:
    """Write each pretrained model's default run (the one a fresh session shows) beside the model."""
    from explorer.ui.session.state import ExplorerState

    out = []
    for name in names or available():
        state = ExplorerState(dataset=name)
        path = pack_default_run(state).write(folder(name) / RUN_FILE)
        out.append(path)
        print(f"{name}: {path} ({path.stat().st_size / 1e3:.0f} kB), {state.run.settings.describe()}")
    return out


def read_default_run(name: str) -> RunFile | None:
    """Set `name`'s shipped run file (read once per process), or None if there is none or it is unreadable."""
    if name not in _files:
        path = folder(name) / RUN_FILE
        try:
            _files[name] = RunFile.read(path) if path.is_file() else None
        except ExplorerError as err:
            log.warning("ignoring %s: %s", path, err)
            _files[name] = None
    return _files[name]


def shipped_run(state) -> tuple[SampleRun, dict] | None:
    """(run, quality) for `state`'s dataset and settings from the shipped file, or None if it does not match."""
    name = state.setup.dataset
    packed = read_default_run(name) if name in available() and state.data is not None else None
    if packed is None:
        return None
    meta = packed.meta
    if any(meta.get(k) != v for k, v in _request(state).items()) or meta.get("model_sha256") != model_sha(name):
        return None
    s = meta["settings"]
    settings = SamplingSettings(s["sampler"], s["steps"], s["grid"], tuple((k, v) for k, v in s["knobs"]))
    points = np.stack([packed.arrays["x"], packed.arrays["y"]], axis=-1)
    # `denoised` (the denoiser's guesses) is not shipped: the page never shows it, and the file stays half the size
    return SampleRun(points, np.array(meta["times"], dtype=np.float64), None, settings, meta["nfe"]), meta["quality"]


class FirstRun:
    """One session's wait for its pretrained model (see the module's docstring). `awaiting`: the set whose model
    is on its way (None: nothing awaited)."""

    def __init__(self, state):
        self.state = state
        self.awaiting: str | None = None
        self.drawn = False  # the page is drawn (app.after_drawn): from then on the model loads in the background
        self._said = False
        self._needed = False  # something asked for the model: its load waits for nothing

    def show(self, name: str) -> bool:
        """Show set `name`'s shipped run instead of loading its model, if no model has loaded in this process yet
        and the file matches the session's settings. False: load the model now, as before."""
        state = self.state
        if MODEL_READY.is_set() or state.model is not None:  # torch is in: loading is quick
            return False
        shipped = shipped_run(state)
        if shipped is None:
            return False
        self.awaiting = name
        state.model_dataset = name
        state.training_progress.reset()
        state.share_run(*shipped)
        state.recompute()  # finds the shared run
        return True

    def fetch(self, until_free: Callable[[Callable[[], bool]], None] | None = None) -> None:
        """Start loading the awaited model in the background (a job of the session's runner), once. `until_free`:
        what the job waits on first while no model has loaded in the process (the served app: until the server is
        quiet, ui/lazy.py wait_quiet), handed a test that ends the wait early: the model is needed now (`wait`), or
        the session closed."""
        self.drawn = True
        state, name = self.state, self.awaiting
        if name is None or state.jobs.running("model"):
            return

        def work(job):
            if until_free is not None and not MODEL_READY.is_set():
                until_free(lambda: self._needed or job.stopped)
                if job.stopped:
                    return None
            model = load_pretrained(name)  # imports torch (~3 s here) the first time
            MODEL_READY.set()
            return name, model

        state.jobs.start("model", work, on_done=self._arrived)

    def wait(self) -> None:
        """Something needs the model before it is in: before the page is drawn, load it now; after, say so and make
        sure it is coming."""
        if not self.drawn:
            name = self.awaiting
            model = load_pretrained(name)
            MODEL_READY.set()
            self._use(name, model)
            return
        self._said = self._needed = True  # a job waiting for a quiet server goes now
        if self.state.status != WAITING:
            self.state.status = WAITING
        self.fetch()

    def _arrived(self, news) -> None:
        state = self.state
        if news.error:
            state.error = f"Could not load the pretrained model: {news.error}"
            return
        if news.result is None:  # stopped while it waited (the session closed)
            return
        name, model = news.result
        if self.awaiting is None or state.model is not None:  # a trained or uploaded model came first
            self.awaiting = None
            return
        if self.awaiting != name:  # another set's model is awaited now
            self.fetch()
            return
        self._use(name, model)

    def _use(self, name: str, model) -> None:
        from explorer.serve.runtime import use_thread_policy

        state = self.state
        self.awaiting = None
        use_thread_policy(if_imported=True)  # the session's thread, now that torch is in (serve/runtime.py)
        state.model = model  # recompute: the shipped run (shared) or, if the settings changed meanwhile, a new one
        if self._said and state.status == WAITING:
            state.status = f"Loaded the pretrained {name} model. Press Train to learn it yourself."


if __name__ == "__main__":
    from explorer.serve.runtime import use_thread_policy

    use_thread_policy()
    write_default_runs()
