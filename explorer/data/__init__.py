"""Training data: the built-in shapes (shapes.py), loading, drawing and CSV files (datasets.py), and classes
(labels.py, labelled_points.py).
"""
