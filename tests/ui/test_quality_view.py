"""The quality line under the main plot: numbers from state.quality, and the library's verdict in words."""
import numpy as np

from explorer.core.metrics import quality
from explorer.data import datasets
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.quality_view import QualityView, quality_text


def test_text_has_the_distances_and_the_librarys_verdict():
    data = datasets.load("smiley", n=1000, seed=0)
    fresh = datasets.load("smiley", n=1000, seed=7)
    q = {**quality(datasets.load("smiley", n=1000, seed=3), data, fresh), "straightness": 0.01}
    text = quality_text(q, use_oracle=False)
    assert f"energy distance to a fresh draw: <b>{q['to_fresh']:.4f}</b>" in text and "× the floor" not in text
    assert "to the training points: <b>" in text and "path straightness" in text
    assert "<b>Network</b>: generalises: indistinguishable from the data (within noise" in text
    noise = quality(np.random.default_rng(0).standard_normal((1000, 2)), data, fresh)
    assert "<b>Exact denoiser (oracle)</b>: not learned: far from the data" in quality_text(noise, True)
    assert quality_text({}, False).endswith("no samples yet.")


def test_straightness_is_left_out_for_a_stochastic_sampler():
    q = {"to_training": 0.01, "straightness": 847.8}
    assert "straightness" in quality_text(q, False, stochastic=False)
    assert "straightness" not in quality_text(q, False, stochastic=True)


def test_view_follows_the_oracle_toggle():
    s = ExplorerState(n_samples=200, sample_steps=20, train_points=100)
    view = QualityView(state=s)
    assert "<b>Network</b>" in view._pane.object and s.quality["verdict"] in view._pane.object
    s.use_oracle = True
    assert "<b>Exact denoiser (oracle)</b>: memorises" in view._pane.object
    assert s.quality["verdict"] == "memorises"


def test_an_empty_drawing_says_there_is_nothing_to_score_against_not_no_samples():
    from explorer.ui.session.choices import DRAWN

    s = ExplorerState(n_samples=200, sample_steps=20, train_points=100)
    view = QualityView(state=s)
    s.dataset = DRAWN  # nothing drawn yet: the last model's samples stay on the plot
    assert s.run is not None
    assert "no samples yet" not in view._pane.object
    assert "no verdict: there are no training points to compare the samples with" in view._pane.object
