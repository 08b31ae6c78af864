"""explorer/serve/app.py as served, with a probe for tests/browser/test_browser_first_page.py: when the page of a
session is first drawn (Panel's onload, registered before the app's own), append whether torch is imported in
this server process to the file FIRST_PAINT_PROBE names, one JSON line per session. FIRST_PAINT_MODEL_DELAY
(seconds) holds back the background model load, so the test can act before the model is in."""
import json
import os
import runpy
import sys
import time
from pathlib import Path

import panel as pn

from explorer.ui.session import first_run

APP = Path(__file__).resolve().parents[3] / "explorer" / "serve" / "app.py"
DELAY_S = float(os.environ.get("FIRST_PAINT_MODEL_DELAY", "0"))
PROBE = os.environ.get("FIRST_PAINT_PROBE")


# The server clears this script's namespace once its session ends: what the callbacks use is bound as defaults.
def _record(path=PROBE, modules=sys.modules, dumps=json.dumps) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(dumps({"torch": "torch" in modules, "scipy": "scipy" in modules}) + "\n")


if DELAY_S and not getattr(first_run, "_delayed", False):  # once per process, for every session after
    def _slow_load(name, load=first_run.load_pretrained, delay=DELAY_S, sleep=time.sleep):
        sleep(delay)
        return load(name)

    first_run.load_pretrained, first_run._delayed = _slow_load, True

if PROBE and pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
    pn.state.onload(_record)
runpy.run_path(str(APP), run_name="__main__")
