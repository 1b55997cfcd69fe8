#!/usr/bin/env bash
# Installs what is needed, builds wirekv three ways and runs every test:
#   build/       debugoptimized: unit + integration suites
#   build-asan/  ASan+UBSan:     unit + integration suites
#   build-fuzz/  clang libFuzzer: a bounded fuzz run per target
# Ends with one line: "N passed, N failed, N skipped". Exit 0 only if none failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || { echo "tools/install-deps.sh failed"; exit 1; }

jobs=$(nproc)
status=0
logs=()

setup() { # dir, meson args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" -j "$jobs" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

run_suites() { # dir, suites...
	local dir=$1; shift
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	echo "== $dir: meson test ${*}"
	meson test -C "$dir" "${args[@]}" --print-errorlogs --num-processes "$jobs" || status=1
	logs+=("$dir/meson-logs/testlog.json")
}

if setup build; then
	run_suites build unit packet integration
else
	echo "build failed"; status=1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
	run_suites build-asan unit packet integration
else
	echo "sanitizer build failed"; status=1
fi

if CC=clang setup build-fuzz -Dfuzz=true -Db_lundef=false; then
	run_suites build-fuzz fuzz
else
	echo "fuzz build failed"; status=1
fi

/usr/bin/python3 - "${logs[@]}" <<'PY' || status=1
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        print(f"missing test log {path}")
        continue
    for line in lines:
        if not line.strip():
            continue
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
exit $status
