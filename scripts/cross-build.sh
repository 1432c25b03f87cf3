#!/usr/bin/env bash
# Cross-builds agentbox for the systems its users run: for each target,
# go build, go vet and go test -c of every package, then a table of what
# passed. A step that passes for the whole module passes for each package;
# one that fails is run again package by package to say which.
#
# Usage: scripts/cross-build.sh [GOOS/GOARCH ...]   (bash 4 or later)
#
# Exits 1 if a package fails that is not in the allowed list below.
set -uo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(linux/amd64 linux/arm64 linux/386 darwin/amd64 darwin/arm64 windows/amd64)
fi

# Failures allowed for a while (none today). Each entry is
# "GOOS/GOARCH PACKAGE-GLOB" (the package path without the module's).
# Allowed failures are printed, not fatal; when an allowed package passes,
# the table says so: remove its entry then.
allowed=()

module=$(go list -m)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# run STEP PACKAGES... runs one step of the current target's build.
run() {
	local step=$1
	shift
	case $step in
	build) go build -o /dev/null "$@" ;;
	vet) go vet "$@" ;;
	test) go test -c -o /dev/null "$@" ;;
	esac
}

is_allowed() { # TARGET PACKAGE
	local entry glob_target glob_pkg
	for entry in "${allowed[@]}"; do
		read -r glob_target glob_pkg <<<"$entry"
		# shellcheck disable=SC2053 # the entries are globs
		if [[ $1 == $glob_target && $2 == $glob_pkg ]]; then
			return 0
		fi
	done
	return 1
}

declare -A cell  # "target pkg" -> failed steps
declare -A known # every package of any target
unexpected=0

for target in "${targets[@]}"; do
	export GOOS=${target%/*} GOARCH=${target#*/}
	printf '== %s\n' "$target" >&2
	pkgs=$(go list ./... 2>/dev/null | sed "s|^$module/\{0,1\}||; s|^$|.|")
	for p in $pkgs; do
		known[$p]=1
		cell["$target $p"]=""
	done
	for step in build vet test; do
		if run "$step" ./... >"$logs/all" 2>&1; then
			continue
		fi
		attributed=0
		for p in $pkgs; do
			if [[ ${cell["$target $p"]} == build* ]]; then
				# A package that does not build cannot be vetted or tested.
				attributed=1
				cell["$target $p"]+="$step "
			elif ! run "$step" "./$p" >"$logs/one" 2>&1; then
				attributed=1
				cell["$target $p"]+="$step "
				if ! is_allowed "$target" "$p"; then
					unexpected=1
					{
						printf -- '--- %s %s: go %s\n' "$target" "$p" "$step"
						head -n 20 "$logs/one"
					} >>"$logs/failures"
				fi
			fi
		done
		if [ "$attributed" = 0 ]; then
			# It failed for the module but for no package alone: say so.
			unexpected=1
			{
				printf -- '--- %s: go %s ./...\n' "$target" "$step"
				head -n 20 "$logs/all"
			} >>"$logs/failures"
		fi
	done
done
unset GOOS GOARCH

# The table: one row a package, one column a target.
printf '\n%-50s' package
for target in "${targets[@]}"; do printf ' %-23s' "$target"; done
printf '\n'
for p in $(printf '%s\n' "${!known[@]}" | sort); do
	printf '%-50s' "$p"
	for target in "${targets[@]}"; do
		if [ -z "${cell["$target $p"]+set}" ]; then
			text="-"
		elif failed=${cell["$target $p"]}; [ -z "$failed" ]; then
			text="ok"
			is_allowed "$target" "$p" && text="ok (allowed!)"
		elif is_allowed "$target" "$p"; then
			text="allowed: ${failed// /,}"
		else
			text="FAIL: ${failed// /,}"
		fi
		printf ' %-23s' "${text%,}"
	done
	printf '\n'
done
cat <<'EOF'

ok: go build, go vet and go test -c pass; FAIL: these steps fail;
allowed: they fail, as listed in scripts/cross-build.sh for now;
ok (allowed!): listed there but passes, so remove it from the list; -: not built for that target.
EOF
if [ "$unexpected" = 1 ]; then
	printf '\nUnexpected failures:\n' >&2
	cat "$logs/failures" >&2
	exit 1
fi
