"""Save and load models: a folder with `model.safetensors` (weights) and `config.json`.

Never pickle: safetensors holds only tensors, and the JSON is read as data and validated,
so a model file from a student or the internet cannot run code.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.training.config import TrainConfig

if TYPE_CHECKING:
    from explorer.training.model import DiffusionModel

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py): the first page needs none

FORMAT = "diffusion-explorer/1"
WEIGHTS, CONFIG = "model.safetensors", "config.json"
SNAPSHOT = "snapshot."
MAX_BYTES = 20 * 1024 * 1024  # a 3x128 model is ~150 kB; 20 MB allows width 1024, depth 8


def to_bytes(model: DiffusionModel) -> tuple[bytes, bytes]:
    """(weights, config) as bytes: what `save` writes and a download button serves."""
    from safetensors.torch import save as save_tensors_bytes

    from explorer.training.model import DiffusionModel

    if not isinstance(model, DiffusionModel):
        raise ExplorerError(f"only trained models can be saved, got {type(model).__name__}")
    tensors = {k: v.detach().contiguous().float() for k, v in model.net.state_dict().items()}
    for step, state in model.snapshots.items():  # earlier weights, for autoguidance: "snapshot.<step>.<name>"
        tensors.update({f"{SNAPSHOT}{step}.{k}": v.detach().contiguous().float() for k, v in state.items()})
    meta = {"format": FORMAT, "config": model.config.to_dict(), "data_box": model.data_box}
    if model.classes:
        meta["class_names"] = list(model.class_names)
    return save_tensors_bytes(tensors), json.dumps(meta, indent=2).encode()


def from_bytes(weights: bytes, config: bytes | str) -> DiffusionModel:
    """Rebuild a model from the two files' contents, validating both."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_tensors_bytes

    from explorer.training.model import DiffusionModel

    for name, blob in ((WEIGHTS, weights), (CONFIG, config)):
        if len(blob) > MAX_BYTES:
            raise ExplorerError(f"{name} is {len(blob) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB")
    try:
        meta = json.loads(config)
    except (ValueError, UnicodeDecodeError) as err:
        raise ExplorerError(f"{CONFIG} is not valid JSON: {err}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ExplorerError(f"{CONFIG} is not a diffusion-explorer model (expected \"format\": \"{FORMAT}\")")
    unknown = sorted(set(meta) - {"format", "config", "data_box", "class_names"})
    if unknown:
        raise ExplorerError(f"{CONFIG} has unknown keys {unknown}")
    cfg = TrainConfig.from_dict(meta.get("config"))
    box = meta.get("data_box")
    if box is not None:
        if not (isinstance(box, list) and len(box) == 4 and all(isinstance(b, (int, float)) for b in box)):
            raise ExplorerError(f"{CONFIG}: data_box must be 4 numbers [xmin, xmax, ymin, ymax]")
        box = tuple(float(b) for b in box)
    try:
        tensors = load_tensors_bytes(bytes(weights))
    except (SafetensorError, ValueError, RuntimeError, OSError) as err:
        raise ExplorerError(f"{WEIGHTS} is not a safetensors file ({err})") from None
    model = DiffusionModel(cfg, data_box=box)
    names = meta.get("class_names")
    if names is not None:
        if not (isinstance(names, list) and len(names) == cfg.classes and all(isinstance(n, str) for n in names)):
            raise ExplorerError(f"{CONFIG}: class_names must be {cfg.classes} strings")
        model.class_names = [n[:40] for n in names]
    snapshots: dict[int, dict] = {}
    for key in [k for k in tensors if k.startswith(SNAPSHOT)]:
        step, _, name = key[len(SNAPSHOT):].partition(".")
        if not step.isdigit():
            raise ExplorerError(f"{WEIGHTS}: unexpected tensor {key!r}")
        snapshots.setdefault(int(step), {})[name] = tensors.pop(key)
    expected = model.net.state_dict()
    if set(tensors) != set(expected):
        raise ExplorerError(
            f"{WEIGHTS} does not match the configuration ({cfg.depth}x{cfg.width}): "
            f"missing {sorted(set(expected) - set(tensors))[:3]}, unexpected {sorted(set(tensors) - set(expected))[:3]}"
        )
    for key, value in tensors.items():
        if value.shape != expected[key].shape:
            raise ExplorerError(
                f"{WEIGHTS}: tensor {key!r} has shape {tuple(value.shape)}, the configuration needs "
                f"{tuple(expected[key].shape)}"
            )
        if not torch.isfinite(value).all():
            raise ExplorerError(f"{WEIGHTS}: tensor {key!r} contains NaN or inf")
    model.net.load_state_dict(tensors)
    for step, state in sorted(snapshots.items()):
        if set(state) != set(expected) or any(v.shape != expected[k].shape or not torch.isfinite(v).all()
                                              for k, v in state.items()):
            raise ExplorerError(f"{WEIGHTS}: the snapshot at step {step} does not match the configuration")
        model.snapshots[step] = state
    model.log.message = "loaded"
    return model


def save(model: DiffusionModel, path) -> Path:
    """Write `path/model.safetensors` and `path/config.json` (the folder is created)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    weights, config = to_bytes(model)
    (folder / WEIGHTS).write_bytes(weights)
    (folder / CONFIG).write_bytes(config)
    return folder


def load(path) -> DiffusionModel:
    """Read a folder written by `save`."""
    folder = Path(path)
    if not folder.is_dir():
        raise ExplorerError(f"no model folder at {str(folder)!r} (expected {WEIGHTS} and {CONFIG} inside)")
    files = {}
    for name in (WEIGHTS, CONFIG):
        f = folder / name
        if not f.is_file():
            raise ExplorerError(f"{str(folder)!r} has no {name}")
        if f.stat().st_size > MAX_BYTES:
            raise ExplorerError(f"{name} is larger than {MAX_BYTES / 1e6:.0f} MB")
        files[name] = f.read_bytes()
    return from_bytes(files[WEIGHTS], files[CONFIG])
