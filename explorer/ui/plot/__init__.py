"""The animated plot: the figure (main_view.py), its layers as specs (layers.py; the built-in ones in
layer_specs.py, registered on import), its labels, and what is sent to the browser once per run (frames.py).
"""
from explorer.ui.plot import layer_specs as _builtin_layers  # noqa: F401 (registers the built-in layers)
