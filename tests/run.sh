#!/usr/bin/env bash
# The test command: sets up what the tests need (a venv, the packages, Debian's Chromium for the browser
# tests, Wine for the launch.bat tests, a CJK font), then runs lint, type checks and the whole suite spread
# over the CPU cores (pytest-xdist). Extra arguments go to pytest (`-n 0` runs it in one process).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: Chromium for the browser tests, Wine for running launch.bat, and a font with
# Chinese glyphs (so the Chinese page's screenshots show its text instead of empty boxes). Only what is
# missing is installed, in the background while pip works; apt's output is shown if it fails.
apt_full=() apt_lean=()
[ -x /usr/bin/chromium ] || apt_full+=(chromium)
{ command -v wine && command -v wineboot; } >/dev/null || apt_lean+=(wine wine64)
fc-list :lang=zh 2>/dev/null | grep -q . || apt_lean+=(fonts-wqy-microhei)
apt_pid="" apt_log=""
if [ $((${#apt_full[@]} + ${#apt_lean[@]})) -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${apt_full[*]} ${apt_lean[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "Missing and this user cannot install it: run 'apt-get install ${apt_full[*]} ${apt_lean[*]}' as root." >&2
    exit 1
  fi
  [ -z "$SUDO" ] || sudo -v  # ask for the password now, not from the background
  apt_log=$(mktemp)
  (
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    [ ${#apt_full[@]} -eq 0 ] || $SUDO apt-get install -y -qq "${apt_full[@]}"
    [ ${#apt_lean[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${apt_lean[@]}"
  ) >"$apt_log" 2>&1 &
  apt_pid=$!
fi

PY=${PYTHON:-python3}
VENV=.venv-test
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat requirements-core.txt requirements-test.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  # --no-compile: Python compiles what the tests import when they first import it, not every file up front.
  "$VENV/bin/python" -m pip install -q --no-compile --upgrade pip
  "$VENV/bin/python" -m pip install -q --no-compile -r requirements-core.txt -r requirements-test.txt
  touch "$stamp"
fi

echo "== ruff"
"$VENV/bin/ruff" check .
echo "== mypy"
"$VENV/bin/mypy"

if [ -n "$apt_pid" ]; then
  if ! wait "$apt_pid"; then
    cat "$apt_log" >&2
    echo "Installing the Debian packages failed (apt's messages above say why)." >&2
    exit 1
  fi
  rm -f "$apt_log"
fi

echo "== pytest"
# --dist loadgroup: tests run one by one on whichever worker is free, except a group (the Wine prefix) that
# stays on one worker.
"$VENV/bin/python" -m pytest -n "${TEST_WORKERS:-auto}" --dist loadgroup "$@"
