#!/usr/bin/env bash
# Installs the Claude Code that the real-client tests drive
# (internal/clienttest/claudecode) and prints the path of its `claude`.
#
# The version is pinned, with every package's integrity, in
# scripts/claude-code/package-lock.json; the tests check that `claude
# --version` is the version they were written against. It is installed once
# into a cache directory ($AGENTBOX_CLAUDE_CODE_CACHE, default
# ~/.cache/agentbox/claude-code-VERSION) and reused while the lock file is
# unchanged.
#
#   export AGENTBOX_CLAUDE_CODE=$(scripts/claude-code.sh)
#   go test ./internal/clienttest/claudecode
#
# Claude Code 2.x is a native program shipped inside a platform package
# (@anthropic-ai/claude-code-linux-x64, ...); Node.js only runs npm and the
# package's install script, which links that program into place. npm warns
# that the package wants Node.js 22; on Node.js 20 the install and the
# program work all the same.
#
# To move to a newer Claude Code: change the version in
# scripts/claude-code/package.json, run `npm install --package-lock-only` in
# that directory, change claudeCodeVersion in the tests, run them, and write
# down what the model now sees differently.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=scripts/claude-code/package-lock.json
version=$(node -p 'require("./scripts/claude-code/package.json").dependencies["@anthropic-ai/claude-code"]')
cache=${AGENTBOX_CLAUDE_CODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentbox/claude-code-$version}
pkg=$cache/node_modules/@anthropic-ai/claude-code
claude=$pkg/bin/claude.exe

works() { "$claude" --version 2>/dev/null | grep -q "^$version "; }

if ! cmp -s "$lock" "$cache/package-lock.json" || ! works; then
	echo "installing @anthropic-ai/claude-code@$version into $cache" >&2
	rm -rf "$cache"
	mkdir -p "$cache"
	cp scripts/claude-code/package.json "$lock" "$cache/"
	npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error --engine-strict=false >&2
	# npm may leave install scripts unrun (allowScripts): then bin/claude.exe
	# is still the package's placeholder, and its install script puts the
	# platform's program in its place.
	works || (cd "$pkg" && node install.cjs >&2)
	works || {
		echo "claude-code.sh: $claude does not run as Claude Code $version" >&2
		"$claude" --version >&2 || true
		exit 1
	}
fi
echo "$claude"
