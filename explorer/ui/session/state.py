"""ExplorerState: everything one dashboard session knows, as `param` parameters. No Panel here.

Data flows one way: dataset (or drawing) -> training job -> model -> sampler run -> views.
Every failure lands in `error` (the views show it as a notification) and leaves the last good
data, model and run in place.
"""
from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np
import param

from explorer.core.couplings import COUPLINGS
from explorer.core.denoisers import OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.metrics import quality
from explorer.core.objectives import OBJECTIVES
from explorer.core.samplers import SamplingSettings, sample
from explorer.core.schedules import SCHEDULES
from explorer.data import datasets
from explorer.data.labels import check_labels
from explorer.studies.straight import straightness
from explorer.training.config import TrainConfig
from explorer.training.pretrained import available, load_pretrained
from explorer.ui.jobs.training_job import TrainingJob
from explorer.ui.session.choices import DRAWN, GAUSSIAN, bind_choices, fix_pair, knob_names, settings_of  # noqa: F401 (re-exported)
from explorer.ui.session.guidance_state import GuidanceState
from explorer.ui.session.training_state import TrainingState

# Per-session caps so one student cannot starve a class on a shared laptop (README: serving a class).
# A teacher on a weak laptop can lower the training cap for every session: EXPLORER_MAX_TRAIN_STEPS=300.
MAX_TRAIN_STEPS = max(1, int(os.environ.get("EXPLORER_MAX_TRAIN_STEPS", "5000") or 5000))
MAX_SAMPLES = 5000
MAX_SAMPLE_STEPS = 500
SHARED_RUNS = 16  # pretrained models' runs kept per process, shared read-only by its sessions
_SHARED_RUNS: OrderedDict = OrderedDict()
FRESH_SEED = 12345  # a draw of a built-in set that the models never trained on (they use seed 0)


class ExplorerState(GuidanceState, TrainingState):
    dataset = param.Selector(default="smiley", objects=[*datasets.names(), DRAWN],
                             doc="Training data: a built-in shape, or your own drawing ('drawn').")
    # The objects of these Selectors, and one Number per sampler knob (eta, noise, ...), come from the
    # core's registries (choices.py): a registered sampler, objective, schedule or grid shows up here.
    train_points = param.Integer(default=2000, bounds=(20, 2000), step=10,
                                 doc="How many points of a built-in set to train on. With few (30-200), the exact "
                                     "denoiser's memorisation and the network's generalisation look different.")
    objective = param.Selector(default="velocity", objects=list(OBJECTIVES),
                               doc="What the network predicts: eps (DDPM), x0, v, or the flow-matching velocity.")
    schedule = param.Selector(default="rectified", objects=list(SCHEDULES),
                              doc="The noise path x_t = alpha(t) x0 + sigma(t) eps: DDPM 'linear', 'cosine', "
                                  "or 'rectified' (straight lines, flow matching).")
    sampler = param.Selector(default="heun", objects=[],
                             doc="How to walk from noise to data: DDPM, DDIM, Euler or Heun (ODE), or an SDE.")
    grid = param.Selector(default="uniform", objects=[], doc="Where the sampler's time steps go between t = 1 and 0.")
    sample_steps = param.Integer(default=50, bounds=(1, MAX_SAMPLE_STEPS),
                                 doc="Sampler steps from noise to data.")
    n_samples = param.Integer(default=1000, bounds=(10, MAX_SAMPLES), doc="How many samples to draw.")
    sample_seed = param.Integer(default=1, bounds=(0, 2**31 - 1), doc="Seed of the sampler's noise.")

    width = param.Integer(default=TrainConfig.width, bounds=(8, 512), doc="Units per hidden layer.")
    depth = param.Integer(default=TrainConfig.depth, bounds=(1, 6), doc="Hidden layers of the MLP.")
    lr = param.Number(default=TrainConfig.lr, bounds=(1e-5, 10.0),
                      doc="Adam's learning rate (decays to 0 on a cosine). Too large and training diverges.")
    batch_size = param.Integer(default=TrainConfig.batch_size, bounds=(8, 4096), doc="Points per training step.")
    train_steps = param.Integer(default=min(TrainConfig.steps, MAX_TRAIN_STEPS), bounds=(1, MAX_TRAIN_STEPS),
                                doc="Training steps.")
    seed = param.Integer(default=0, bounds=(0, 2**31 - 1), doc="Seed of the weights and the training noise.")
    fourier_features = param.Integer(default=TrainConfig.fourier_features, bounds=(0, 256),
                                     doc="Random Fourier features of x: sharper thin strokes, a little slower.")
    coupling = param.Selector(default="independent", objects=list(COUPLINGS),
                              doc="Which noise each data point meets in training: fresh ('independent') or the "
                                  "minibatch optimal-transport pairing ('ot': straighter paths, slower training).")
    source = param.Selector(default=GAUSSIAN, objects=[GAUSSIAN, *datasets.names()],
                            doc="Where the flow starts at t = 1: Gaussian noise, or another built-in set "
                                "(flow matching transports it onto the data).")

    use_oracle = param.Boolean(default=False,
                               doc="Sample with the exact denoiser of the training points instead of the network: "
                                   "it memorises (samples land on training points); the network generalises.")
    quality = param.Dict(default={}, doc="Energy distances of the current run's samples: 'to_training' (the "
                                         "training points), 'to_fresh' (a new draw of a built-in set), 'floor' "
                                         "(training set vs that fresh draw).")

    frame = param.Integer(default=0, bounds=(0, None), doc="Index of the shown frame of the run (0 = noise).")
    show_trajectories = param.Boolean(default=True, doc="Fading tails behind a subset of samples.")
    show_density = param.Boolean(default=False, doc="Density of the samples at the shown time, as contours.")
    show_field = param.Boolean(default=False, doc="The model's velocity field at the shown time.")
    show_mesh = param.Boolean(default=False, doc="A lattice of start points flowing as a deforming mesh.")
    show_streamlines = param.Boolean(default=False, doc="Streamlines of the velocity field at the shown time, with "
                                                        "particles flowing along them.")

    data = param.Array(default=None, doc="The training points (n, 2).")
    run_labels = param.Array(default=None, doc="The class each sample of `run` asked for (None: no class).")
    model = param.Parameter(default=None, doc="The last good model (a DiffusionModel).")
    run = param.Parameter(default=None, doc="The current SampleRun of `model`.")
    status = param.String(default="", doc="One line about what just happened.")
    error = param.String(default="", doc="The last error, for a notification; cleared by the view.")

    def __init__(self, **params):
        super().__init__(**params)
        self.model_dataset = None  # the built-in set whose pretrained model is shown (None: another model)
        self._job: TrainingJob | None = None
        self._drawn: np.ndarray | None = None
        self._drawn_classes: tuple[np.ndarray | None, list[str]] = (None, [])  # a drawing in colours: its classes
        self._reference = (None, None)  # (key, fresh draw) for the quality numbers
        self._load_dataset()
        self.param.watch(self._on_knob, knob_names())
        self.param.watch(self._check_pair, ["objective", "schedule"])
        self.param.watch(lambda *_: self._refresh_guidance_choices(), ["model", "class_names"])
        self._refresh_guidance_choices()
        if self.run is None:
            self.recompute()

    # --- data ---------------------------------------------------------------------------------
    @param.depends("dataset", "train_points", watch=True)
    def _load_dataset(self):
        if self.dataset == DRAWN:
            if self._drawn is None:
                self.status = "Draw a shape on the canvas (or upload a CSV), then press Train."
                return
            labels, names = self._drawn_classes
            self.param.update(data=self._drawn, labels=labels, class_names=list(names))
            return
        data, labels = datasets.load_labelled(self.dataset, n=self.train_points, seed=0)
        self.param.update(data=data, labels=labels, class_names=datasets.class_names(self.dataset))
        if self.dataset in available() and not self.training and self.model_dataset != self.dataset:
            self.use_model(load_pretrained(self.dataset), pretrained=self.dataset)
            self.status = f"Loaded the pretrained {self.dataset} model. Press Train to learn it yourself."

    @property
    def drawn(self) -> np.ndarray | None:
        """The user's drawing / upload (the 'drawn' dataset), or None if there is none yet."""
        return self._drawn

    def set_drawn(self, points, labels=None, class_names=()) -> bool:
        """Use `points` (a drawing or an upload) as the training data, with the class of each point (`labels`
        and `class_names`, for a drawing in colours or a labelled CSV; None: no classes). False (and `error`)
        if invalid. `None` removes the drawing (an emptied canvas): no training data until the next one."""
        if points is None:
            self._drawn, self._drawn_classes = None, (None, [])
            if self.dataset == DRAWN:
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
        if self.dataset != DRAWN:
            self.dataset = DRAWN  # triggers _load_dataset
        else:
            self.param.update(data=pts, labels=labels, class_names=self._drawn_classes[1])
        classes = self._drawn_classes[1]
        # drawn in several colours, the classes are the point of it; in one colour there are none to train with
        self.conditional = bool(classes)
        self.status = f"Your drawing: {len(pts)} points" + (f" in {len(classes)} classes ({', '.join(classes)}), "
                                                             "'Train with classes' on. Press Train."
                                                             if classes else ". Press Train.")
        return True

    # --- training -----------------------------------------------------------------------------
    def train_config(self, **overrides) -> TrainConfig:
        """The TrainConfig the sidebar describes; `overrides` (objective, schedule, steps...) replace fields
        (the A/B tab's arms use the sidebar's network and training settings with their own pairs)."""
        fields = dict(objective=self.objective, schedule=self.schedule, width=self.width, depth=self.depth,
                      lr=self.lr, batch_size=self.batch_size, steps=self.train_steps, seed=self.seed,
                      fourier_features=self.fourier_features, coupling=self.coupling)
        return TrainConfig(**{**fields, **overrides})

    # --- sampling -----------------------------------------------------------------------------
    def settings(self) -> SamplingSettings:
        """How the sidebar says to sample: sampler, steps, time grid and the sampler's knobs."""
        return settings_of(self)

    @property
    def stochastic(self) -> bool:
        return self.settings().stochastic

    def _on_knob(self, event) -> None:
        if any(k.name == event.name for k in self.settings().spec.knobs):
            self.recompute()  # a knob of another sampler changes nothing shown

    @param.depends("model", "data", "sampler", "grid", "sample_steps", "n_samples", "sample_seed", "use_oracle",
                   "label", "guidance", "guide", watch=True)
    def recompute(self):
        asked = self.sample_labels(self.n_samples)
        denoiser = self.denoiser(asked)
        if denoiser is None:
            return
        self.run_labels = asked  # the class each sample asked for (colours), or None
        settings = self.settings()
        # A pretrained model's runs are the same in every session: made once per process (the page opens on one).
        pretrained = self.model_dataset is not None and self.dataset == self.model_dataset and self.data is not None
        shared = (self.model_dataset, len(self.data), settings, self.n_samples, self.sample_seed) \
            if pretrained and denoiser is self.model else None
        if shared in _SHARED_RUNS:
            _SHARED_RUNS.move_to_end(shared)
            run, quality_now = _SHARED_RUNS[shared]
        else:
            try:
                run = sample(denoiser, n=self.n_samples, seed=self.sample_seed, settings=settings)
            except ExplorerError as err:
                self.error = str(err)
                return
            quality_now = {**self.score(run.samples), "straightness": straightness(run).mean}
            if shared is not None:
                _SHARED_RUNS[shared] = (run, quality_now)
                while len(_SHARED_RUNS) > SHARED_RUNS:
                    _SHARED_RUNS.popitem(last=False)
        if self.run is None:
            frame = len(run.times) - 1  # first run: show the samples
        else:  # keep the shown t: the frame of the new grid nearest to the old frame's time
            t = self.run.times[min(self.frame, len(self.run.times) - 1)]
            frame = int(np.abs(run.times - t).argmin())
        self.param.update(frame=frame, run=run)  # together: a watcher never sees a frame of one run with the other
        self.quality = dict(quality_now)

    def denoiser(self, labels=None):
        """What the sampler runs on: the model, or the exact denoiser of the training points on its schedule
        (with their classes, for a conditional model), asked for `labels` (one per row; default: the
        sidebar's one class) with the sidebar's guidance (guidance_state.py)."""
        base = self.base_denoiser()
        return None if base is None else self.guided_denoiser(base, labels)

    def base_denoiser(self):
        """The model, or (Exact denoiser ticked) the exact denoiser of the training points, before guidance."""
        if self.model is None:
            return None
        if not self.use_oracle or self.data is None:
            return self.model
        classes = self.labels if self.guided else None
        key = (id(self.data), self.model.schedule.name, id(classes))
        if getattr(self, "_oracle_key", None) != key:
            self._oracle = OracleDenoiser(self.data, self.model.schedule, labels=classes)
            self._oracle_key = key
        return self._oracle

    def score(self, samples) -> dict:
        """Energy distances of `samples` to this session's data (metrics.quality): to the training points,
        and for a built-in set to a fresh draw of it, with the floor a perfect model would score."""
        if self.data is None:
            return {}
        return quality(samples, self.data, self.reference())

    def reference(self) -> np.ndarray | None:
        """A fresh draw of the built-in set, as many points as the training set (None for a drawing)."""
        if self.dataset == DRAWN or self.data is None:
            return None
        key = (self.dataset, id(self.data), len(self.data))
        if self._reference[0] != key:
            self._reference = (key, datasets.load(self.dataset, n=max(len(self.data), 1000), seed=FRESH_SEED))
        return self._reference[1]

    # --- objective / schedule pairs -----------------------------------------------------------
    def _check_pair(self, *events):
        """Never show a pair that cannot train: the other choice follows, and the status says so."""
        changed = "objective" if any(e.name == "objective" for e in events) else "schedule"
        note = fix_pair(self, changed)
        self.status = " ".join(filter(None, [note, self.model_note()])) or self.status

    def model_note(self) -> str:
        """'' if the shown model is what the sidebar describes, else a line saying what it was trained with."""
        model = self.model
        if model is None or getattr(model, "objective", None) is None:
            return ""
        if (model.objective, model.schedule.name) == (self.objective, self.schedule):
            return ""
        return (f"The shown model was trained with {OBJECTIVES[model.objective].short} on "
                f"{SCHEDULES[model.schedule.name].short}; press Train to train "
                f"{OBJECTIVES[self.objective].short} on {SCHEDULES[self.schedule].short}.")


bind_choices(ExplorerState)
