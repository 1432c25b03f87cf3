#!/usr/bin/env bash
# bench-grep.sh [DIR]: times agentbox's Grep and Glob through the real
# binary over MCP stdio against ripgrep, grep -r, find and fd on the same
# trees, and prints the ratios and the server's memory.
#
# With DIR it benchmarks that tree. Without, it benchmarks the Go
# distribution ($(go env GOROOT), and its src/) and two generated trees:
# about 5,000 files / 60 MB and 50,000 files / 300 MB, kept between runs in
# ${AGENTBOX_BENCH_CACHE:-/tmp/agentbox-bench}.
#
# RUNS sets the timed runs per command (default 5; medians are shown).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

if ! command -v rg >/dev/null || ! command -v fdfind >/dev/null && ! command -v fd >/dev/null; then
	echo "installing ripgrep and fd-find" >&2
	apt-get update -qq >/dev/null && apt-get install -y -qq ripgrep fd-find >/dev/null
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/agentbox" ./cmd/agentbox
go build -o "$bin/agentbox-grepbench" ./internal/cmd/agentbox-grepbench

echo "$(rg --version 2>/dev/null | head -1) (the issue's bar is ripgrep 14; 13 is slower on Unicode-aware regexes such as \\b)"
echo "$(grep --version | head -1); find $(find --version | head -1 | awk '{print $NF}'); fd $( (fd --version 2>/dev/null || fdfind --version) | awk '{print $2}')"
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

runs=${RUNS:-5}
if [ $# -gt 0 ]; then
	"$bin/agentbox-grepbench" run -server "$bin/agentbox" -runs "$runs" "$1"
	exit
fi

cache=${AGENTBOX_BENCH_CACHE:-/tmp/agentbox-bench}
gen() { # name files megabytes
	if [ ! -e "$cache/$1.done" ]; then
		rm -rf "${cache:?}/$1"
		echo "generating $1: $2 files, $3 MB" >&2
		"$bin/agentbox-grepbench" gen -files "$2" -size "$3" "$cache/$1"
		touch "$cache/$1.done"
	fi
}
gen medium 5000 60
gen large 50000 300

goroot=$(go env GOROOT)
for tree in "$goroot" "$goroot/src" "$cache/medium" "$cache/large"; do
	"$bin/agentbox-grepbench" run -server "$bin/agentbox" -runs "$runs" "$tree"
done
