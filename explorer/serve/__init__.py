"""Serving the dashboard: the page (app.py, for `panel serve`) and the process's run-time set-up (runtime.py).
"""
