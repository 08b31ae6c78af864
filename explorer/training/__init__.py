"""Training: the network (network.py), the model that wraps it (model.py), its validated config
(config.py), the training loop (training.py), saving and loading (checkpoints.py) and the shipped
pretrained models (pretrained/).

`explorer.training` was once the training loop's own module; its public names stay importable from here.
"""
from explorer.training.training import T_MIN, train  # noqa: F401
