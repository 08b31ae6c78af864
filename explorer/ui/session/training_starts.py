"""What a session trains, as the methods of ExplorerState (state.py) that start and end its training runs. No Panel.

    start_training()   the sidebar's setup on the session's data (Train)
    start_reflow()     the shown model's own (noise, sample) pairs: straighter paths (Reflow)
    start_distil()     a flow map of the shown model with MeanFlow, dx.distil (Distil; docs/flow_maps.md)
    stop_training()    Stop: the model trained so far

Each run is the session's one "training" job (training_state.py); the model it gives replaces the shown one only
when it is done, and a run that gives none (stopped early, diverged, refused) leaves the last good model in place.
The session's `lineage` (flow_maps.py) remembers where each model came from: a distilled model's teacher, the
latest flow map and reflowed model.
"""
from __future__ import annotations

from explorer.core.errors import ExplorerError
from explorer.core.objectives import OBJECTIVES
from explorer.core.samplers import sample
from explorer.data import datasets
from explorer.training.config import TrainConfig
from explorer.ui.jobs.training_job import DistilWork
from explorer.ui.session.choices import DRAWN, GAUSSIAN
from explorer.ui.session.flow_maps import DISTIL_METHOD, distil_problem, flow_map_refusal


class TrainingStarts:
    """ExplorerState's training methods (a mixin: the state holds the parts, data, model and status they use)."""

    def train_config(self, **overrides) -> TrainConfig:
        """The TrainConfig the sidebar describes (Setup.train_config)."""
        return self.setup.train_config(**overrides)

    def start_training(self) -> bool:
        setup = self.setup
        if self.training_progress.training:
            self.status = "Already training: press Stop first."
            return False
        if self.data is None or (setup.dataset == DRAWN and self._drawn is None):
            self.error = "There is no training data yet: draw a shape (or upload a CSV), or pick a dataset."
            return False
        refusal = flow_map_refusal(setup)
        if refusal:
            self.error = refusal
            return False
        try:
            config = setup.train_config()
        except ExplorerError as err:
            self.error = str(err)
            return False
        extra = {}
        if setup.conditional:
            if self.labels is None:
                self.error = ("This data has no classes to train with: pick a built-in set, or switch "
                              "'Train with classes' off.")
                return False
            extra = {"labels": self.labels, "class_names": list(self.class_names)}
        if setup.source != GAUSSIAN:
            extra["source"] = datasets.load(setup.source, n=len(self.data), seed=1)
        self._source_name = setup.source if setup.source != GAUSSIAN else None  # named on the model it makes
        self.status = self._train(self.data, config, extra)
        self.lineage.started("train", self.data)
        return True

    def start_reflow(self) -> bool:
        """Retrain on the shown model's own (noise, sample) pairs (explorer/studies/straight.py): straighter paths."""
        model = self.model
        if model is None and self.awaiting_model():
            return False
        if self.training_progress.training or model is None:
            self.status = "Press Stop first." if self.training_progress.training else "There is no model to reflow yet."
            return False
        if (model.objective, model.schedule.name) != ("velocity", "rectified"):
            self.error = "Reflow straightens a flow-matching model: train velocity on rectified flow first."
            return False
        run = sample(model, n=max(len(self.data), 1000), sampler="heun", steps=50, seed=self.setup.seed + 1)
        config = self.setup.train_config(objective="velocity", schedule="rectified", coupling="independent")
        self.status = self._train(run.samples, config, {"pairs": run.points[0]},
                                  "Reflow: training on the model's own (noise, sample) pairs")
        self.lineage.started("reflow", self.data)
        return True

    def start_distil(self) -> bool:
        """Distil the shown model into a flow map with MeanFlow (dx.distil), in the background as a training run:
        the sidebar's network and training settings, the teacher's velocity as the target. The shown model stays
        until the student is trained; a model that cannot be distilled is refused with the reason."""
        if self.model is None and self.awaiting_model():
            return False
        problem = distil_problem(self.model, self.training_progress.training)
        if problem:
            self.error = problem
            return False
        teacher = self.model
        config = self.setup.train_config(objective=DISTIL_METHOD, schedule="rectified", coupling="independent")
        work = DistilWork(teacher, DISTIL_METHOD, config)
        what = f"Distil: {OBJECTIVES[DISTIL_METHOD].short} learns the shown model's ODE map"
        self.status = self._train(None, config, {}, what, work=work)
        self.lineage.started("distil", self.data, teacher)
        return True

    def teacher(self, model=None):
        """The model `model` (default: the shown one) was distilled from in this session, or None."""
        return self.lineage.teacher(self.model if model is None else model)

    def _train(self, points, config, extra, what: str = "", work=None) -> str:
        return self.training_progress.start(self.jobs, points, config, extra, what, on_status=self._say,
                                            on_done=self._trained, work=work)

    def _say(self, line: str) -> None:
        if line != self.status:
            self.status = line

    def _trained(self, news) -> None:
        """A training job ended: show its model (or keep the last good one) and say why."""
        model, status, error = news.outcome(previous=self.model is not None)
        if error:
            self.error = error
        if model is not None:
            if model.source is not None and model.source_name is None:  # the page says where sampling starts
                model.source_name = getattr(self, "_source_name", None)
            self.lineage.finished(model)
            self.model_dataset = None
            self.model = model  # triggers recompute
        if status:
            self.status = status + (f". {self._switch_note}" if self._switch_note and status[-1:] != "." else
                                    f" {self._switch_note}" if self._switch_note else "")

    def stop_training(self) -> None:
        job = self.jobs.get("training")
        if job is not None:
            job.stop()
