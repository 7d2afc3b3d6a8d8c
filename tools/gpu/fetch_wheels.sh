#!/usr/bin/env bash
# Downloads, on a machine with a package registry, what an offline CUDA machine with Python 3.12
# and torch already installed lacks to run tools/gpu/check.py: the OpenMMLab stack as cp312
# manylinux wheels (pure-Python ones as they are) and mmcv / xtcocotools as source archives
# (built there against its torch and numpy by tools/gpu/setup_offline.sh).
#
#   bash tools/gpu/fetch_wheels.sh [DIR]        # default: tools/gpu/wheels (ignored by git)
#   PYTHON_VERSION=3.12 PLATFORMS="manylinux2014_x86_64 manylinux_2_28_x86_64" bash ...
#
# Versions are the pins of requirements/stack.txt; the few packages that file does not pin
# (dependencies of the pinned ones) are pinned in EXTRA below. Nothing the target machine has
# (torch, torchvision, numpy, scipy, matplotlib, pillow, opencv, onnx, onnxruntime, pytest, tqdm,
# rich) is fetched. The folder travels with the working tree (`carry`): about 14 MiB.
set -euo pipefail
# shellcheck source=tools/gpu/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"  # ROOT, STACK, PYTHON_BIN, pin()
DEST="${1:-$ROOT/tools/gpu/wheels}"
PYTHON_VERSION="${PYTHON_VERSION:-3.12}"
# torch 2.11 for CUDA 13 is itself a manylinux_2_28 wheel, so the target's glibc is >= 2.28
PLATFORMS="${PLATFORMS:-manylinux2014_x86_64 manylinux_2_28_x86_64}"
ABI="cp${PYTHON_VERSION/./}"

# built from source there (no wheel exists for that torch / numpy)
SOURCES=(mmcv xtcocotools)
# wheels: pinned in requirements/stack.txt
WHEELS=(mmengine mmpose mmdet mmpretrain json_tricks munkres six pycocotools shapely
        terminaltables setuptools wheel ninja cython einops mat4py model-index
        importlib-metadata click)
# wheels: dependencies that requirements/stack.txt does not pin
EXTRA=(addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0 pyyaml==6.0.4
       packaging==26.4 psutil==7.2.2 zipp==4.1.2 lazy-importer==0.1.0 ordered-set==4.1.0
       markdown==3.11.3)

mkdir -p "$DEST"
START=$SECONDS
wheel_pins=() source_pins=()
for name in "${WHEELS[@]}"; do wheel_pins+=("$(pin "$name")"); done
for name in "${SOURCES[@]}"; do source_pins+=("$(pin "$name")"); done

platform_args=()
for p in $PLATFORMS any; do platform_args+=(--platform "$p"); done
quiet() { grep -v "is ignored: it is neither a file nor a directory" || true; }

echo "[fetch] ${#wheel_pins[@]} + ${#EXTRA[@]} wheels for $ABI ($PLATFORMS) into $DEST"
"$PYTHON_BIN" -m pip download --quiet --no-deps --dest "$DEST" --only-binary=:all: \
  --python-version "$PYTHON_VERSION" --implementation cp --abi "$ABI" --abi abi3 --abi none \
  "${platform_args[@]}" "${wheel_pins[@]}" "${EXTRA[@]}" 2> >(quiet >&2)
echo "[fetch] source archives: ${source_pins[*]}"
# pip reads their metadata by running setup.py, which imports pkg_resources (setuptools < 81):
# a throw-away environment with the fetched setuptools and wheel, and numpy and cython for
# xtcocotools' setup.py
BUILD_ENV="$(mktemp -d)/fetch-env"
trap 'rm -rf "$(dirname "$BUILD_ENV")"' EXIT
"$PYTHON_BIN" -m venv "$BUILD_ENV"
"$BUILD_ENV/bin/python" -m pip install --quiet --no-index --find-links "$DEST" \
  "$(pin setuptools)" "$(pin wheel)"
"$BUILD_ENV/bin/python" -m pip install --quiet "$(pin numpy)" "$(pin cython)" 2> >(quiet >&2)
"$BUILD_ENV/bin/python" -m pip download --quiet --no-deps --no-binary=:all: \
  --no-build-isolation --dest "$DEST" "${source_pins[@]}" 2> >(quiet >&2)

count=$(find "$DEST" -maxdepth 1 -type f | wc -l)
size=$(du -sm "$DEST" | cut -f1)
echo "[fetch] done in $((SECONDS - START))s: $count files, ${size} MiB in $DEST"
