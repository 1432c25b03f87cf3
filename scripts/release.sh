#!/usr/bin/env bash
# Release packaging, all of it reproducible offline from this tree:
#   - archives of agentbox (and, on Linux, its sandbox launcher) for linux
#     amd64/arm64/386, darwin amd64/arm64 and windows amd64, with checksums,
#     built static (CGO_ENABLED=0) by goreleaser (.goreleaser.yaml);
#   - Claude Desktop bundles (.mcpb), checked and packed by the mcpb CLI;
#   - server.json for the MCP Registry, with the bundles' hashes.
#
#   scripts/release.sh --snapshot   # CI: build everything, publish nothing
#   scripts/release.sh              # on a tag: the same for that version
#
# Everything lands in dist/. Publishing is by hand: upload dist/*.tar.gz,
# dist/*.zip, dist/*.mcpb and dist/checksums.txt to the GitHub release, then
# `mcp-publisher publish dist/server.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

# Pinned tools: goreleaser from the Go module proxy (go run keeps its
# dependencies out of agentbox's go.mod), mcpb from npm.
GORELEASER=github.com/goreleaser/goreleaser/v2@v2.17.0
MCPB=@anthropic-ai/mcpb@2.1.2

snapshot=()
if [ "${1:-}" = --snapshot ]; then
	snapshot=(--snapshot)
fi

step() { printf '\n== %s\n' "$*"; }

step "goreleaser ${GORELEASER#*@}: archives and checksums"
if ! GOOS=windows GOARCH=amd64 go build -o /dev/null ./cmd/agentbox 2>/dev/null; then
	if [ ${#snapshot[@]} -eq 0 ]; then
		echo "agentbox does not build for Windows yet; no release without it" >&2
		exit 1
	fi
	echo "NOTE: agentbox does not build for Windows yet: this snapshot leaves windows/amd64 out"
	export AGENTBOX_SKIP_WINDOWS=1
fi
go run "$GORELEASER" release --clean --skip=publish "${snapshot[@]}"

version=$(jq -r .version dist/metadata.json)
step "Claude Desktop bundles (mcpb ${MCPB##*@}) for $version"
mcpb() { npx --yes "$MCPB" "$@"; }
# bundle NAME PLATFORMS FILE...: a bundle of the manifest and FILEs (in
# server/) for PLATFORMS (a JSON array of darwin, win32, linux).
bundle() {
	local name=$1 platforms=$2
	shift 2
	local dir
	dir=$(mktemp -d)
	mkdir "$dir/server"
	cp "$@" "$dir/server/"
	local entry=server/agentbox
	[ "$platforms" = '["win32"]' ] && entry=server/agentbox.exe
	jq --arg v "$version" --arg entry "$entry" --argjson p "$platforms" \
		'.version = $v | .compatibility.platforms = $p | .server.entry_point = $entry' \
		packaging/mcpb/manifest.json >"$dir/manifest.json"
	mcpb validate "$dir/manifest.json"
	mcpb pack "$dir" "dist/$name.mcpb"
	rm -rf "$dir"
}
bin() { # bin ID OS ARCH: the path of a built binary
	jq -r --arg id "$1" --arg os "$2" --arg arch "$3" \
		'.[] | select(.type == "Binary" or .type == "Universal Binary") | select(.extra.ID == $id and .goos == $os and .goarch == $arch) | .path' dist/artifacts.json
}
# macOS: one universal binary; Windows: amd64. Linux: one bundle per
# architecture, with the sandbox's launcher beside the server.
bundle "agentbox_darwin" '["darwin"]' "$(bin agentbox-darwin darwin all)"
if [ -z "${AGENTBOX_SKIP_WINDOWS:-}" ]; then
	bundle "agentbox_windows_amd64" '["win32"]' "$(bin agentbox-windows windows amd64)"
fi
for arch in amd64 arm64; do
	bundle "agentbox_linux_$arch" '["linux"]' "$(bin agentbox linux $arch)" "$(bin agentbox-sandbox linux $arch)"
done

# checksums.txt covers the archives; the bundles join them.
(cd dist && sha256sum -- *.mcpb >>checksums.txt)

step "server.json for the MCP Registry"
go run ./internal/release/serverjson -version "$version" -dist dist <server.json >dist/server.json
AGENTBOX_DIST="$PWD/dist" go test -count=1 -run 'TestServerJSON' ./internal/release

step "dist/"
(cd dist && ls -l -- *.tar.gz *.mcpb checksums.txt server.json $(ls -- *.zip 2>/dev/null))
