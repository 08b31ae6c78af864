"""The maths, with no UI: noise paths (schedules), what the network predicts (objectives), time grids,
samplers and solvers, guidance, exact denoisers, couplings, densities, streamlines and quality metrics.
Each concept is a registry of specs (registry.py): one entry is one choice everywhere.
"""
