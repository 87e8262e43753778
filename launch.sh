#!/usr/bin/env bash
# Start Wan Studio: make or reuse .venv, install what changed, then run the app.
# Arguments pass through to app.py (for example: ./launch.sh --port 8000 --no-browser).
set -euo pipefail
cd "$(dirname "$0")"

# The engine's repository archive at the pinned commit (no git needed, no submodules cloned).
LIGHTX2V_COMMIT="f8aee98b5462cca8d7288888146ebd95592bf266"
LIGHTX2V_URL="https://github.com/ModelTC/LightX2V/archive/$LIGHTX2V_COMMIT.tar.gz"
PY=${PYTHON:-python3}

if ! command -v "$PY" >/dev/null; then
  echo "Python 3.10 or newer is needed: install it (for example 'sudo apt install python3 python3-venv')." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv …"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python

gpu=no
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then gpu=yes; fi

# Reinstall only when the requirement files, the pinned engine or the GPU presence changed.
key=$(cat requirements.txt requirements-core.txt requirements-lightx2v.txt | sha256sum | cut -c1-16)
stamp=".venv/.installed-$key-$gpu"
if [ ! -f "$stamp" ]; then
  echo "Installing packages (the first run downloads a few GB) …"
  "$VPY" -m pip install --upgrade pip
  engine_ok=yes
  if [ "$gpu" = yes ]; then
    # One resolve for torch and the engine's needs, so torchvision/torchaudio match the torch installed.
    "$VPY" -m pip install -r requirements.txt -r requirements-lightx2v.txt || {
      engine_ok=no
      "$VPY" -m pip install -r requirements.txt
    }
    "$VPY" -m pip install --no-deps "lightx2v @ $LIGHTX2V_URL" || engine_ok=no
  else
    "$VPY" -m pip install -r requirements.txt
  fi
  if [ "$engine_ok" = yes ]; then
    rm -f .venv/.installed-*
    touch "$stamp"
  else
    echo "WARNING: the LightX2V engine could not be installed (offline?). The app starts anyway;" >&2
    echo "         its System tab says how to fix it, and the next launch tries again." >&2
  fi
fi

exec "$VPY" app.py "$@"
