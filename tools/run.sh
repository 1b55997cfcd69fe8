#!/usr/bin/env bash
# Installs what is needed, builds wirekv and starts it in the foreground on
# io_uring, 127.0.0.1:6379, with config/wirekv.conf. Extra arguments are
# passed on as directives: tools/run.sh --port 7000 --threads 1
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build app/wirekv-server >/dev/null
exec build/app/wirekv-server config/wirekv.conf "$@"
