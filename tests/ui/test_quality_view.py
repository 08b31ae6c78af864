"""The quality line under the main plot: numbers from state.quality, and what made the samples."""
from explorer.ui.quality_view import QualityView, quality_text
from explorer.ui.state import ExplorerState


def test_text_has_the_ratio_to_the_floor_and_the_mode():
    text = quality_text({"to_fresh": 0.0031, "floor": 0.0022, "to_training": 0.0012}, use_oracle=False)
    assert "to a fresh draw: <b>0.0031</b> (1.4× the floor 0.0022)" in text
    assert "to the training points: <b>0.0012</b>" in text and "generalises" in text
    assert "memorisation" in quality_text({"to_training": 3e-5}, use_oracle=True)
    assert "energy distance to the training points: <b>3e-05</b>" in quality_text({"to_training": 3e-5}, True)


def test_view_follows_the_oracle_toggle():
    s = ExplorerState(n_samples=200, sample_steps=20)
    view = QualityView(state=s)
    assert "generalises" in view._pane.object and "to a fresh draw" in view._pane.object
    s.use_oracle = True
    assert "memorisation" in view._pane.object
    assert s.quality["to_training"] < s.quality["to_fresh"]  # memorised: nearer the training set than a new draw
