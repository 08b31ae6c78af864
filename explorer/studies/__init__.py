"""Experiments built on the core: straight paths and reflow, paths not taken (branching), the
steps-vs-quality sweep and the guidance sweep.
"""
