#!/usr/bin/env bash
# What checkpoints cost a client: the real binary over stdio, each call
# timed on two servers taking turns call for call, one with
# --checkpoints=off and one with checkpoints on, on trees that
# internal/corpus generates (5,000 files / 20 MB and 50,000 files / 200 MB,
# kept between runs in ${AGENTBOX_BENCH_CACHE:-/tmp/agentbox-bench}/ckpt-*).
#
#   scripts/bench-checkpoints.sh
#
# Targets (issue 16): Write and Edit add at most 2 ms p50; Bash `true` at
# most 10 ms p50 on 5,000 files and 60 ms on 50,000; the first call on a
# fresh 50,000-file workspace is not held up more than 100 ms; the server
# stays under 60 MB RSS on the 50,000-file tree.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/agentbox" ./cmd/agentbox
go build -o "$tmp/agentbox-bench" ./internal/cmd/agentbox-bench
go build -o "$tmp/agentbox-grepbench" ./internal/cmd/agentbox-grepbench
journals="$tmp/journals" # this run's journals, never the user's state directory

cache=${AGENTBOX_BENCH_CACHE:-/tmp/agentbox-bench}
gen() { # name files megabytes
	if [ ! -e "$cache/$1.done" ]; then
		rm -rf "${cache:?}/$1"
		echo "generating $1: $2 files, $3 MB" >&2
		"$tmp/agentbox-grepbench" gen -files "$2" -size "$3" "$cache/$1"
		touch "$cache/$1.done"
	fi
	rm -f "$cache/$1"/bench-*
	for k in 0 1; do # one for each server
		awk 'BEGIN { for (i = 1; i <= 5000; i++) printf "    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i % 7, i }' >"$cache/$1/bench-edit.py.$k"
	done
}
gen ckpt-5k 5000 20
gen ckpt-50k 50000 200
small="$cache/ckpt-5k" large="$cache/ckpt-50k"

echo "agentbox $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores, $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# vs ARGS...: checkpoints off against on, call for call.
vs() {
	"$tmp/agentbox-bench" -bin "$tmp/agentbox" -names off,on -server-arg=--diagnostics=off -server-arg=--checkpoints=off \
		-vs=--checkpoints=on -vs=--checkpoint-dir="$journals" "$@"
}
vs -label "Write 10 KB, 5k files" -workspace "$small" -n 200 -primed write bench-w.txt 10240
vs -label "Edit, 5k files" -workspace "$small" -n 200 -primed edit bench-edit.py "result_2500 = compute_value(input_2500" "result_2500 = compute_other(input_2500"
vs -label "Bash true, 5k files" -workspace "$small" -n 100 -primed call Bash '{"command":"true"}'
vs -label "Write 10 KB, 50k files" -workspace "$large" -n 200 -primed write bench-w.txt 10240
vs -label "Bash true, 50k files" -workspace "$large" -n 100 -primed call Bash '{"command":"true"}'
vs -label "first Bash, fresh 50k" -workspace "$large" -n 10 -fresh-journal first Bash '{"command":"true"}'
vs -label "first Write, fresh 50k" -workspace "$large" -n 10 -fresh-journal first Write '{"file_path":"bench-first-{n}.txt","content":"x\n"}'
rm -f "$large"/bench-*
echo
echo "Server memory on the 50k tree with checkpoints on (idle: once the first snapshot is done; peak: the snapshot's included):"
rm -rf "$journals"
"$tmp/agentbox-bench" -bin "$tmp/agentbox" -workspace "$large" -n 100 -primed -server-arg=--diagnostics=off -server-arg=--checkpoint-dir="$journals" rss Bash '{"command":"true"}'
echo "then a server started again on it (the index saved, only the changes read):"
"$tmp/agentbox-bench" -bin "$tmp/agentbox" -workspace "$large" -n 100 -primed -server-arg=--diagnostics=off -server-arg=--checkpoint-dir="$journals" rss Bash '{"command":"true"}'
