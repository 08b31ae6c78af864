"""The session's state, with no Panel: its parts (part.py: setup, sampling, plot options, training progress),
the session that composes them (state.py), A/B, branches, sweeps, lessons and the link (url_state.py). Views
read these; tests drive them without a browser.
"""
