#!/usr/bin/env bash
# Runs UP42's official Python SDK (up42-py 4.3.0), unmodified, against the
# sandbox: every HTTP operation it has, with a table of what works. The
# referee for the sandbox's shapes: the SDK's parsers run against production.
# Not part of `cargo test` (it needs PyPI for the first run).
#
#   bash scripts/official-sdk.sh          # VERBOSE=1 for tracebacks
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$target/official-sdk"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import up42" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "up42-py==4.3.0"
fi

cargo build --quiet -p up42-testkit --example serve
# The sandbox serves until its stdin closes: a FIFO held open by this script.
fifo="$(mktemp -u)"
mkfifo "$fifo"
trap 'exec 3>&-; rm -f "$fifo"' EXIT
"$target/debug/examples/serve" <"$fifo" >"$fifo.out" &
exec 3>"$fifo"
for _ in $(seq 100); do
  [ -s "$fifo.out" ] && break
  sleep 0.1
done
urls="$(head -n 1 "$fifo.out")"
rm -f "$fifo.out"
"$venv/bin/python" scripts/official_sdk.py "$urls"
