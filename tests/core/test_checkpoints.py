"""Save/load: safetensors + JSON, identical samples after a round trip, and bad files refused."""
import json

import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core.errors import ExplorerError
from explorer.training.checkpoints import from_bytes, to_bytes


@pytest.fixture(scope="module")
def model():
    data = dx.datasets.load("three_dots", n=500, seed=0)
    return dx.train(data, dx.TrainConfig(steps=20, fourier_features=8, objective="eps", schedule="cosine"))


def test_round_trip_gives_identical_samples(model, tmp_path):
    folder = dx.save(model, tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    loaded = dx.load(folder)
    assert loaded.config == model.config and loaded.data_box == model.data_box
    for sampler in ("ddpm", "heun"):
        a = dx.sample(model, n=64, sampler=sampler, steps=10, seed=5).points
        b = dx.sample(loaded, n=64, sampler=sampler, steps=10, seed=5).points
        np.testing.assert_array_equal(a, b)


def test_weights_file_is_safetensors_not_pickle(model):
    weights, config = to_bytes(model)
    header_len = int.from_bytes(weights[:8], "little")
    header = json.loads(weights[8 : 8 + header_len])
    assert "layers.0.weight" in header  # a safetensors header, readable as JSON
    assert b"\x80" != weights[:1]  # not a pickle stream
    assert json.loads(config)["config"]["objective"] == "eps"


def test_bad_files_are_refused_clearly(model):
    weights, config = to_bytes(model)
    meta = json.loads(config)
    with pytest.raises(ExplorerError, match="not a safetensors file"):
        from_bytes(b"\x80\x04not a model", config)
    with pytest.raises(ExplorerError, match="not valid JSON"):
        from_bytes(weights, b"{nope")
    with pytest.raises(ExplorerError, match="not a diffusion-explorer model"):
        from_bytes(weights, json.dumps({"config": meta["config"]}))
    with pytest.raises(ExplorerError, match="unknown keys"):
        from_bytes(weights, json.dumps({**meta, "run_me": "import os"}))
    with pytest.raises(ExplorerError, match="unknown configuration keys"):
        from_bytes(weights, json.dumps({**meta, "config": {**meta["config"], "extra": 1}}))
    wider = json.dumps({**meta, "config": {**meta["config"], "width": 64}})
    with pytest.raises(ExplorerError, match="has shape"):
        from_bytes(weights, wider)
    with pytest.raises(ExplorerError, match="limit"):
        from_bytes(b"0" * (21 * 1024 * 1024), config)


def test_nan_weights_are_refused(model):
    from safetensors.torch import save

    _, config = to_bytes(model)
    state = {k: v.clone() for k, v in model.net.state_dict().items()}
    state["layers.0.weight"][0, 0] = float("nan")
    with pytest.raises(ExplorerError, match="NaN"):
        from_bytes(save(state), config)


def test_missing_folder_says_what_is_expected(tmp_path):
    with pytest.raises(ExplorerError, match="model.safetensors"):
        dx.load(tmp_path / "nothing")


def test_pretrained_models_load_and_make_their_shape():
    names = dx.pretrained.available() if hasattr(dx, "pretrained") else []
    from explorer.training.pretrained import available

    names = available()
    assert set(names) == set(dx.datasets.names())
    model = dx.load_pretrained("smiley")
    data = dx.datasets.load("smiley", n=2000, seed=0)
    fresh = dx.datasets.load("smiley", n=2000, seed=1)
    out = dx.sample(model, n=2000, sampler="heun", steps=50, seed=0).samples
    assert dx.metrics.energy_distance(out, fresh) < 2.5 * dx.metrics.energy_distance(data, fresh)
    assert torch.isfinite(torch.as_tensor(out)).all()
