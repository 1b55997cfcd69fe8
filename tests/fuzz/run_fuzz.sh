#!/bin/sh
# Runs a libFuzzer target on a scratch copy of its seed corpus, so the
# repository's corpus is never modified. Crash inputs go to ARTIFACTS.
# usage: run_fuzz.sh FUZZER CORPUS ARTIFACTS [libFuzzer options...]
set -eu
fuzzer=$1 corpus=$2 artifacts=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/wirekv-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$corpus"/. "$work"/
mkdir -p "$artifacts"
# Any failure is a failure: libFuzzer's own exit codes (a CHECK's 77 among
# them) would otherwise read as meson's "skipped".
if ! "$fuzzer" -artifact_prefix="$artifacts"/ "$@" "$work"; then
	echo "fuzzer found a failing input: see $artifacts" >&2
	exit 1
fi
