"""Background work of a session: threads, their pollers, training slots and export jobs.
"""
