"""The sidebar: what to learn (data, objective, schedule), how (advanced knobs), and how to sample.

Every widget is linked two-way to one `ExplorerState` parameter with `from_param`, so the state
stays the single source of truth: a test or a notebook can set `state.sampler = "ddim"` and the
widgets follow. The buttons call the state's methods.
"""
from __future__ import annotations

import panel as pn

from explorer.core.objectives import OBJECTIVES
from explorer.core.schedules import SCHEDULES
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.data.dataset_specs import DATASETS
from explorer.ui.base import StateView
from explorer.ui.lazy import lazy_card, lazy_visible
from explorer.ui.session.choices import options as options_of
from explorer.ui.session.flow_maps import objective_note
from explorer.ui.session.state import DRAWN, GAUSSIAN
from explorer.ui.views.draw_view import SCROLL_TO_CANVAS_JS
from explorer.ui.views.knob_widgets import knob_sliders, select, show_knobs

DRAWN_LABEL = "Your drawing"
# Tooltips for the advanced knobs: what each one does, and what to expect when you turn it.
ADVANCED_HELP = {
    "width": "Units in each hidden layer of the network. Wider nets can draw finer detail but train slower.",
    "depth": "Number of hidden layers. Deeper nets can bend the flow more; 3 is plenty for 2D shapes.",
    "lr": "Adam's step size (it decays to 0 on a cosine). 1e-3 to 1e-2 works; too large and training diverges.",
    "batch_size": "Training points per step. Bigger batches give a smoother loss but each step costs more.",
    "train_steps": "How many optimiser steps the Train button runs (about 1-2 ms each on one core).",
    "seed": "Seed of the initial weights and the training noise: the same seed gives the same model.",
    "fourier_features": "Random Fourier features of x fed to the network (0 = off). They help thin "
                        "strokes come out sharp, at a little extra cost per step.",
    "coupling": "Which noise each data point meets in a batch: fresh noise, or the optimal-transport pairing "
                "(ot), whose paths cross less: straighter flows that need fewer steps. About 3x slower to train.",
    "source": "Where the flow starts: Gaussian noise, or another built-in set (flow matching moves one shape "
              "onto the other). Needs velocity on rectified flow.",
}

GUIDANCE_HELP = {
    "conditional": "Train one network on every class of the data (and, with the labels dropped 15 % of the time, "
                   "on no class): then it can be asked for one class, and guided.",
    "label": "What to ask the model for: no class, every class (each sample asks for one and takes its colour), "
             "or one class.",
    "guide": "What guidance pushes away from: the same network asked for no class (classifier-free guidance), "
             "or a weaker, earlier snapshot of it (autoguidance, Karras et al. 2024).",
    "hint": "*Tick **Train with classes** and press Train: the model learns each class, and you can ask for one "
            "and turn up the guidance.*",
}

JUMP_HELP = ("the shown model learned a velocity, and only a flow map jumps: choose objective MeanFlow, shortcut or "
             "consistency and press Train, or press Distil; then Jump is offered.")

ORACLE_HELP = ("Sample with the exact denoiser of the training points, E[x0 | x_t], instead of the network. "
               "It memorises: every sample lands on a training point. The network's failure to do so is "
               "generalisation.")


def dataset_label(name: str) -> str:
    """'three_dots' -> 'Three dots'; the user's own points -> 'Your drawing'."""
    return DRAWN_LABEL if name == DRAWN else DATASETS[name].label if name in DATASETS else name


def _with_help(widget, text: str) -> pn.Row:
    """`widget` with a hover tooltip icon after it (for widgets without a `description`)."""
    widget.sizing_mode = "stretch_width"
    return pn.Row(widget, pn.widgets.TooltipIcon(value=text, margin=(22, 5, 0, 0)), sizing_mode="stretch_width")


class Controls(StateView):
    """The sidebar of one session. Construct with the session's state: `Controls(state=state)`."""

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.dataset = pn.widgets.Select.from_param(
            s.param.dataset, label="Dataset", options={dataset_label(d): d for d in s.param.dataset.objects},
            description="The training points: a built-in shape, or your own drawing.")
        self.dataset.sizing_mode = "stretch_width"
        self.draw = pn.widgets.Button(label="Draw", color="default", width=80, margin=(27, 10, 5, 0),
                                      description="Draw your own training set with the mouse.")
        self.draw.on_click(self._on_draw)
        self.draw.js_on_click(code=SCROLL_TO_CANVAS_JS)  # the canvas into view (draw_view.py)
        self.dataset.jscallback(value=f"if (cb_obj.value === {DRAWN_LABEL!r}) {{ {SCROLL_TO_CANVAS_JS} }}")
        self.train_points = pn.widgets.IntSlider.from_param(s.param.train_points, label="Training points",
                                                            throttled=True)
        self._points_row = _with_help(self.train_points, s.param.train_points.doc)
        self.objective = select(
            s, "objective", OBJECTIVES, label="Objective",
            description="What the network learns to predict from a noisy point: the noise (ε), the clean "
                        "point (x0), v = αε − σx0, or the flow-matching velocity.")
        self.schedule = select(
            s, "schedule", SCHEDULES, label="Schedule",
            description="How data turns into noise, x_t = α(t)·x0 + σ(t)·ε: DDPM's variance-preserving "
                        "paths (linear or cosine) or the straight lines of rectified flow.")
        self.train = pn.widgets.Button(label="Train", color="primary",
                                       sizing_mode="stretch_width")
        self.stop = pn.widgets.Button(label="Stop", color="default",
                                      sizing_mode="stretch_width", disabled=True)
        self.reflow = pn.widgets.Button(label="Reflow", color="default", sizing_mode="stretch_width",
                                        description="Retrain on the shown model's own (noise, sample) pairs: "
                                                    "straighter paths, so fewer steps (flow matching only).")
        self.reflow.on_click(self._on_reflow)
        self.distil = pn.widgets.Button(label="Distil", color="default", sizing_mode="stretch_width",
                                        description="Distil the shown model into a flow map (MeanFlow, the teacher's "
                                                    "velocity as the target): one or two jumps instead of 50 steps. "
                                                    "Velocity on rectified flow, no classes.")
        self.distil.on_click(self._on_distil)
        self._flow_note = pn.pane.Markdown("", margin=(0, 10), styles={"color": "#5f6368", "font-size": "12px"},
                                           name="flow_map_note", sizing_mode="stretch_width")
        s.param.watch(self._on_objective, "objective")
        self.train.on_click(self._on_train)
        self.stop.on_click(self._on_stop)
        s.param.watch(self._on_training, "training")
        self._on_training()
        self.advanced = lazy_card("Advanced", lambda: pn.Column(*self._advanced_widgets(), sizing_mode="stretch_width"),
                                  sizing_mode="stretch_width", margin=(10, 5))
        self.sampler = select(
            s, "sampler", SAMPLERS, label="Sampler",
            description="How to walk from noise back to data. DDPM, DDIM with η > 0 and the SDE are "
                        "random; Euler and Heun follow the deterministic probability-flow ODE.")
        self.grid = select(s, "grid", TIME_GRIDS, label="Time grid",
                           description="Where the sampler's steps go between noise (t = 1) and data (t = 0): "
                                       "evenly in t, evenly in log-SNR, or EDM's (Karras) spacing, dense near "
                                       "the data. With few steps the grid matters as much as the sampler.")
        self.knobs = knob_sliders(s)
        self.eta, self.noise = self.knobs.get("eta"), self.knobs.get("noise")
        self.sample_steps = pn.widgets.IntSlider.from_param(s.param.sample_steps, label="Sampler steps",
                                                            throttled=True)
        self.n_samples = pn.widgets.IntSlider.from_param(s.param.n_samples, label="Samples", step=10,
                                                         throttled=True)
        # Sliders have no `description`: a tooltip icon beside each one says what it does.
        self._knob_rows = {name: _with_help(w, s.param[name].doc) for name, w in self.knobs.items()}
        self._steps_row = _with_help(self.sample_steps, "Steps from noise to data: few steps are fast but coarse.")
        self._n_row = _with_help(self.n_samples, "How many points to generate.")
        self.oracle = pn.widgets.Checkbox.from_param(s.param.use_oracle, label="Exact denoiser (oracle)")
        self._oracle_row = pn.Row(self.oracle, pn.widgets.TooltipIcon(value=ORACLE_HELP, margin=(6, 5, 0, -4)),
                                  margin=(8, 0, 0, 0))
        s.param.watch(self._on_sampler, "sampler")
        self._on_sampler()
        self._sampler_help = self.sampler.description
        s.param.watch(self._on_model_kind, "unusable_samplers")
        self._on_model_kind()
        self._on_objective()
        self._build_guidance()

    def _build_guidance(self) -> None:
        s = self.state
        self.conditional = pn.widgets.Checkbox.from_param(s.param.conditional, name="Train with classes")
        self._conditional_row = pn.Row(self.conditional, pn.widgets.TooltipIcon(value=GUIDANCE_HELP["conditional"],
                                                                                margin=(6, 5, 0, -4)))
        self.label = pn.widgets.Select.from_param(s.param.label, label="Ask for", sizing_mode="stretch_width",
                                                  description=GUIDANCE_HELP["label"])
        self.guidance = pn.widgets.FloatSlider.from_param(s.param.guidance, label="Guidance w", throttled=True)
        self._guidance_row = _with_help(self.guidance, s.param.guidance.doc)
        self.guide = pn.widgets.Select.from_param(s.param.guide, label="Guide with", sizing_mode="stretch_width",
                                                  description=GUIDANCE_HELP["guide"])
        self._guidance_hint = pn.pane.Markdown(GUIDANCE_HELP["hint"], margin=(0, 10), styles={"color": "#5f6368"})
        s.param.watch(self._on_model, ["model", "class_names"])
        self._on_model()

    def _on_model(self, *_events) -> None:
        guided, s = self.state.guided, self.state
        for w in (self.label, self._guidance_row, self.guide):
            w.visible = guided
        self._guidance_hint.visible = not guided
        self._conditional_row.visible = bool(s.class_names)

    def _advanced_widgets(self) -> list:
        s, h = self.state, ADVANCED_HELP
        return [
            pn.widgets.IntInput.from_param(s.param.width, label="Width", step=32, description=h["width"]),
            pn.widgets.IntInput.from_param(s.param.depth, label="Depth", description=h["depth"]),
            pn.widgets.FloatInput.from_param(s.param.lr, label="Learning rate", step=1e-3, format="0.00000",
                                             description=h["lr"]),
            pn.widgets.IntInput.from_param(s.param.batch_size, label="Batch size", step=128,
                                           description=h["batch_size"]),
            pn.widgets.IntInput.from_param(s.param.train_steps, label="Training steps", step=100,
                                           description=h["train_steps"]),
            pn.widgets.IntInput.from_param(s.param.seed, label="Seed", description=h["seed"]),
            pn.widgets.IntInput.from_param(s.param.fourier_features, label="Fourier features", step=16,
                                           description=h["fourier_features"]),
            pn.widgets.Select.from_param(s.param.coupling, label="Coupling", description=h["coupling"]),
            pn.widgets.Select.from_param(s.param.source, label="Start from (flow matching)",
                                         options={dataset_label(d) if d != GAUSSIAN else "Gaussian noise": d
                                                  for d in s.param.source.objects}, description=h["source"]),
        ]

    # Button clicks arrive without Bokeh's document lock; pn.io.hold() lets every view that reacts to
    # the state (and writes to its Bokeh sources) do so safely, in one batch.
    def _on_draw(self, _event=None) -> None:
        with pn.io.hold():
            self.state.dataset = DRAWN

    def _on_train(self, _event=None) -> None:
        with pn.io.hold():
            self.state.start_training()

    def _on_reflow(self, _event=None) -> None:
        with pn.io.hold():
            self.state.start_reflow()

    def _on_distil(self, _event=None) -> None:
        with pn.io.hold():
            self.state.start_distil()

    def _on_stop(self, _event=None) -> None:
        with pn.io.hold():
            self.state.stop_training()

    def _on_training(self, *_events) -> None:
        busy = self.state.training
        self.train.disabled, self.stop.disabled, self.reflow.disabled = busy, not busy, busy
        self.distil.disabled = busy

    def _on_objective(self, *_events) -> None:
        note = objective_note(self.state.objective)
        self._flow_note.object, self._flow_note.visible = note, bool(note)

    def _on_model_kind(self, *_events) -> None:
        """The samplers that cannot run the shown model (the jump sampler, for a velocity model) leave the menu, and
        the menu's help says why (the registry's own reason, SamplerSpec.supports). Left out, not greyed out: Panel
        1.9's disabled_options compare values with Bokeh 3.9's option labels, and grey nothing."""
        blocked, chosen = self.state.unusable_samplers, self.state.sampler  # set before the sampler moves off one
        # never the chosen one (the menu would jump to its first entry): the sampler leaves "jump" first, then it goes
        offered = [n for n in self.state.param.sampler.objects if n not in blocked or n == chosen]
        options = options_of(SAMPLERS, offered)
        if options != self.sampler.options:
            self.sampler.options = options
        why = " ".join(f"{SAMPLERS[n].short} is not offered: " + (JUMP_HELP if n == "jump" else f"{why}.")
                       for n, why in blocked.items())
        self.sampler.description = f"{self._sampler_help} {why}".strip()

    def _on_sampler(self, *_events) -> None:
        show_knobs(self._knob_rows, self.state.sampler)
        if hasattr(self, "_sampler_help"):
            self._on_model_kind()

    def __panel__(self):
        heading = pn.pane.Markdown
        return pn.Column(
            heading("### Data"),
            pn.Row(self.dataset, self.draw, sizing_mode="stretch_width"), self._points_row,
            heading("### Model"),
            self.objective, self.schedule, lazy_visible(self._flow_note, sizing_mode="stretch_width"),
            pn.Row(self.train, self.stop, self.reflow, self.distil, sizing_mode="stretch_width"),
            self.advanced,
            heading("### Sampling"),
            # the parts hidden at first (other samplers' knobs, the guidance of a model without classes) join
            # the page when first shown (lazy.py)
            self.sampler, *(lazy_visible(r, sizing_mode="stretch_width") for r in self._knob_rows.values()),
            self.grid, self._steps_row, self._n_row, self._oracle_row,
            heading("### Guidance"),
            lazy_visible(self._conditional_row, sizing_mode="stretch_width"), self._guidance_hint,
            *(lazy_visible(w, sizing_mode="stretch_width") for w in (self.label, self._guidance_row, self.guide)),
            sizing_mode="stretch_width",
        )
