#!/usr/bin/env bash
# bash tools/dist_run.sh SCRIPT NUM_PROCS [SCRIPT args ...]: tools/SCRIPT under torch's launcher
# (--launcher pytorch). Several machines: NNODES, NODE_RANK, MASTER_ADDR and PORT as torch's
# launcher. Without CUDA the processes use the gloo backend.
set -euo pipefail
usage() { echo "usage: ${USAGE:-bash tools/dist_run.sh SCRIPT NUM_PROCS [ARGS ...]}" >&2; exit 2; }
[ $# -ge 2 ] || { echo "error: missing arguments" >&2; usage; }
SCRIPT=$1
NPROCS=$2
if ! [[ "$NPROCS" =~ ^[0-9]+$ ]] || [ "$NPROCS" -lt 1 ]; then
    echo "error: NUM_PROCS must be a whole number >= 1 (processes on this machine), got '$NPROCS'" >&2
    usage
fi
[ -f "$(dirname "$0")/$SCRIPT" ] || { echo "error: no tool tools/$SCRIPT" >&2; usage; }
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROCS" \
    "$(dirname "$0")/$SCRIPT" "${@:3}" --launcher pytorch
