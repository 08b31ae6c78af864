"""The animated plot: the figure (main_view.py), its layers, its labels, and what is sent to the browser
once per run (frames.py).
"""
