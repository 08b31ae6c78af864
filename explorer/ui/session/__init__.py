"""The session's state, with no Panel: the setup, training, guidance, A/B, branches, sweeps, lessons and the
link (url_state.py). Views read these; tests drive them without a browser.
"""
