"""The guidance half of a session's state: classes, the class asked for, the guidance scale and the guide.
No Panel here. ExplorerState inherits it (explorer/core/guidance.py holds the maths).

* `conditional`: train with the data's classes (built-in sets have them, explorer/data/labels.py), so that one
  network learns each class and, with labels dropped, the unconditional model.
* `label`: what to ask a conditional model for: no class, every class (each sample asks for one, in the
  data's proportions, and is coloured by it), or one class by name.
* `guidance` w and `guide`: D = D_ref + w (D_class - D_ref), where D_ref is the same network with no class
  (classifier-free guidance) or an earlier snapshot of it (autoguidance).
"""
from __future__ import annotations

import numpy as np
import param

from explorer.core.denoisers import OracleDenoiser
from explorer.core.guidance import Guided

NO_CLASS, ALL = "no class", "every class"
CFG = "no class (classifier-free)"


class GuidanceState(param.Parameterized):
    conditional = param.Boolean(default=False, doc="Train with the data's classes: a conditional model that can "
                                                   "be asked for one class, and guided.")
    label = param.Selector(default=ALL, objects=[NO_CLASS, ALL], doc="What to ask a conditional model for.")
    guidance = param.Number(default=1.0, bounds=(0.0, 10.0), step=0.25,
                            doc="The guidance scale w: 0 ignores the class (or the model over its guide), 1 is "
                                "the conditional model, above 1 guided: sharper, less diverse.")
    guide = param.Selector(default=CFG, objects=[CFG], doc="What guidance pushes away from: the same network with "
                                                           "no class, or an earlier snapshot of it (autoguidance).")
    labels = param.Array(default=None, doc="The class of each training point (None: no classes).")
    class_names = param.List(default=[], doc="The names of the data's classes.")

    def _refresh_guidance_choices(self) -> None:
        """Menus that follow the data's classes and the model's snapshots."""
        names = list(self.class_names)
        self.param.label.objects = [NO_CLASS, ALL, *names]
        if self.label not in self.param.label.objects:
            self.label = ALL
        model = self.model
        steps = sorted(getattr(model, "snapshots", {}) or {})
        self.param.guide.objects = [CFG, *(f"snapshot at step {s}" for s in steps)]
        if self.guide not in self.param.guide.objects:
            self.guide = CFG

    @property
    def guided(self) -> bool:
        """Whether the shown model is conditional (so the class, w and guide apply)."""
        return bool(getattr(self.model, "classes", 0))

    def sample_labels(self, n: int) -> np.ndarray | None:
        """The class each of n samples asks for (None: no class), in the data's proportions for ALL."""
        if not self.guided or self.label == NO_CLASS:
            return None
        classes = self.model.classes
        if self.label == ALL:
            counts = np.bincount(self.labels, minlength=classes) if self.labels is not None else np.ones(classes)
            share = counts[:classes] / max(counts[:classes].sum(), 1)
            return np.random.default_rng(self.sample_seed).choice(classes, size=n, p=share)
        return np.full(n, list(self.model.class_names).index(self.label)) if self.label in self.model.class_names \
            else None

    def class_asked(self) -> int | None:
        """The one class the sidebar asks for, or None (no class, or every class)."""
        if not self.guided or self.label in (NO_CLASS, ALL) or self.label not in self.model.class_names:
            return None
        return list(self.model.class_names).index(self.label)

    def guided_denoiser(self, base, labels=None):
        """`base` (the network or the exact denoiser) asked for `labels` (a class, one per row, or None: the
        sidebar's one class) with the sidebar's w and guide. Unguided when there is no class to ask for."""
        labels = self.class_asked() if labels is None else labels
        if labels is None or not self.guided:
            return base
        guide = None if isinstance(base, OracleDenoiser) else self.guide_model()
        return Guided(base, labels, self.guidance, guide)

    def guide_model(self):
        """The weaker model the sidebar guides with (autoguidance: a snapshot), or None (the model's no class)."""
        if self.guide == CFG:
            return None
        return self.model.snapshot(int(self.guide.rsplit(" ", 1)[1]))
