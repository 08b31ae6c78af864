"""Fill deploy/nginx.conf.template: `python deploy/render_nginx.py --run DIR --listen PORT --upstreams 5101,5102`.

The servers may also be other machines' addresses (`--upstreams 10.0.0.5:5101,10.0.0.6:5101`): a bare port
means this machine. Prints the configuration; the test in tests/server/test_proxy.py uses the same function."""
from __future__ import annotations

import argparse
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def render(run: Path, listen: str, upstreams: list[str]) -> str:
    servers = "\n".join(f"        server {u if ':' in u else '127.0.0.1:' + u};" for u in upstreams)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (Path(run) / sub).mkdir(parents=True, exist_ok=True)
    return (TEMPLATE.read_text().replace("@RUN@", str(run)).replace("@LISTEN@", str(listen))
            .replace("@UPSTREAMS@", servers))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--listen", required=True)
    p.add_argument("--upstreams", required=True)
    a = p.parse_args()
    print(render(a.run, a.listen, [u for u in a.upstreams.split(",") if u]))
