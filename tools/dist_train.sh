#!/usr/bin/env bash
# bash tools/dist_train.sh CONFIG NUM_PROCS [train.py args ...]
# Several machines: NNODES, NODE_RANK, MASTER_ADDR and PORT as torch's launcher.
# Without CUDA the processes use the gloo backend.
set -euo pipefail
export USAGE='bash tools/dist_train.sh CONFIG NUM_PROCS [train.py args ...]'
if [ $# -lt 2 ]; then
    echo "error: expected CONFIG and NUM_PROCS, got $# argument(s)" >&2
    echo "usage: $USAGE" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
