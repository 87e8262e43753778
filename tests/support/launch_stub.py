"""Stand-in for python3, nvidia-smi and the venv's python in the launch.sh tests (copied under those
names, its first line pointing at the test's own Python).

It logs each call (program, working folder, arguments) as one JSON line in calls.jsonl next to this file's
source copy and answers by the first matching rule of rules.json, like launch_stub.js does for launch.bat.
One call is real: the venv python asked for `-m backend.install_plan` runs the real module, so the shell
script is tested against the rules it actually follows.
"""

import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(os.environ["LAUNCH_STUB_DIR"])


def program_name(exe: str) -> str:
    return "venv-python" if "/.venv/bin/" in exe else Path(exe).name


def arg_after(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args[:-1] else ""


def act(action: str, exe: str, args: list[str]) -> None:
    if action == "venv":  # python3 -m venv DIR: DIR/bin/python is a copy of this stub
        target = Path(arg_after(args, "venv")).resolve() / "bin"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(exe, target / "python")
    elif action == "torch":  # pip install torch --index-url .../cuXYZ: torch/version.py says which CUDA
        tag = arg_after(args, "--index-url").rsplit("/", 1)[-1]
        folder = Path(exe).parent.parent / "lib" / "python3.12" / "site-packages" / "torch"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "version.py").write_text(f"__version__ = '2.11.0+{tag}'\ncuda = '{tag[2:-1]}.{tag[-1]}'\n")


def main() -> int:
    exe, args = os.path.abspath(sys.argv[0]), sys.argv[1:]
    program = program_name(exe)
    with (HERE / "calls.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"program": program, "cwd": os.getcwd(), "args": args}) + "\n")
    if program == "venv-python" and args[:1] == ["app.py"]:  # the app's --auth when left off the command line
        (HERE / "app-auth.txt").write_text(os.environ.get("WAN_STUDIO_AUTH", ""), encoding="utf-8")
    if program == "venv-python" and args[:2] == ["-m", "backend.install_plan"]:
        python = os.environ["LAUNCH_REAL_PYTHON"]  # standard library only, as in a fresh .venv: no site-packages
        os.execv(python, [python, "-S", *args])
    joined = " ".join(args)
    for rule in json.loads((HERE / "rules.json").read_text(encoding="utf-8")):
        if rule["program"] == program and rule["contains"] in joined:
            if rule["output"]:
                sys.stdout.write(rule["output"] + "\n")
            if rule["exit"] == 0 and rule["action"]:
                act(rule["action"], exe, args)
            return int(rule["exit"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
