"""The quality line under the main plot: numbers from state.quality, and what made the samples."""
import pytest

from explorer.ui.session.state import ExplorerState
from explorer.ui.views.quality_view import QualityView, quality_text, verdict


def test_text_has_the_ratio_to_the_floor_and_the_verdict():
    text = quality_text({"to_fresh": 0.0031, "floor": 0.0022, "to_training": 0.0029}, use_oracle=False)
    assert "to a fresh draw: <b>0.0031</b> (1.4× the floor 0.0022)" in text
    assert "to the training points: <b>0.0029</b>" in text and "<b>Network</b>: generalises" in text
    text = quality_text({"to_training": 3e-5}, True)
    assert "energy distance to the training points: <b>3e-05</b>" in text and "<b>Exact denoiser (oracle)</b>" in text


@pytest.mark.parametrize("quality,expected", [
    ({"to_fresh": 0.0030, "floor": 0.0020, "to_training": 0.0028}, "generalises"),  # 1.5x the floor
    ({"to_fresh": 0.0041, "floor": 0.0020, "to_training": 0.0040}, "has not learned the shape yet: 2.1×"),
    ({"to_fresh": 0.0030, "floor": 0.0020, "to_training": 0.0014}, "memorises: its samples are 2×"),
    ({"to_fresh": 0.0030, "floor": 0.0020, "to_training": 0.0016}, "generalises"),  # 0.53 of the fresh distance
    ({"to_fresh": 0.142, "floor": 0.002, "to_training": 0.020}, "memorises: its samples are 7×"),
    ({"to_fresh": 0.142, "floor": 0.002, "to_training": 0.140}, "has not learned the shape yet: 71.0×"),
    ({"to_training": 0.01}, "no fresh draw"),
])
def test_the_verdict_follows_the_numbers(quality, expected):
    """Memorised when the samples are under half as far from the training points as from a fresh draw;
    learned when within 2 floors of a fresh draw; else not learned (the case a stale line once called
    'generalises' at 71x the floor)."""
    assert verdict(quality).startswith(expected)


def test_view_follows_the_oracle_toggle():
    s = ExplorerState(n_samples=200, sample_steps=20, train_points=100)
    view = QualityView(state=s)
    assert verdict(s.quality) in view._pane.object and "<b>Network</b>" in view._pane.object
    s.use_oracle = True
    assert "<b>Exact denoiser (oracle)</b>: memorises" in view._pane.object
    assert s.quality["to_training"] < 0.5 * s.quality["to_fresh"]  # memorised: nearer the training set
