#!/usr/bin/env bash
# Prepare an offline GPU box for the benchmark. Source it from the repository root:
#   source bench/setup_box.sh CARRY_DIR
# CARRY_DIR holds whl/ (wheels LightX2V's import needs beyond a stock PyTorch image: loguru, gguf, ftfy,
# wcwidth, diffusers, imageio-ffmpeg, pydantic and its parts, pyzmq, sageattention, platformdirs; what the
# app imports beyond the image: huggingface_hub 2.x with httpx2 and their parts, a transformers and tokenizers
# that accept hub 2.x; pytest, pluggy, iniconfig, pygments and pytest-timeout for the gpu-marked tests) and src/
# (LightX2V's lightx2v/ and lightx2v_platform/ at the pinned commit). Nothing here is downloaded.
carry=${1:?usage: source bench/setup_box.sh CARRY_DIR}
stamp=/tmp/site/.bench-installed-$(ls "$carry"/whl | sha256sum | cut -c1-12)
if [ ! -f "$stamp" ]; then  # a box kept warm between calls keeps what an earlier call installed
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$carry"/whl/*.whl
  # A wheel whose bulk compresses far better with xz (imageio-ffmpeg's ffmpeg binary: 27 MB zipped, 19 MB as
  # xz) may travel as the wheel's unpacked contents in a .tar.xz, unpacked as pip would have installed it.
  for archive in "$carry"/whl/*.tar.xz; do [ -f "$archive" ] && tar -xJf "$archive" -C /tmp/site; done
  touch "$stamp"
fi
standins=/tmp/standins
mkdir -p "$standins"
# av and decord are imported by LightX2V's other model families when pipeline.py loads, never on the
# Wan text-to-video path; their wheels (49 MB) do not fit the box's upload limit, so when the box lacks
# them an empty module stands in for the import. A user's install has the real packages.
for mod in av decord; do
  if ! python3 -c "import $mod" 2>/dev/null; then
    mkdir -p "$standins/$mod"
    cat > "$standins/$mod/__init__.py" <<PY
"""Stand-in: $mod is not installed on this benchmark box (unused on the Wan T2V path).

Any attribute resolves to a placeholder, so type annotations such as av.container.Container evaluate at
import time; calling anything raises.
"""


class _Placeholder:
    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("$mod is only a stand-in on this benchmark box")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Placeholder()
PY
    echo "bench setup: $mod missing, empty stand-in module used" >&2
  fi
done
export PYTHONPATH="$PWD:$carry/src:/tmp/site:$standins${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
# A user's pip install compiles bytecode; the copied sources here have none and may be read-only. Keep it
# in one place so only the first import of each module pays for compiling it, as on a user's machine.
export PYTHONPYCACHEPREFIX=/tmp/pycache
python3 -m compileall -q -j 0 "$carry/src" /tmp/site "$PWD/backend" >/dev/null 2>&1 || true
