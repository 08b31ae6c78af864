"""The dashboard. `state` and `training_job` are plain Python (param, threads, no Panel) and unit
tested; the other modules are thin Panel views over one `ExplorerState` per session."""
