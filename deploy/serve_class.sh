#!/usr/bin/env bash
# Serve the explorer to a class: N `panel serve` processes behind nginx, sticky by browser.
#   bash deploy/serve_class.sh [N=2] [PUBLIC=teacher-laptop.local:8080]
# Browsers open http://PUBLIC/app. Each process gets one training slot per core it has (EXPLORER_TRAINING_SLOTS).
# Several machines: run the panel processes on each and list them all in the upstream block (README).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash .ci/setup --proxy
n="${1:-2}"
public="${2:-127.0.0.1:8080}"
listen="${public##*:}"
run="$(mktemp -d /tmp/explorer-class.XXXXXX)"
python=.venv/bin/python
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for i in $(seq 1 "$n"); do
    port=$((5100 + i))
    EXPLORER_TRAINING_SLOTS=1 "$python" -m panel serve explorer/serve/app.py --warm --address 127.0.0.1 --port "$port" \
        --allow-websocket-origin "$public" --websocket-max-message-size 104857600 >"$run/panel-$port.log" 2>&1 &
    pids+=($!)
done
"$python" deploy/render_nginx.py --run "$run" --listen "$listen" --upstreams "$(seq -s, 5101 $((5100 + n)))" \
    > "$run/nginx.conf"
echo "serve_class: $n processes behind nginx; open http://$public/app (logs in $run)"
/usr/sbin/nginx -c "$run/nginx.conf"
