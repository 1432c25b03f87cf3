#!/usr/bin/env bash
# Speed and footprint of agentbox as a client meets it: the real binary,
# spawned over stdio, timed by internal/cmd/agentbox-bench.
#
#   scripts/bench.sh            # prints the table below
#
# Targets (issue 2): spawn → initialized under 10 ms, Read p50 under 1 ms,
# idle RSS under 20 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/agentbox" ./cmd/agentbox
go build -o "$tmp/agentbox-bench" ./internal/cmd/agentbox-bench
# Journals of checkpoints go to $tmp, never the user's state directory.
bench() { "$tmp/agentbox-bench" -bin "$tmp/agentbox" -server-arg=--checkpoint-dir="$tmp/journals" "$@"; }

ws="$tmp/ws"
mkdir -p "$ws"
# A 1,000-line and a 5,000-line source file, lines of typical width.
awk 'BEGIN { for (i = 1; i <= 1000; i++) printf "    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i % 7, i }' >"$ws/read1000.py"
awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i % 7, i }' >"$ws/edit5000.py"

goroot=$(go env GOROOT)
echo "agentbox $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores, $(go version | cut -d' ' -f3)"
echo
bench -workspace "$ws" -n 30 startup
bench -workspace "$ws" -n 300 -label "Read 1,000-line file" call Read '{"file_path":"read1000.py"}'
bench -workspace "$ws" -n 100 -label "Read 2,000 lines of a 5,000-line file" call Read '{"file_path":"edit5000.py","limit":2000}'
bench -workspace "$ws" -n 100 -label "Edit of a 5,000-line file" -server-arg=--diagnostics=off edit edit5000.py "result_2500 = compute_value(input_2500" "result_2500 = compute_other(input_2500"
bench -workspace "$ws" -n 30 -label "  the same, with the Python check" edit edit5000.py "result_2500 = compute_value(input_2500" "result_2500 = compute_other(input_2500"
files=$(find "$goroot" -type f | wc -l)
bench -workspace "$goroot" -n 20 -label "Glob **/*.go on GOROOT ($files files)" call Glob '{"pattern":"**/*.go"}'
bench -workspace "$goroot" -n 20 rss Glob '{"pattern":"**/*.go"}'
