#!/usr/bin/env bash
# bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py args ...]
set -euo pipefail
export USAGE='bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py args ...]'
if [ $# -lt 3 ]; then
    echo "error: expected CONFIG, CHECKPOINT and NUM_PROCS, got $# argument(s)" >&2
    echo "usage: $USAGE" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_run.sh" test.py "$3" "$1" "$2" "${@:4}"
