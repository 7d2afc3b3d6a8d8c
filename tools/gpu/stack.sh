# Sourced by tools/gpu/fetch_wheels.sh and tools/gpu/setup_offline.sh: the repository root, the
# stack file whose pins both use, the Python to run, and pin().
#
#   source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK="$ROOT/requirements/stack.txt"
PYTHON_BIN="${PYTHON:-python3}"

pin() {  # pin NAME -> NAME==VERSION from the stack file (fails when the stack does not pin it)
  local found
  found=$(grep -v '^#' "$STACK" | tr ' ' '\n' | grep -i "^$1==" | head -n1 || true)
  [ -n "$found" ] || { echo "$(basename "$0" .sh): $1 is not pinned in $STACK" >&2; exit 1; }
  echo "$found"
}
