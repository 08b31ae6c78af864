"""Sampling: how a session samples its model. A part of the session's state (part.py); no Panel here.

* `sampler`, `grid`, `sample_steps` and one Number per sampler knob (eta, noise, ...) come from the core's
  registries (choices.py); an A/B arm has its own (ARM).
* `label`: what to ask a conditional model for: no class, every class (each sample asks for one, in the
  data's proportions, and is coloured by it), or one class by name. Its menu follows the model's classes
  (an uploaded model brings its own), or the data's while the model has none.
* `guidance` w (the core's GUIDANCE knob) and `guide`: D = D_ref + w (D_class - D_ref), where D_ref is the same
  network with no class (classifier-free guidance) or an earlier snapshot of it (autoguidance). The guide's
  menu follows the model's snapshots. (explorer/core/guidance.py holds the maths.)

Every setting here travels in the page's address (SHARED). The methods take the model they are about.
"""
from __future__ import annotations

import numpy as np
import param

from explorer.core.denoisers import OracleDenoiser
from explorer.core.guidance import GUIDANCE, Guided
from explorer.core.samplers import SamplingSettings
from explorer.core.solvers import SAMPLERS
from explorer.ui.session.choices import bind_choices, knob_parameter, settings_of
from explorer.ui.session.part import Part

MAX_SAMPLES = 5000
MAX_SAMPLE_STEPS = 500
NO_CLASS, ALL = "no class", "every class"
CFG = "no class (classifier-free)"


class Sampling(Part):
    """How to sample: the sampler and its settings, the exact denoiser, and the class and guidance asked for."""

    SHARED = True
    ARM = ("sampler", "grid", "sample_steps")

    sampler = param.Selector(default="heun", objects=[],
                             doc="How to walk from noise to data: DDPM, DDIM, Euler or Heun (ODE), or an SDE.")
    grid = param.Selector(default="uniform", objects=[], doc="Where the sampler's time steps go between t = 1 and 0.")
    sample_steps = param.Integer(default=50, bounds=(1, MAX_SAMPLE_STEPS), doc="Sampler steps from noise to data.")
    n_samples = param.Integer(default=1000, bounds=(10, MAX_SAMPLES), doc="How many samples to draw.")
    sample_seed = param.Integer(default=1, bounds=(0, 2**31 - 1), doc="Seed of the sampler's noise.")
    use_oracle = param.Boolean(default=False,
                               doc="Sample with the exact denoiser of the training points instead of the network: "
                                   "it memorises (samples land on training points); the network generalises.")
    label = param.Selector(default=ALL, objects=[NO_CLASS, ALL], doc="What to ask a conditional model for.")
    guidance = knob_parameter(GUIDANCE)
    guide = param.Selector(default=CFG, objects=[CFG], doc="What guidance pushes away from: the same network with "
                                                           "no class, or an earlier snapshot of it (autoguidance).")

    def settings(self) -> SamplingSettings:
        """The sampler, steps, time grid and the sampler's knobs, as the core takes them."""
        return settings_of(self)

    def take_defaults(self, events, explicit=()) -> bool:
        """A new sampler brings its own default steps and grid (SamplerSpec.default_steps / default_grid: DDPM
        and the SDE 100 steps, DPM++ 20 on the log-SNR grid), except those the same change set (`events`) or a
        link names (`explicit`). True if that changed anything (whose own events then re-sample)."""
        names = {e.name for e in events} | set(explicit)
        if "sampler" not in {e.name for e in events}:
            return False
        spec = SAMPLERS[self.sampler]
        wanted = {k: v for k, v in (("sample_steps", min(spec.default_steps, MAX_SAMPLE_STEPS)),
                                    ("grid", spec.default_grid)) if k not in names and getattr(self, k) != v}
        if wanted:
            self.param.update(**wanted)
        return bool(wanted)

    # --- the menus that follow the data and the model -------------------------------------------
    def follow(self, class_names, model) -> None:
        """`label` offers the classes of the model in use (a conditional one: its own, saved with it; an uploaded
        model's need not be the data's), else the data's `class_names` (what training with classes will give);
        `guide` offers the model's snapshots. A value no longer offered falls back to the default."""
        if self.guided(model):
            class_names = model.class_names
        self.param.label.objects = [NO_CLASS, ALL, *class_names]
        if self.label not in self.param.label.objects:
            self.label = ALL
        steps = sorted(getattr(model, "snapshots", {}) or {})
        self.param.guide.objects = [CFG, *(f"snapshot at step {s}" for s in steps)]
        if self.guide not in self.param.guide.objects:
            self.guide = CFG

    # --- classes and guidance -------------------------------------------------------------------
    @staticmethod
    def guided(model) -> bool:
        """Whether `model` is conditional (so the class, w and guide apply)."""
        return bool(getattr(model, "classes", 0))

    def sample_labels(self, model, labels, n: int) -> np.ndarray | None:
        """The class each of n samples asks for (None: no class); for ALL in the proportions of `labels` (the
        training points' classes, if they are the model's: else in equal shares)."""
        if not self.guided(model) or self.label == NO_CLASS:
            return None
        classes = model.classes
        if self.label == ALL:
            counts = np.bincount(labels, minlength=classes) if labels is not None else np.ones(classes)
            share = counts[:classes] / max(counts[:classes].sum(), 1)
            return np.random.default_rng(self.sample_seed).choice(classes, size=n, p=share)
        return np.full(n, list(model.class_names).index(self.label)) if self.label in model.class_names else None

    def class_asked(self, model) -> int | None:
        """The one class asked for, or None (no class, or every class)."""
        if not self.guided(model) or self.label in (NO_CLASS, ALL) or self.label not in model.class_names:
            return None
        return list(model.class_names).index(self.label)

    def guided_denoiser(self, base, model, labels=None):
        """`base` (`model` or the exact denoiser) asked for `labels` (a class, one per row, or None: the one
        class asked for) with this w and guide. Unguided when there is no class to ask for."""
        labels = self.class_asked(model) if labels is None else labels
        if labels is None or not self.guided(model):
            return base
        guide = None if isinstance(base, OracleDenoiser) else self.guide_model(model)
        return Guided(base, labels, self.guidance, guide)

    def guide_model(self, model):
        """The weaker model to guide with (autoguidance: a snapshot of `model`), or None (its no class)."""
        if self.guide == CFG:
            return None
        return model.snapshot(int(self.guide.rsplit(" ", 1)[1]))


bind_choices(Sampling)
