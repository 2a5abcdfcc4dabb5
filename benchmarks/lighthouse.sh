#!/usr/bin/env bash
# Lighthouse scores of the home page and a note page, with Debian's Chromium (no browser download).
#   bash benchmarks/lighthouse.sh            (needs: apt-get install chromium; node and npm)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
port=8123
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
npm install --prefix "$work/lh" --no-audit --no-fund --loglevel=error lighthouse@12 >/dev/null
llmnotes build -q --out "$work/site/reading" --base-url "http://127.0.0.1:$port/reading/"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/site" >/dev/null 2>&1 &
server=$!
sleep 1
for page in "" "notes/transformer-explained/"; do
    CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}" "$work/lh/node_modules/.bin/lighthouse" \
        "http://127.0.0.1:$port/reading/$page" --quiet --output=json --output-path="$work/report.json" \
        --only-categories=performance,accessibility,best-practices,seo \
        --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
    python3 - "$work/report.json" "${page:-home}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = ", ".join(f"{k} {round(v['score'] * 100)}" for k, v in report["categories"].items())
print(f"{sys.argv[2]}: {scores}")
PY
done
