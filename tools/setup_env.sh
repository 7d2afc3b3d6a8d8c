#!/usr/bin/env bash
# Installs the pinned stack of requirements/stack.txt and tokenpose_mm (editable) into a virtual
# environment, from a machine that has only Python 3.11 and the package registries.
#
#   bash tools/setup_env.sh            # into ./.venv
#   VENV=/path/to/env bash tools/setup_env.sh
#
# Idempotent: a group whose pinned versions are all installed is skipped, so a second run takes
# seconds. Each group prints its elapsed time; the long mmcv build streams its compiler steps.
# A failing group stops the script with its name and the end of its log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
STACK="$ROOT/requirements/stack.txt"
LOGDIR="$VENV/setup-logs"
START=$SECONDS

say() { printf '[setup %4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { printf '[setup] FAILED: %s\n' "$*" >&2; exit 1; }

PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
[ -n "$PYTHON_BIN" ] || die "no python3.11 (or python3) on PATH"
"$PYTHON_BIN" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null \
  || die "$PYTHON_BIN is not Python 3.11 (the stack is pinned for 3.11); set PYTHON=/path/to/python3.11"

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON_BIN" -m venv "$VENV" || die "python -m venv $VENV"
fi
PY="$VENV/bin/python"
mkdir -p "$LOGDIR"
INSTALLED_SOMETHING=0
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

group() {  # the "name==version" pins of one group of the stack file
  sed -n "s/^$1:[[:space:]]*//p" "$STACK"
}

missing() {  # prints the pins of the arguments that are not installed at exactly that version
  "$PY" - "$@" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, want = pin.split('==')
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have is None or have.split('+')[0] != want:
        print(pin)
PYEOF
}

install_group() {  # install_group NAME [pip options...]
  local name=$1; shift
  local pins todo log=$LOGDIR/$name.log
  pins=$(group "$name")
  [ -n "$pins" ] || die "group '$name' is missing from $STACK"
  # shellcheck disable=SC2086
  todo=$(missing $pins)
  if [ -z "$todo" ]; then
    say "$name: already installed ($(echo $pins | tr '\n' ' '))"
    return
  fi
  say "$name: installing $(echo $todo | tr '\n' ' ') (log: $log)"
  local t0=$SECONDS
  INSTALLED_SOMETHING=1
  # shellcheck disable=SC2086
  if ! "$PY" -m pip install "$@" $todo >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "group '$name' did not install; full log: $log"
  fi
  say "$name: done in $((SECONDS - t0))s"
}

# torch: the standard build, never the local "+cpu" file (it has no matching torchvision).
TORCH_PIN=$(group torch | tr ' ' '\n' | grep '^torch==')
install_group torch "${TORCH_PIN},!=${TORCH_PIN#torch==}+cpu"
install_group build
install_group runtime

# mmcv: compiled against the installed torch, with its CUDA ops when this machine has both nvcc
# and a GPU that torch sees (the detector's nms/RoIAlign then run on the GPU), else with its CPU
# ops only (the GPU, if any, hidden from the build); stream the compiler steps. The build made is
# recorded in $VENV/.mmcv-build and printed at the end.
MMCV_PINS=$(group mmcv)
NVCC="$(command -v nvcc || true)"
[ -n "$NVCC" ] || { [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ] && NVCC="${CUDA_HOME:-/usr/local/cuda}/bin/nvcc"; } || true
GPU_ARCH=$("$PY" -c 'import torch; c = torch.cuda.is_available() and torch.cuda.get_device_capability(0); print(f"{c[0]}.{c[1]}" if c else "")' 2>/dev/null || true)
if [ -n "$NVCC" ] && [ -n "$GPU_ARCH" ]; then
  MMCV_WANT=cuda
  MMCV_WHY="nvcc at $NVCC and a GPU of compute capability $GPU_ARCH"
else
  MMCV_WANT=cpu
  MMCV_WHY="$([ -n "$NVCC" ] && echo "no GPU visible to torch" || echo "no nvcc on PATH or in \$CUDA_HOME")"
fi
mmcv_built() {  # cuda / cpu: the ops of the installed mmcv; nothing when mmcv is not there
  "$PY" -W ignore -c 'from mmcv.ops import get_compiling_cuda_version as v; print("cpu" if v() == "not available" else "cuda")' 2>/dev/null || true
}
MMCV_HAVE=$([ -z "$(missing $MMCV_PINS)" ] && mmcv_built || true)
if [ -z "$MMCV_HAVE" ] || { [ "$MMCV_WANT" = cuda ] && [ "$MMCV_HAVE" = cpu ]; }; then
  log=$LOGDIR/mmcv.log
  t0=$SECONDS
  INSTALLED_SOMETHING=1
  if [ "$MMCV_WANT" = cuda ]; then
    # only this GPU's architecture (all of them would take hours); never a cached CPU-only wheel
    export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-$GPU_ARCH}" FORCE_CUDA=1
    say "mmcv: building $MMCV_PINS with its CUDA ops for sm ${TORCH_CUDA_ARCH_LIST} ($MMCV_WHY; 58 .cu files: long; log: $log)"
    MMCV_PIP=(--no-cache-dir --force-reinstall --no-deps)
    MMCV_ENV=()
  else
    say "mmcv: building $MMCV_PINS with its CPU ops ($MMCV_WHY; about 17 min on 2 cores, instant from pip's wheel cache; log: $log)"
    MMCV_PIP=()
    MMCV_ENV=(CUDA_VISIBLE_DEVICES=)  # a GPU without nvcc would make mmcv try its CUDA ops
  fi
  set +e
  env "${MMCV_ENV[@]}" MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$PY" -m pip install -v --no-build-isolation "${MMCV_PIP[@]}" $MMCV_PINS 2>&1 \
    | tee "$log" | grep --line-buffered -E '^\s*\[[0-9]+/[0-9]+\]|Successfully installed|ERROR|error:' \
    | sed -u -E 's#^\s*(\[[0-9]+/[0-9]+\]).* -c [^ ]*/([^/ ]+) .*#\1 compiling \2#' \
    | while IFS= read -r line; do say "mmcv: ${line:0:140}"; done
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || { tail -n 40 "$log" >&2; die "mmcv build (full log: $log)"; }
  MMCV_HAVE=$(mmcv_built)
  say "mmcv: done in $((SECONDS - t0))s ($MMCV_HAVE ops)"
else
  [ "$MMCV_WANT" = cuda ] || [ "$MMCV_HAVE" = cpu ] \
    || say "mmcv: note: the installed mmcv has CUDA ops, but $MMCV_WHY"
  say "mmcv: already installed ($MMCV_PINS, $MMCV_HAVE ops)"
fi
echo "$MMCV_HAVE" >"$VENV/.mmcv-build"

install_group nodeps --no-deps
install_group source --no-deps --no-binary xtcocotools --no-build-isolation
install_group tools

STAMP="$VENV/.tokenpose_mm-stack"  # the stack file's hash and this checkout, once checked
STAMP_WANT="$(sha256sum "$STACK" | cut -c1-64) $ROOT"
if [ "$(cat "$STAMP" 2>/dev/null)" = "$STAMP_WANT" ] && [ "$INSTALLED_SOMETHING" = 0 ]; then
  say "ready (nothing to do): $PY"
  exit 0
fi

say "tokenpose_mm: editable install of $ROOT"
"$PY" -m pip install --no-deps --no-build-isolation -e "$ROOT" >"$LOGDIR/tokenpose_mm.log" 2>&1 \
  || { tail -n 30 "$LOGDIR/tokenpose_mm.log" >&2; die "editable install of tokenpose_mm"; }

say "checking the stack"
"$PY" -W ignore - "$ROOT" <<'PYEOF' || die "the installed stack does not import (see the traceback above)"
import os, sys
import mmcv.ops, mmdet.apis, mmengine, mmpose.apis, torch, torchvision, xtcocotools.coco  # noqa: F401
import tokenpose_mm
here = os.path.dirname(os.path.dirname(os.path.realpath(tokenpose_mm.__file__)))
assert here == os.path.realpath(sys.argv[1]), f'tokenpose_mm is imported from {here}, not {sys.argv[1]}'
from mmcv.ops import get_compiling_cuda_version
cuda_ops = get_compiling_cuda_version()
ops = 'CPU ops only' if cuda_ops == 'not available' else f'CPU and CUDA {cuda_ops} ops'
print(f'  torch {torch.__version__}, torchvision {torchvision.__version__}, mmcv {mmcv.__version__} '
      f'({ops}), mmengine {mmengine.__version__}, tokenpose_mm {tokenpose_mm.__version__}')
PYEOF
echo "$STAMP_WANT" >"$STAMP"
say "ready: $PY"
