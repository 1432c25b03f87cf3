#!/usr/bin/env bash
# Speed and footprint of agentbox as a client meets it: the real binary,
# spawned over stdio, timed by internal/cmd/agentbox-bench.
#
#   scripts/bench.sh            # prints the table below
#
# Targets (issue 2): spawn → initialized under 10 ms, Read p50 under 1 ms,
# idle RSS under 20 MB. Issue 15: an Edit of a 5,000-line Python file with
# checks on within 1.5× of one with checks off; a 300-line file's whole
# check (pyflakes included) inside the Edit's result, p50 under 40 ms; under
# load no check skipped silently; a type error put in a 50-file Go package
# told in the Edit's result or with the next call.
#
#   BENCH_LOAD=0 scripts/bench.sh   # without the load test (about a minute)
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
# Python checks run in Debian's python3, which has pyflakes. Checks off and
# on take turns, edit for edit, on copies of one real 5,000-line module.
bench -workspace "$ws" pyfile 5000 0-app5000.py
cp "$ws/0-app5000.py" "$ws/1-app5000.py"
PATH="/usr/bin:$PATH" bench -workspace "$ws" -n 100 -label "Edit of a 5,000-line Python file" -server-arg=--diagnostics=off -vs=--diagnostics=on -names "checks off,checks on" pyedit app5000.py 'user250@example.com' 'user250@example.org'
bench -workspace "$ws" pyfile 300 app300.py
echo 'print(missing_a)' >>"$ws/app300.py"
PATH="/usr/bin:$PATH" bench -workspace "$ws" -n 100 -label "Edit of a 300-line Python file" editcheck app300.py 'print(missing_a)' 'print(missing_b)'
# A type error put in one file of a 50-file Go package, and where the
# model gets it: in the Edit's result, or with its next call.
bench -workspace "$ws" gopkg gopkg
bench -workspace "$ws" -n 40 -label "Go edit in a 50-file package, a type error" goedit gopkg/f07.go
files=$(find "$goroot" -type f | wc -l)
bench -workspace "$goroot" -n 20 -label "Glob **/*.go on GOROOT ($files files)" call Glob '{"pattern":"**/*.go"}'
bench -workspace "$goroot" -n 20 rss Glob '{"pattern":"**/*.go"}'

# Side by side, call for call in one run (issue 15): agentbox, agentbox with
# checks off, and Claude Code's own `claude mcp serve` on the same files,
# when Claude Code is here (AGENTBOX_CLAUDE_CODE, or the copy
# scripts/claude-code.sh keeps; BENCH_CLAUDE=0 skips it).
claude=${AGENTBOX_CLAUDE_CODE:-}
if [ -z "$claude" ] && [ "${BENCH_CLAUDE:-1}" != 0 ]; then
	claude=$(bash scripts/claude-code.sh 2>/dev/null) || claude=
fi
if [ -n "$claude" ] && [ "${BENCH_CLAUDE:-1}" != 0 ]; then
	go build -o "$tmp/mcpgo-floor" ./internal/cmd/mcpgo-floor
	echo
	echo "== against Claude Code $("$claude" --version 2>/dev/null | cut -d' ' -f1), alternating call for call"
	vs=(-claude "$claude" -checks-off)
	bench -workspace "$ws" pyfile 5000 app5000.py
	bench -workspace "$ws" -n 50 -floor "$tmp/mcpgo-floor" -claude "$claude" compare startup
	bench -workspace "$ws" -n 100 "${vs[@]}" compare call Read '{"file_path":"$WS/read1000.py"}'
	PATH="/usr/bin:$PATH" bench -workspace "$ws" -n 100 "${vs[@]}" compare edit app5000.py 'user250@example.com' 'user250@example.org'
	bench -workspace "$goroot" -n 20 "${vs[@]}" compare call Glob '{"pattern":"**/*.go"}'
fi

# The load test last: its thousand durable writes and hundred checkers
# leave the machine busy for a while, which the runs above would pay.
if [ "${BENCH_LOAD:-1}" != 0 ]; then
	echo
	load=$(mktemp -d "$tmp/load.XXXXXX")
	PATH="/usr/bin:$PATH" bench -workspace "$load" -sessions 50 -edits 10 load
	rm -rf "$load" && mkdir -p "$load"
	PATH="/usr/bin:$PATH" bench -workspace "$load" -sessions 50 -edits 10 -same load
fi
