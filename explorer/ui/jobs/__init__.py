"""Background work of a session: runner.py (one Job type, one JobRunner per session), polling.py (its one
poller, and session teardown), training_job.py and training_slots.py (training as a job, and the process's
line for training slots), background_job.py (a tab's sweep as a job's state), export_files.py (the files of
the Export card, and the GIF as a job).
"""
