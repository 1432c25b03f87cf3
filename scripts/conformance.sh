#!/usr/bin/env bash
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance,
# pinned with every dependency in scripts/conformance/package-lock.json)
# against agentbox over Streamable HTTP, and fails if any scenario fails.
#
#   - The scenarios that need no fixtures run against agentbox as shipped
#     (serve --http 127.0.0.1:0 --no-auth).
#   - The whole active suite runs against internal/conformance's test server:
#     the same server package plus the fixtures the suite calls by name
#     (test_simple_text, test_tool_with_progress, test://static-text, ...).
#   - The pending scenarios run there too, reported but not judged.
#
# The suite is installed once into a cache directory ($AGENTBOX_CONFORMANCE_CACHE,
# default ~/.cache/agentbox/conformance-VERSION). On Node.js 20 it needs the
# preload in scripts/conformance/node20.mjs (it is built for Node 22).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

# The scenarios agentbox answers without fixtures.
product_scenarios=(server-initialize ping logging-set-level tools-list server-sse-multiple-streams dns-rebinding-protection)

lock=scripts/conformance/package-lock.json
version=$(node -p 'require("./scripts/conformance/package.json").dependencies["@modelcontextprotocol/conformance"]')
cache=${AGENTBOX_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentbox/conformance-$version}
if ! cmp -s "$lock" "$cache/package-lock.json" || [ ! -f "$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js" ]; then
	echo "installing @modelcontextprotocol/conformance@$version into $cache"
	mkdir -p "$cache"
	cp scripts/conformance/package.json "$lock" "$cache/"
	npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error --engine-strict=false
fi
suite=("$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js")
if ! node -e 'process.exit(typeof require("fs").globSync === "function" ? 0 : 1)'; then
	suite=(--import "$PWD/scripts/conformance/node20.mjs" "${suite[@]}")
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/agentbox" ./cmd/agentbox
go build -o "$tmp/conformance-server" ./internal/cmd/conformance-server
mkdir "$tmp/ws"

# start NAME CMD...: starts a server on a free loopback port, its log in
# $tmp/NAME.log, and sets url to its endpoint once it says it serves.
start() {
	local name=$1
	shift
	"$@" 2>"$tmp/$name.log" &
	pids+=($!)
	url=
	for _ in $(seq 100); do
		url=$(grep -o 'url=http://[^ ]*' "$tmp/$name.log" | head -1 | cut -d= -f2) || true
		[ -n "$url" ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "$name did not start:"
	cat "$tmp/$name.log"
	exit 1
}

# conformance ARGS...: runs the suite, with a time limit.
conformance() {
	timeout 300 node "${suite[@]}" server -o "$tmp/results" "$@"
}

failed=()
checks_passed=0 checks_failed=0

# count OUTPUT: adds the suite's counts of passed and failed checks in OUTPUT
# (a run that printed no count counts one failure).
count() {
	local p f
	p=$(grep -oE 'Passed: [0-9]+/[0-9]+, [0-9]+ failed|Total: [0-9]+ passed, [0-9]+ failed' <<<"$1" | tail -1 | grep -oE '[0-9]+' | head -1) || true
	f=$(grep -oE '[0-9]+ failed' <<<"$1" | tail -1 | grep -oE '[0-9]+') || true
	checks_passed=$((checks_passed + ${p:-0}))
	checks_failed=$((checks_failed + ${f:-1}))
}

start agentbox "$tmp/agentbox" serve --workspace "$tmp/ws" --http 127.0.0.1:0 --no-auth --checkpoint-dir "$tmp/journals"
echo "== agentbox as shipped, $url"
for s in "${product_scenarios[@]}"; do
	if out=$(conformance --url "$url" --scenario "$s" 2>&1); then
		count "$out"
		echo "✓ $s: $(grep -o 'Passed: .*' <<<"$out")"
	else
		count "$out"
		echo "✗ $s"
		echo "$out" | sed 's/^/    /'
		failed+=("agentbox:$s")
	fi
done

start fixtures "$tmp/conformance-server" --http 127.0.0.1:0
echo
echo "== fixture server, active suite, $url"
if out=$(conformance --url "$url" 2>&1); then
	count "$out"
	sed -n '/=== SUMMARY ===/,$p' <<<"$out"
else
	count "$out"
	echo "$out" # all of it: the summary alone does not say why
	failed+=("fixtures:active suite")
fi

echo
echo "== fixture server, pending suite (reported, not judged)"
conformance --url "$url" --suite pending | sed -n '/=== SUMMARY ===/,$p' || true

# Both servers must stop cleanly on SIGTERM.
for pid in "${pids[@]}"; do
	kill -TERM "$pid"
	if ! wait "$pid"; then
		failed+=("exit status after SIGTERM (pid $pid)")
	fi
done
pids=()

# The last line is the plain "N passed, N failed" CI reads.
echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
	echo "conformance: $checks_passed passed, $((checks_failed > 0 ? checks_failed : 1)) failed"
	exit 1
fi
echo "conformance: $checks_passed passed, $checks_failed failed"
