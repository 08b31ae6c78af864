"""ExplorerState: everything one dashboard session knows, as parts (part.py) and results. No Panel here.

    state.setup        Setup (setup.py): what to train on and how
    state.sampling     Sampling (sampling.py): how to sample, which class, how much guidance
    state.plot         PlotOptions (plot_options.py): the shown frame and the plot's layers
    state.training_progress  TrainingProgress (training_state.py): the training job

The state holds what came out (the data, model, run, quality) and one line of news (status, error), and wires
the parts with watchers: data flows one way, dataset (or drawing) -> training job -> model -> sampler run ->
views. Every failure lands in `error` (the views show it as a notification) and leaves the last good data,
model and run in place. What starts and ends a training run (Train, Reflow, Distil, Stop) is training_starts.py's.
The views still read the parts' settings through the state's mirror of them
(`state.objective` is `state.setup.objective`, part.py) while they move to the parts.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import param

from explorer.core.denoisers import OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.samplers import SamplingSettings, sample
from explorer.data import datasets
from explorer.data.labels import check_labels
from explorer.studies.straight import straightness
from explorer.training.pretrained import available, load_pretrained
from explorer.ui.jobs.runner import JobRunner
from explorer.ui.plot.layers import bind_layers
from explorer.ui.session import flow_maps
from explorer.ui.session.choices import DRAWN, GAUSSIAN, bind_choices, fix_pair, knob_names, settings_of  # noqa: F401 (re-exported)
from explorer.ui.session.first_run import FirstRun
from explorer.ui.session.flow_maps import Lineage
from explorer.ui.session.pair_notes import PairNotes, model_note
from explorer.ui.session.part import compose, make_parts, mirror
from explorer.ui.session.plot_options import PlotOptions
from explorer.ui.session.sampling import MAX_SAMPLE_STEPS, MAX_SAMPLES, Sampling  # noqa: F401 (re-exported)
from explorer.ui.session.scoring import FRESH_SEED, Reference, score  # noqa: F401 (FRESH_SEED re-exported)
from explorer.ui.session.setup import MAX_TRAIN_STEPS, Setup  # noqa: F401 (re-exported)
from explorer.ui.session.training_starts import TrainingStarts
from explorer.ui.session.training_state import TrainingProgress
from explorer.ui.tabs import bind_tabs

SHARED_RUNS = 16  # pretrained models' runs kept per process, shared read-only by its sessions
_SHARED_RUNS: OrderedDict = OrderedDict()
RUN_INPUTS = ("sampler", "grid", "sample_steps", "n_samples", "sample_seed", "use_oracle", "label", "guidance", "guide")


class ExplorerState(TrainingStarts, param.Parameterized):
    """One session: `ExplorerState(dataset="moons", sampler="ddim")` (any part's setting by name)."""

    data = param.Array(default=None, doc="The training points (n, 2).")
    labels = param.Array(default=None, doc="The class of each training point (None: no classes).")
    class_names = param.List(default=[], doc="The names of the data's classes.")
    model = param.Parameter(default=None, doc="The last good model (a DiffusionModel).")
    run = param.Parameter(default=None, doc="The current SampleRun of `model`.")
    run_labels = param.Array(default=None, doc="The class each sample of `run` asked for (None: no class).")
    quality = param.Dict(default={}, doc="metrics.quality of the current run's samples (scoring.py): the verdict, "
                                         "its ratio and noise, 'to_training', 'to_fresh', and the 'class' they "
                                         "were scored against (None: every point).")
    status = param.String(default="", doc="One line about what just happened.")
    error = param.String(default="", doc="The last error, for a notification; cleared by the view.")
    unusable_samplers = param.Dict(default={}, doc="{sampler: why it cannot run the shown model} (the registry's "
                                                   "SamplerSpec.supports: 'jump' for a velocity model).")

    def __init__(self, model_later: bool = False, **params):
        """`model_later`: until a model has loaded in this process, open on the pretrained model's shipped run
        and load the model in the background (first_run.py; the served page)."""
        parts = make_parts(type(self), params)
        super().__init__(**parts, **params)
        mirror(self)  # before anything else watches the state (part.py)
        self.model_dataset = None  # the built-in set whose pretrained model is shown (None: another model)
        self.jobs = JobRunner()  # the session's background work; a served page gives it a poller
        self._drawn: np.ndarray | None = None
        self._drawn_classes: tuple[np.ndarray | None, list[str]] = (None, [])  # a drawing in colours: its classes
        self._reference = Reference()  # a fresh draw of a built-in set, for the quality numbers
        self._link_names: tuple = ()  # the settings a link is setting now (url_state): kept as the link says
        self._pair_notes = PairNotes()  # the status line about the objective/schedule pair
        self.first_run = FirstRun(self) if model_later else None  # the model on its way (first_run.py)
        setup, sampling = self.setup, self.sampling
        setup.param.watch(self._load_dataset, ["dataset", "train_points"])
        setup.param.watch(self._check_pair, ["objective", "schedule"])
        sampling.param.watch(self._on_sampling, [*RUN_INPUTS, *knob_names()])
        self.param.watch(lambda *_: sampling.follow(self.class_names, self.model), ["model", "class_names"])
        self._switching, self._switch_note = False, ""  # the sampler follows a flow map (flow_maps.py)
        self.lineage = Lineage()  # where this session's models came from: teachers, the latest flow map and reflow
        self.param.watch(self._follow_model_kind, "model")  # before recompute: the new model's run, once
        self.param.watch(self.recompute, ["model", "data"])
        self.unusable_samplers = flow_maps.unusable_samplers(None)  # until a model is in: no flow map to jump
        self._load_dataset()
        sampling.follow(self.class_names, self.model)
        if self.run is None:
            self.recompute()

    # --- data ---------------------------------------------------------------------------------
    def _load_dataset(self, *_events):
        setup = self.setup
        if setup.dataset == DRAWN:
            if self._drawn is None:  # no training points yet: the last set's go (the last model stays, said so)
                self.param.update(data=None, labels=None, class_names=[])
                self.status = "Draw a shape on the canvas (or upload a CSV), then press Train." + (
                    " Until then the plot shows the last model's samples, with no training points."
                    if self.model is not None else "")
                return
            labels, names = self._drawn_classes
            self.param.update(data=self._drawn, labels=labels, class_names=list(names))
            return
        data, labels = datasets.load_labelled(setup.dataset, n=setup.train_points, seed=0)
        self.param.update(data=data, labels=labels, class_names=datasets.class_names(setup.dataset))
        if setup.dataset in available() and not self.training_progress.training \
                and self.model_dataset != setup.dataset:
            if self.first_run is None or not self.first_run.show(setup.dataset):
                self.use_model(load_pretrained(setup.dataset), pretrained=setup.dataset)
            self.status = f"Loaded the pretrained {setup.dataset} model. Press Train to learn it yourself."

    @property
    def drawn(self) -> np.ndarray | None:
        """The user's drawing / upload (the 'drawn' dataset), or None if there is none yet."""
        return self._drawn

    def set_drawn(self, points, labels=None, class_names=()) -> bool:
        """Use `points` (a drawing or an upload) as the training data, with the class of each point (`labels`
        and `class_names`, for a drawing in colours or a labelled CSV; None: no classes). False (and `error`)
        if invalid. `None` removes the drawing (an emptied canvas): no training data until the next one."""
        setup = self.setup
        if points is None:
            self._drawn, self._drawn_classes = None, (None, [])
            if setup.dataset == DRAWN:
                self.param.update(data=None, labels=None, class_names=[])
            return True
        try:
            pts = datasets.validate(points)
            if labels is not None:
                labels = check_labels(labels, len(pts), len(class_names))
        except ExplorerError as err:
            self.error = str(err)
            return False
        self._drawn, self._drawn_classes = pts, (labels, list(class_names) if labels is not None else [])
        if setup.dataset != DRAWN:
            setup.dataset = DRAWN  # triggers _load_dataset
        else:
            self.param.update(data=pts, labels=labels, class_names=self._drawn_classes[1])
        classes = self._drawn_classes[1]
        # drawn in several colours, the classes are the point of it; in one colour there are none to train with
        setup.conditional = bool(classes)
        self.status = f"Your drawing: {len(pts)} points" + (f" in {len(classes)} classes ({', '.join(classes)}), "
                                                             "'Train with classes' on. Press Train."
                                                             if classes else ". Press Train.")
        return True

    def poll(self) -> bool:
        """Move every job's news into the state now (tests, a notebook; a served page's poller drains the
        runner by itself). True if anything changed."""
        return self.jobs.poll()

    def use_model(self, model, pretrained: str | None = None) -> None:
        """Show a model that was not trained here (pretrained for the built-in set `pretrained`, or uploaded).
        The loss curve and preview of an earlier run belong to another model, so they go with it."""
        self.model_dataset = pretrained
        self.training_progress.reset()
        self.model = model

    def awaiting_model(self) -> bool:
        """True while the shown pretrained model is still loading (first_run.py): then also says so on the status
        line and makes sure it is coming; what needs it happens when it is in. (Before the page is drawn it is
        loaded now: False.)"""
        if self.first_run is None or self.first_run.awaiting is None:
            return False
        self.first_run.wait()
        return self.first_run.awaiting is not None

    def shutdown(self) -> None:
        """Stop every job of the session and join its thread (session closed)."""
        self.jobs.stop_all()

    # --- sampling -----------------------------------------------------------------------------
    def settings(self) -> SamplingSettings:
        """How the sidebar says to sample: sampler, steps, time grid and the sampler's knobs."""
        return self.sampling.settings()

    @property
    def stochastic(self) -> bool:
        return self.settings().stochastic

    @property
    def guided(self) -> bool:
        """Whether the shown model is conditional (so the class, w and guide apply)."""
        return self.sampling.guided(self.model)

    def class_asked(self) -> int | None:
        """The one class the sidebar asks for, or None (no class, or every class)."""
        return self.sampling.class_asked(self.model)

    def guide_model(self):
        """The weaker model the sidebar guides with (autoguidance: a snapshot), or None (the model's no class)."""
        return self.sampling.guide_model(self.model)

    def _follow_model_kind(self, event) -> None:
        """A flow map is shown with the jump sampler; a velocity model never keeps "jump" (flow_maps.py)."""
        self.unusable_samplers = flow_maps.unusable_samplers(event.new)  # first: the menu greys them out
        change = flow_maps.sampler_switch(self.sampling.sampler, event.old, event.new)
        self._switch_note = flow_maps.switch_note(change, event.new)
        if change:
            self._switching = True
            try:
                self.sampling.param.update(**change)
            finally:
                self._switching = False
            self.status = self._switch_note

    def _on_sampling(self, *events) -> None:
        if self._switching:
            return  # the model's change samples once, with the new sampler
        if self.sampling.take_defaults(events, self._link_names):
            return  # the new sampler's own steps / grid: their change re-sampled already
        knobs = {k.name for k in self.settings().spec.knobs}
        if any(e.name in RUN_INPUTS or e.name in knobs for e in events):
            self.recompute()  # a knob of another sampler changes nothing shown

    def recompute(self, *_events):
        sampling = self.sampling
        same = list(self.class_names) == list(getattr(self.model, "class_names", []))  # the data's classes?
        asked = sampling.sample_labels(self.model, self.labels if same else None, sampling.n_samples)
        denoiser = self.denoiser(asked)
        waiting = denoiser is None and self.first_run is not None and self.first_run.awaiting is not None
        if denoiser is None and not waiting:
            return
        self.run_labels = asked  # the class each sample asked for (colours), or None
        settings = sampling.settings()
        if settings.spec.supports(denoiser) and denoiser is not self.model:  # the exact denoiser cannot jump
            settings = SamplingSettings.make(denoiser.default_sampler)
            self.status = (f"The exact denoiser has no jumps: it is sampled with {settings.spec.short}, "
                           f"{settings.steps} steps.")
        # A pretrained model's runs are the same in every session: made once per process (the page opens on one).
        pretrained = self.model_dataset is not None and self.setup.dataset == self.model_dataset \
            and self.data is not None
        shared = self._shared_key(settings) if pretrained and (denoiser is self.model and not waiting or
                                                               waiting and not sampling.use_oracle) else None
        if shared in _SHARED_RUNS:
            _SHARED_RUNS.move_to_end(shared)
            run, quality_now = _SHARED_RUNS[shared]
        elif waiting:  # the model is loading: this run comes when it is in (its watcher recomputes)
            self.awaiting_model()
            return
        else:
            try:
                run = sample(denoiser, n=sampling.n_samples, seed=sampling.sample_seed, settings=settings)
            except ExplorerError as err:
                self.error = str(err)
                return
            asked_for = sampling.label if self.class_asked() is not None else None
            quality_now = {**self.score(run.samples, asked_for), "straightness": straightness(run).mean}
            if shared is not None:
                _SHARED_RUNS[shared] = (run, quality_now)
                while len(_SHARED_RUNS) > SHARED_RUNS:
                    _SHARED_RUNS.popitem(last=False)
        if run is self.run:  # the same run (the shipped one, once its model is in): the page keeps what it shows
            self.quality = dict(quality_now)
            return
        plot = self.plot
        if self.run is None:
            frame = len(run.times) - 1  # first run: show the samples
        else:  # keep the shown t: the frame of the new grid nearest to the old frame's time
            t = self.run.times[min(plot.frame, len(self.run.times) - 1)]
            frame = int(np.abs(run.times - t).argmin())
        self.param.update(frame=frame, run=run)  # together: a watcher never sees a frame of one run with the other
        self.quality = dict(quality_now)

    def _shared_key(self, settings) -> tuple:
        sampling = self.sampling
        return self.model_dataset, len(self.data), settings, sampling.n_samples, sampling.sample_seed

    def share_run(self, run, quality: dict) -> None:
        """Keep `run` (of the pretrained model of `model_dataset`, with its `quality`) as this process's shared run
        for the current settings: the shipped run file's (first_run.py)."""
        _SHARED_RUNS[self._shared_key(run.settings)] = (run, dict(quality))

    def denoiser(self, labels=None):
        """What the sampler runs on: the model, or the exact denoiser of the training points on its schedule
        (with their classes, for a conditional model), asked for `labels` (one per row; default: the
        sidebar's one class) with the sidebar's guidance (sampling.py)."""
        base = self.base_denoiser()
        return None if base is None else self.sampling.guided_denoiser(base, self.model, labels)

    def base_denoiser(self):
        """The model, or (Exact denoiser ticked) the exact denoiser of the training points, before guidance."""
        if self.model is None:
            return None
        if not self.sampling.use_oracle or self.data is None:
            return self.model
        classes = self.labels if self.guided else None
        key = (id(self.data), self.model.schedule.name, id(classes))
        if getattr(self, "_oracle_key", None) != key:
            self._oracle = OracleDenoiser(self.data, self.model.schedule, labels=classes)
            self._oracle_key = key
        return self._oracle

    def score(self, samples, class_name: str | None = None) -> dict:
        """metrics.quality of `samples` against this session's data: the training points and, for a built-in set,
        a fresh draw of it; only class `class_name`'s points of both, if the data has that class (scoring.py)."""
        if self.data is None:
            return {}
        fresh = self.reference()
        fresh_labels = None if fresh is None or class_name is None else \
            self._reference.labels(self.setup.dataset, self.data)
        return score(samples, self.data, fresh, class_name, self.labels, self.class_names, fresh_labels)

    def reference(self) -> np.ndarray | None:
        """A fresh draw of the built-in set, as many points as the training set (None for a drawing)."""
        if self.setup.dataset == DRAWN or self.data is None:
            return None
        return self._reference.points(self.setup.dataset, self.data)

    # --- objective / schedule pairs -----------------------------------------------------------
    def _check_pair(self, *events):
        """Never show a pair that cannot train: the other choice follows, and the status says so (pair_notes.py:
        the line about the pair is replaced at the next change, never left stale)."""
        changed = "objective" if any(e.name == "objective" for e in events) else "schedule"
        self.status = self._pair_notes.after_change(self.setup, self.model, changed, self.status)
        for e in events:  # a flow map's own recipe of training steps (flow_maps.py), unless a link names them
            said = "" if "train_steps" in self._link_names or e.name != "objective" else \
                flow_maps.follow_recipe(self.setup, e.old, e.new)
            if said:  # one line with the pair's news: replaced with it at the next change
                self.status = self._pair_notes.last = f"{self.status} {said}".strip()

    def model_note(self) -> str:
        """'' if the shown model is what the sidebar describes, else a line saying what it was trained with."""
        return model_note(self.model, self.setup)


compose(ExplorerState, setup=Setup, sampling=Sampling, plot=PlotOptions, training_progress=TrainingProgress)
bind_choices(ExplorerState)  # a sampler registered later: its knob joins the mirror too
bind_layers(ExplorerState)  # the plot's toggles and the tab, mirrored from PlotOptions (explorer/ui/plot/layers.py)
bind_tabs(ExplorerState)
