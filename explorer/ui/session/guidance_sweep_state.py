"""The "Guidance" tab's logic: explorer/studies/guidance_sweep.py on the session's conditional model, in the background,
with the sidebar's guide (the model's no class, or a snapshot: autoguidance) and, if asked, the exact
conditional denoiser of the training points beside it. No Panel here."""
from __future__ import annotations

import param

from explorer.core.denoisers import OracleDenoiser
from explorer.studies.guidance_sweep import WS, GuidanceSweep, guidance_sweep
from explorer.ui.jobs.background_job import BackgroundJob

N_SAMPLES = 300  # per class and w: a 2-class sweep over 7 values of w takes ~4 s on one core
ORACLE_POINTS = 600  # the exact denoiser runs on at most this many training points


class GuidanceSweepState(BackgroundJob):
    include_oracle = param.Boolean(default=False, doc="Also sweep the exact conditional denoiser of the points.")
    result = param.Parameter(default=None, doc="{'network': GuidanceSweep, 'oracle': GuidanceSweep or None}")

    what = "guidance sweep"

    def __init__(self, **params):
        super().__init__(**params)
        self.message = self.advice()

    def advice(self) -> str:
        """What to do first, or what Measure will do."""
        st = self.state
        if not st.guided:
            return ("Guidance needs a conditional model: pick a set with classes (or draw in two colours), tick "
                    "**Train with classes** in the sidebar and press **Train**.")
        guide = "the model asked for no class" if st.guide_model() is None else st.guide
        return (f"Press **Measure**: for each class and w = {', '.join(f'{w:g}' for w in WS)}, {N_SAMPLES} samples "
                f"guided away from {guide} (a few seconds).")

    def start(self) -> bool:
        st = self.state
        if self.running:
            return False
        if not st.guided or st.data is None or st.labels is None:
            st.error = "The guidance sweep needs a model trained with classes: tick 'Train with classes', then Train."
            return False
        model, data, labels, oracle = st.model, st.data, st.labels, self.include_oracle
        guide, steps = st.guide_model(), min(st.sample_steps, 30)

        def work(job):
            progress, stop = job.progress, job.stop_event
            parts = 2 if oracle else 1

            def report(part):
                return lambda done, total: progress(part * total + done, parts * total)

            out = {"network": guidance_sweep(model, data, labels, n=N_SAMPLES, steps=steps, guide=guide,
                                             progress=report(0), stop=stop), "oracle": None}
            if oracle and not stop.is_set():
                keep = slice(None, None, max(1, len(data) // ORACLE_POINTS))
                exact = OracleDenoiser(data[keep], model.schedule, labels=labels[keep])
                out["oracle"] = guidance_sweep(exact, data[keep], labels[keep], n=N_SAMPLES, steps=steps,
                                               class_names=model.class_names, progress=report(1), stop=stop)
            return out

        return self._launch(work, "guidance-sweep", "Measuring...")

    def describe(self) -> str:
        net: GuidanceSweep = self.result["network"]
        return "**Network:** " + "; ".join(net.summary(k) for k in range(len(net.class_names))) + "."
