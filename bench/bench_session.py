"""What one new browser session costs the server, printed (not asserted): `python bench/bench_session.py`.

1. In-process: builds the app as `panel serve` does for each visitor (explorer/serve/app.py: create_app, then serve
   into a document with Panel's current document set), turns it into a Bokeh document and serialises it: the
   server-side work of opening one page, without a browser or a socket. Also counts the document's models.
   It reports the first paint (what a session sends before its page is drawn) and what follows once the
   browser says the page is drawn (Panel's onload: the sidebar). The first session of a process pays for
   imports and the pretrained model's first run (shared by the later ones), so the figures are the median of
   the following ones.
2. Served (`--served`, or alone with `--served-only`): `panel serve explorer/serve/app.py --warm`, then SESSIONS
   headless sessions one after another (tests/support/session_client.py: the page, the websocket, the
   document, "document ready"), each given 1 s for its onload work (the sidebar); the server's CPU seconds
   (in all, and up to the first document) and resident memory per session, from /proc. This adds what (1)
   leaves out: the HTML page, the websocket, Panel's session bookkeeping and onload callbacks.

Targets (issue #16): <= 0.3 s of server time per new session, <= 30 MB per session.
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import panel as pn
from bokeh.core.serialization import Serializer
from bokeh.document import Document
from panel.io.state import set_curdoc

from explorer.ui import compat

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 6
SESSIONS = 8


def one_session(create_app, serve=None, build=nullcontext) -> tuple[float, float, float, int, float, int]:
    """(build, Bokeh models, serialise, models) of the first document a session sends, then (seconds, models) of
    what the page gets once drawn (Panel's onload: app.py's sidebar; lazy.after_first_paint). `build`: the
    context app.py builds a page in (ui/compat.py quick_build; none in earlier versions)."""
    doc = Document()
    compat.hold_onload(doc)  # a served session before its page is drawn: Panel holds onload callbacks
    with set_curdoc(doc), build():  # as in a server: Panel shares per-document things (a stylesheet model per URL)
        t0 = time.perf_counter()
        page = create_app()
        t1 = time.perf_counter()
        if serve is not None:  # as explorer/serve/app.py puts the page into a session's document
            serve(page, doc)
        else:
            page.server_doc(doc)
        t2 = time.perf_counter()
    doc.to_json()
    t3 = time.perf_counter()
    first = {m.id for m in doc.models}
    with set_curdoc(doc), build():  # (served, lazy.after_first_paint builds the sidebar in quick_build too)
        compat.fire_onload(doc)  # what "document ready" from the browser sets off
    added = [m for m in doc.models if m.id not in first]
    Serializer(references={m for m in doc.models if m.id in first}).encode(added)  # the patch that sends them
    t4 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(first), t4 - t3, len(added)


def in_process() -> None:
    pn.extension(notifications=True)
    import explorer.serve.app as app  # (builds one page at import: the process's first session)

    args = app.create_app, getattr(app, "serve", None), getattr(app, "quick_build", nullcontext)
    rows = [one_session(*args) for _ in range(ROUNDS)]
    build, doc, js, _, later, _ = (statistics.median(r[i] for r in rows) for i in range(6))
    print(f"one session, first paint: build {build:.2f} s + Bokeh models {doc:.2f} s + serialise {js:.2f} s = "
          f"{build + doc + js:.2f} s server time; {rows[-1][3]} models in the document")
    print(f"  then, once the page is drawn: {later:.2f} s for {rows[-1][5]} more models; "
          f"{build + doc + js + later:.2f} s in all")


def served(sessions: int = SESSIONS) -> None:
    sys.path.insert(0, str(REPO / "tests" / "support"))
    import server_probe
    from browser_support import serve_process
    from session_client import SessionClient

    async def open_one(url, pid=None):
        """The session, and the server's CPU seconds until its first document (the plot) had been sent."""
        cpu0 = server_probe.cpu_seconds(pid) if pid else 0.0
        client = await SessionClient.open(url, ready=False)
        first = server_probe.cpu_seconds(pid) - cpu0 if pid else 0.0
        client.ready()
        await asyncio.sleep(1.0)  # its onload callbacks (the sidebar) and first updates
        return client, first

    with tempfile.TemporaryDirectory() as tmp, serve_process(REPO / "explorer" / "serve" / "app.py", Path(tmp),
                                                             extra_args=["--warm"]) as (proc, url, _log):
        loop = asyncio.new_event_loop()
        clients = [loop.run_until_complete(open_one(url))[0]]  # the first visitor (the pretrained run is shared)
        time.sleep(11.0)  # the warm-up's imports (runtime.warm_up_soon, 10 s after start) out of the figures
        rss0, cpus, firsts, walls = server_probe.rss_mb(proc.pid), [], [], []
        for _ in range(sessions):
            cpu0, t0 = server_probe.cpu_seconds(proc.pid), time.perf_counter()
            client, first = loop.run_until_complete(open_one(url, proc.pid))
            clients.append(client)
            cpus.append(server_probe.cpu_seconds(proc.pid) - cpu0)
            firsts.append(first)
            walls.append(time.perf_counter() - t0 - 1.0)
        per_mb = (server_probe.rss_mb(proc.pid) - rss0) / sessions
        for c in clients:
            loop.run_until_complete(c.close())
        loop.close()
    print(f"served: server CPU per new session median {statistics.median(cpus):.2f} s (min {min(cpus):.2f}), of "
          f"which the first paint (page + first document) {statistics.median(firsts):.2f} s; resident memory "
          f"+{per_mb:.1f} MB per session")


if __name__ == "__main__":
    if "--served-only" not in sys.argv:
        in_process()
    if "--served" in sys.argv or "--served-only" in sys.argv:
        served()
    print("targets: <= 0.3 s server time and <= 30 MB per new session")
