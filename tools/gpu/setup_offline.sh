#!/usr/bin/env bash
# Installs tokenpose_mm and the OpenMMLab stack on a machine without any package registry, from
# the folder that tools/gpu/fetch_wheels.sh filled, on top of a Python that already has torch,
# torchvision, numpy, scipy, matplotlib, pillow, opencv, onnx, onnxruntime, pytest, tqdm and rich.
#
#   bash tools/gpu/setup_offline.sh                  # into .gpu-venv (sees the system packages)
#   VENV=/path/env PYTHON=python3.12 bash tools/gpu/setup_offline.sh
#   EXTRA_WHEELS=DIR ...    # also this folder (the local Python's own wheels, for a rehearsal
#                           # on another Python version: pip prefers a wheel over a source archive)
#   SYSTEM_SITE=0 ...       # a venv that does not see the system packages (rehearsal)
#
# Everything is installed with pip's --no-index (no registry is asked) and --no-build-isolation
# (the source archives build against the installed torch and numpy). mmcv is compiled with its
# CPU ops only, with the GPU hidden from the build (CUDA_VISIBLE_DEVICES=): its 58 CUDA files
# take far longer than the GPU time a check has; MAX_JOBS defaults to the number of cores
# (about 3 minutes on 16). Each step prints its elapsed time; idempotent (a second run skips
# what is installed).
set -euo pipefail
# shellcheck source=tools/gpu/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"  # ROOT, STACK, PYTHON_BIN, pin()
WHEELS="${WHEELS:-$ROOT/tools/gpu/wheels}"
VENV="${VENV:-$ROOT/.gpu-venv}"
START=$SECONDS
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_CONFIG_FILE=/dev/null  # no pip.conf
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL  # only the folders named here

say() { printf '[offline %4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { printf '[offline] FAILED: %s\n' "$*" >&2; exit 1; }

[ -d "$WHEELS" ] || die "no wheel folder $WHEELS: run tools/gpu/fetch_wheels.sh on a machine with a registry and carry the folder along"
LINKS=(--no-index --find-links "$WHEELS")
[ -z "${EXTRA_WHEELS:-}" ] || LINKS+=(--find-links "$EXTRA_WHEELS")

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  if [ "${SYSTEM_SITE:-1}" = 1 ]; then
    "$PYTHON_BIN" -m venv --system-site-packages "$VENV"
  else
    "$PYTHON_BIN" -m venv "$VENV"
  fi
fi
PY="$VENV/bin/python"

say "checking what the machine must already have"
"$PY" - <<'PYEOF' || die "install these first (they are not fetched: they are large and preinstalled on the GPU machines this is for)"
import importlib.util
missing = [m for m in ('torch', 'torchvision', 'numpy', 'scipy', 'matplotlib', 'PIL', 'cv2',
                       'onnx', 'onnxruntime', 'pytest', 'tqdm', 'rich')
           if importlib.util.find_spec(m) is None]
if missing:
    raise SystemExit(f'missing: {missing}')
import sys, torch
print(f'  Python {sys.version.split()[0]}, torch {torch.__version__}, '
      f'CUDA {torch.version.cuda}, GPU visible: {torch.cuda.is_available()}')
PYEOF

step() {  # step NAME PIP_ARGS...: one pip install, timed, its log kept
  local name=$1 t0=$SECONDS log="$VENV/offline-$1.log"; shift
  say "$name: pip install $* (log: $log)"
  "$PY" -m pip install "${LINKS[@]}" "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "$name"; }
  say "$name: done in $((SECONDS - t0))s"
}
have() {  # have NAME==VERSION: installed at that version
  "$PY" -c "import sys; from importlib.metadata import version; n, v = sys.argv[1].split('=='); sys.exit(version(n).split('+')[0] != v)" "$1" 2>/dev/null
}

# build tools first: mmcv's setup.py imports pkg_resources (setuptools < 81), MMEngine imports
# distutils on Python 3.12 (setuptools provides it)
step build "$(pin setuptools)" "$(pin wheel)" "$(pin ninja)" "$(pin cython)"
step runtime --no-deps "$(pin mmengine)" addict pyyaml yapf platformdirs termcolor packaging \
  "$(pin json_tricks)" "$(pin munkres)" "$(pin six)" "$(pin pycocotools)" "$(pin shapely)" \
  "$(pin terminaltables)" psutil "$(pin einops)" "$(pin mat4py)" "$(pin model-index)" \
  ordered-set markdown "$(pin click)" "$(pin importlib-metadata)" zipp lazy-importer

MMCV=$(pin mmcv)
if have "$MMCV"; then
  say "mmcv: $MMCV already installed"
else
  export MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}"
  say "mmcv: building $MMCV with its CPU ops, GPU hidden, MAX_JOBS=$MAX_JOBS (a wheel in the folders is used instead when one fits)"
  CUDA_VISIBLE_DEVICES= step mmcv --no-deps --no-build-isolation "$MMCV"
fi
step openmmlab --no-deps "$(pin mmpose)" "$(pin mmdet)" "$(pin mmpretrain)"
XTCOCO=$(pin xtcocotools)
if have "$XTCOCO"; then
  say "xtcocotools: already installed"
else  # against the numpy that is installed (the registry's wheels need numpy 1)
  step xtcocotools --no-deps --no-build-isolation --no-binary xtcocotools "$XTCOCO"
fi
step tokenpose_mm --no-deps --no-build-isolation -e "$ROOT"

say "checking the stack"
"$PY" -W ignore - "$ROOT" <<'PYEOF' || die "the installed stack does not import (see above)"
import os, sys
import mmcv, mmcv.ops, mmdet.apis, mmengine, mmpose.apis, mmpretrain.models, torch  # noqa: F401
import xtcocotools.coco  # noqa: F401
import tokenpose_mm
from mmcv.ops import get_compiling_cuda_version
here = os.path.dirname(os.path.dirname(os.path.realpath(tokenpose_mm.__file__)))
assert here == os.path.realpath(sys.argv[1]), f'tokenpose_mm is imported from {here}'
cuda_ops = get_compiling_cuda_version()
print(f'  torch {torch.__version__}, mmcv {mmcv.__version__} '
      f'({"CPU ops" if cuda_ops == "not available" else "CUDA " + cuda_ops + " ops"}), '
      f'mmengine {mmengine.__version__}, tokenpose_mm {tokenpose_mm.__version__}')
PYEOF
say "ready in $((SECONDS - START))s: $PY tools/gpu/check.py"
