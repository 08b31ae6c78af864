"""The dashboard: one `ExplorerState` per browser session and thin Panel views over it.

Plain Python, no Panel (unit tested without a browser):
  state.py (ExplorerState: the session's setup, model, run and quality figures), compare_state.py (the
  A/B arms), branch_state.py (paths not taken), runner.py (every long task of a session as a Job of its JobRunner),
  training_job.py (a training run as such a job),
  training_slots.py (how many runs train at once per process), frames.py (what goes to the browser once
  per run), export_files.py (model zips, thinned trajectories, the GIF job), main_view_js.py (the
  browser-side drawing code, as JS strings).
Panel views (each a `base.StateView`, styled by style.py):
  explorer.py (one session's whole dashboard; its tabs are specs: tabs.py), controls.py (sidebar), draw_view.py,
  main_view.py (the animated plot; its layers are specs, made when first shown: layers.py, layer_specs.py,
  canvas.py, streamline_layer.py, trace_layer.py, guidance_arrows.py), quality_view.py, training_view.py,
  branch_view.py, density_view.py, compare_view.py, schedule_view.py, export_view.py.
Session plumbing: jobs/runner.py (one Job type and one JobRunner per session), polling.py (the runner's one
periodic callback, run only while a job does; session teardown),
lazy.py (parts made when first shown, and the sidebar sent after the first paint), compat.py (every use of
Panel's and Bokeh's internals, gated on the tested versions: Bokeh's immutable defaults computed once, its
checks off while a page is built, the page scripts that name checkboxes and buttons) and url_state.py (the
setup in the address bar). The page itself is explorer/serve/app.py.
See docs/performance.md#panel-and-bokeh for the recipes these follow.
"""
