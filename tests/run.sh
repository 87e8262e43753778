#!/usr/bin/env bash
# The test command: sets up what the tests need (a venv, the packages, Debian's Chromium for the
# browser test and Wine for the launch.bat tests), then runs lint, type checks and the whole suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv-test
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat requirements-core.txt requirements-test.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements-core.txt -r requirements-test.txt
  touch "$stamp"
fi

# Debian packages the tests need: Chromium for the browser test, Wine for running launch.bat, a CJK font.
updated=""
apt_install() {
  echo "Installing Debian packages for the tests: $*"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "Missing and this user cannot install it: run 'apt-get install $*' as root." >&2
    exit 1
  fi
  [ -n "$updated" ] || $SUDO apt-get update -qq
  updated=yes
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
[ -x /usr/bin/chromium ] || apt_install chromium
command -v wine >/dev/null && command -v wineboot >/dev/null || apt_install --no-install-recommends wine wine64
# A font with Chinese glyphs, so the Chinese page's screenshots show its text instead of empty boxes.
fc-list :lang=zh 2>/dev/null | grep -q . || apt_install --no-install-recommends fonts-wqy-microhei

echo "== ruff"
"$VENV/bin/ruff" check .
echo "== mypy"
"$VENV/bin/mypy"
echo "== pytest"
"$VENV/bin/python" -m pytest "$@"
