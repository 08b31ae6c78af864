"""Reading a run's HTML page (explorer/tools/html_page.py) from Python, for the tests of the page and the CLI."""
from __future__ import annotations

import json
import re

from explorer.tools.runfile import FORMAT, RunFile


def embedded_run_file(text: str) -> RunFile:
    """The run file a page carries: Bokeh's document JSON holds it as the text of one CustomJS argument."""
    docs = re.findall(r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>', text, re.S)
    assert len(docs) == 1
    found = []

    def walk(node):
        if isinstance(node, str) and node.startswith('{"format":"%s"' % FORMAT):
            found.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(docs[0]))
    assert len(found) == 1  # once: the other callbacks share it in the page
    return RunFile.from_json(found[0])
