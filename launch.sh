#!/usr/bin/env bash
# Start Wan Studio: make or reuse .venv, install what changed, then run the app.
# Arguments pass through to app.py unchanged (for example: ./launch.sh --port 8000 --no-browser).
# What to install (the PyTorch CUDA build for this driver, the stamp of a finished install) is decided by
# backend/install_plan.py, which launch.bat asks too.
set -uo pipefail

fail() {
  echo "$1" >&2
  exit 1
}

case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
cd -- "$here" 2>/dev/null && [ -f backend/install_plan.py ] ||
  fail "Cannot enter the folder that holds launch.sh ($here). Run it from the Wan Studio folder: cd /path/to/WanStudio && ./launch.sh"

if [ ! -x .venv/bin/python ]; then
  PY=${PYTHON:-python3}
  command -v "$PY" >/dev/null 2>&1 ||
    fail "Python is not installed. Install Python 3.10 or newer (Debian/Ubuntu: sudo apt install python3 python3-venv), then run ./launch.sh again."
  facts=$("$PY" -c 'import struct, sys; print(sys.version_info[0], sys.version_info[1], struct.calcsize("P") * 8)' 2>/dev/null) || facts=""
  read -r major minor bits _ <<<"$facts"
  case ${bits:-} in
    32 | 64) ;;
    *) fail "\"$PY\" did not run Python. Install Python 3.10 or newer (Debian/Ubuntu: sudo apt install python3 python3-venv), then run ./launch.sh again." ;;
  esac
  if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 10 ]; }; then
    fail "Python $major.$minor is too old: Wan Studio needs Python 3.10 or newer. Install one (Debian/Ubuntu: sudo apt install python3.12 python3.12-venv) and run: PYTHON=python3.12 ./launch.sh"
  fi
  [ "$bits" = 64 ] ||
    fail "Python $major.$minor is 32-bit; PyTorch needs a 64-bit Python. Install a 64-bit Python 3.10 or newer and run: PYTHON=/path/to/python3 ./launch.sh"
  echo "Creating the virtual environment in .venv …"
  "$PY" -m venv .venv && [ -x .venv/bin/python ] ||
    fail "Could not create .venv with $PY (the lines above say why; Debian/Ubuntu need: sudo apt install python3-venv)."
fi
VPY=.venv/bin/python

# What to install: the pinned PyTorch release, in the CUDA build the driver runs.
driver=""
if command -v nvidia-smi >/dev/null 2>&1; then
  driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null) || driver=""
  driver=${driver%%$'\n'*}
fi
PLAN_GPU="" PLAN_TORCH_INDEX="" PLAN_TORCH_PACKAGES="" PLAN_ENGINE_URL="" PLAN_STAMP="" PLAN_SWAP_TORCH="" PLAN_NOTE=""
while IFS='=' read -r key value; do
  case $key in
    GPU | TORCH_INDEX | TORCH_PACKAGES | ENGINE_URL | STAMP | SWAP_TORCH | NOTE) printf -v "PLAN_$key" '%s' "$value" ;;
  esac
done < <("$VPY" -m backend.install_plan --driver "$driver")
[ -n "$PLAN_STAMP" ] ||
  fail "Could not work out what to install (the lines above say why). Delete the .venv folder and run ./launch.sh again."

if [ ! -f ".venv/$PLAN_STAMP" ]; then
  echo "Installing packages (the first run downloads a few GB) …"
  "$VPY" -m pip install --upgrade pip
  "$VPY" -m pip install -r requirements-core.txt ||
    fail "Installing the app's packages failed (pip's message above says why). Check the internet connection and run ./launch.sh again."
  echo "$PLAN_NOTE"
  engine_ok=yes
  if [ "$PLAN_GPU" = yes ]; then
    if [ "$PLAN_SWAP_TORCH" = yes ]; then
      echo "Replacing the installed PyTorch, which was built for another CUDA version …"
      "$VPY" -m pip uninstall -y torch torchvision torchaudio
    fi
    read -ra torch_packages <<<"$PLAN_TORCH_PACKAGES"
    "$VPY" -m pip install "${torch_packages[@]}" --index-url "$PLAN_TORCH_INDEX" &&
      "$VPY" -m pip install -r requirements.txt -r requirements-lightx2v.txt &&
      "$VPY" -m pip install --no-deps "lightx2v @ $PLAN_ENGINE_URL" || engine_ok=no
  fi
  if [ "$engine_ok" = yes ]; then
    rm -f .venv/.installed-*
    : >".venv/$PLAN_STAMP"
  else
    echo "WARNING: PyTorch or the LightX2V engine could not be installed (offline?). The app starts anyway;" >&2
    echo "         its System tab says what is missing, and the next launch tries again." >&2
  fi
fi

exec "$VPY" app.py "$@"
