"""Setup: what a session trains on and how. A part of the session's state (part.py); no Panel here.

Every setting here travels in the page's address (SHARED); an A/B arm has its own objective and schedule
(ARM) and the session's others. The objects of `objective` and `schedule` follow the core's registries.
"""
from __future__ import annotations

import param

from explorer.core.couplings import COUPLINGS
from explorer.core.objectives import OBJECTIVES
from explorer.core.schedules import SCHEDULES
from explorer.data import datasets
from explorer.serve.settings import SETTINGS
from explorer.training.config import TrainConfig
from explorer.ui.session.choices import DRAWN, GAUSSIAN, bind_choices
from explorer.ui.session.part import Part

# Per-session caps so one student cannot starve a class on a shared laptop (README: serving a class).
# A teacher on a weak laptop can lower the training cap for every session: EXPLORER_MAX_TRAIN_STEPS=300.
MAX_TRAIN_STEPS = SETTINGS.max_train_steps  # explorer/serve/settings.py


class Setup(Part):
    """What to train on (the data, its classes) and how (objective, schedule, network, training, coupling)."""

    SHARED = True
    ARM = ("objective", "schedule")

    dataset = param.Selector(default="smiley", objects=[*datasets.names(), DRAWN],
                             doc="Training data: a built-in shape, or your own drawing ('drawn').")
    train_points = param.Integer(default=2000, bounds=(20, 2000), step=10,
                                 doc="How many points of a built-in set to train on. With few (30-200), the exact "
                                     "denoiser's memorisation and the network's generalisation look different.")
    conditional = param.Boolean(default=False, doc="Train with the data's classes: a conditional model that can "
                                                   "be asked for one class, and guided.")
    objective = param.Selector(default="velocity", objects=list(OBJECTIVES),
                               doc="What the network predicts: eps (DDPM), x0, v, or the flow-matching velocity.")
    schedule = param.Selector(default="rectified", objects=list(SCHEDULES),
                              doc="The noise path x_t = alpha(t) x0 + sigma(t) eps: DDPM 'linear', 'cosine', "
                                  "or 'rectified' (straight lines, flow matching).")
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

    def train_config(self, **overrides) -> TrainConfig:
        """The TrainConfig this setup describes; `overrides` (objective, schedule, steps...) replace fields
        (the A/B tab's arms use the session's network and training settings with their own pairs)."""
        fields = dict(objective=self.objective, schedule=self.schedule, width=self.width, depth=self.depth,
                      lr=self.lr, batch_size=self.batch_size, steps=self.train_steps, seed=self.seed,
                      fourier_features=self.fourier_features, coupling=self.coupling)
        return TrainConfig(**{**fields, **overrides})


bind_choices(Setup)
