"""Training: the network (network.py), the model that wraps it (model.py), its validated config
(config.py), the training loop (training.py), saving and loading (checkpoints.py) and the shipped
pretrained models (pretrained/).

`explorer.training` was once the training loop's own module; its public names stay importable from here.
"""


def __getattr__(name):  # imported when asked for (PEP 562): the package itself needs no torch
    if name in ("T_MIN", "train"):
        from explorer.training import training

        return getattr(training, name)
    raise AttributeError(f"module 'explorer.training' has no attribute {name!r}")
