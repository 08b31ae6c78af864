"""Panel views over the session's state: the sidebar, the tabs and the cards. They own no state.
"""
