"""Run launch.bat under Wine's cmd and launch.sh under bash in a copy of the app folder, with stub
programs on PATH (the Python launcher, python, nvidia-smi, the venv's python) that log their arguments and
answer as each test says. A `Machine` describes the computer; `Sandbox.run` launches once and returns
what the console showed, the exit code and every call the stubs saw."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from backend.engine.dist import PINNED_ARCHIVE
from backend.install_plan import plan, torch_requirements

ROOT = Path(__file__).resolve().parent.parent.parent
SUPPORT = Path(__file__).resolve().parent
APP_FILES = ("requirements.txt", "requirements-core.txt", "requirements-lightx2v.txt", "backend/__init__.py",
             "backend/install_plan.py", "backend/engine/__init__.py", "backend/engine/dist.py")
SEP, NEWLINE = "\u0001", "\u0002"


@dataclass(frozen=True)
class Machine:
    """The computer a launch runs on. `python`: "py" (the Windows launcher), "python" (python on PATH),
    "store" (only the Microsoft Store shortcut) or "" (none); `driver`: what nvidia-smi reports, "" for no
    NVIDIA GPU; `fail`: steps that exit 1 ("venv", "core", "torch", "engine", "app")."""

    python: str = "py"
    version: tuple[int, int] = (3, 12)
    bits: int = 64
    driver: str = "575.51.03"
    fail: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Call:
    program: str
    cwd: str
    args: tuple[str, ...]

    @property
    def line(self) -> str:
        return " ".join(self.args)


@dataclass
class Launch:
    exit: int
    output: str
    calls: list[Call] = field(default_factory=list)
    app_auth: str | None = None
    """The WAN_STUDIO_AUTH value app.py saw ("" when unset); None when the app was not started."""

    def installs(self) -> list[str]:
        """Every pip command the venv's python ran, as one line each."""
        return [c.line for c in self.calls if c.program == "venv-python" and c.args[:2] == ("-m", "pip")]

    def app_args(self) -> tuple[str, ...] | None:
        runs = [c.args[1:] for c in self.calls if c.program == "venv-python" and c.args[:1] == ("app.py",)]
        return runs[-1] if runs else None


CORE_INSTALLS = ["-m pip install --upgrade pip", "-m pip install -r requirements-core.txt"]
"""What every first launch installs: pip itself and the app's own packages (no torch)."""
TORCH_UNINSTALL = "-m pip uninstall -y torch torchvision torchaudio"


def gpu_installs(cuda_tag: str) -> list[str]:
    """What a first launch on a machine with an NVIDIA GPU installs, in order."""
    return [*CORE_INSTALLS,
            f"-m pip install {' '.join(torch_requirements())} --index-url https://download.pytorch.org/whl/{cuda_tag}",
            "-m pip install -r requirements.txt -r requirements-lightx2v.txt",
            f"-m pip install --no-deps lightx2v @ {PINNED_ARCHIVE}"]


def rules_for(machine: Machine) -> list[tuple[str, str, int, str, str]]:
    """(program, text the joined arguments contain, exit code, output, action), first match wins."""
    def code(step: str) -> int:
        return 1 if step in machine.fail else 0

    facts = f"{machine.version[0]} {machine.version[1]} {machine.bits}"
    pythons = {"py": "py", "python": "python", "store": "python", "": ""}[machine.python]
    rules: list[tuple[str, str, int, str, str]] = []
    if machine.python == "store":  # what the App Execution Alias does when Python is not installed
        rules.append(("python", "", 9009, "Python was not found; run without arguments to install from the "
                      "Microsoft Store, or disable this shortcut from Settings > Manage App Execution Aliases.", ""))
    for program in {pythons, "python3"} - {""}:
        rules += [(program, "-c", 0, facts, ""), (program, "-m venv", code("venv"), "", "venv")]
    rules += [("nvidia-smi", "--query-gpu=driver_version", 0, machine.driver, ""),
              ("venv-python", "-r requirements-core.txt", code("core"), "", ""),
              ("venv-python", "--index-url", code("torch"), "", "torch"),
              ("venv-python", "-r requirements-lightx2v.txt", code("engine"), "", ""),
              ("venv-python", "lightx2v @", code("engine"), "", ""),
              ("venv-python", "app.py", code("app"), "Running on local URL:  http://127.0.0.1:7860", "")]
    return rules


class Sandbox:
    """An app folder (named as the test likes) and a folder of stubs, for one launcher."""

    script = ""

    def __init__(self, base: Path, folder_name: str) -> None:
        self.app = base / folder_name
        self.stubs = base / "stubs"
        self.caller = base / "caller"  # the folder the launch is started from (not the app folder)
        for path in (self.app, self.stubs, self.caller):
            path.mkdir(parents=True, exist_ok=True)
        for name in (self.script, *APP_FILES):
            (self.app / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, self.app / name)

    def stamps(self) -> list[str]:
        return sorted(p.name for p in (self.app / ".venv").glob(".installed-*"))

    def _app_auth(self, encoding: str) -> str | None:
        seen = self.stubs / "app-auth.txt"
        return seen.read_text(encoding=encoding) if seen.exists() else None


# ---- launch.bat under Wine -------------------------------------------------------------------------
def windows_path(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def distlib_launcher() -> bytes:
    """distlib's console launcher for 64-bit Windows (t64.exe): it runs its shebang line's program with its
    own path and arguments, waits, and exits with that program's exit code."""
    try:
        import distlib
        folder = Path(distlib.__file__).parent
    except ImportError:
        from pip._vendor import distlib as vendored
        folder = Path(vendored.__file__).parent
    return (folder / "t64.exe").read_bytes()


class BatSandbox(Sandbox):
    script = "launch.bat"

    def __init__(self, base: Path, folder_name: str, wine_env: dict[str, str]) -> None:
        super().__init__(base, folder_name)
        self.wine_env = wine_env
        shutil.copyfile(SUPPORT / "launch_stub.js", self.stubs / "launch_stub.js")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("__main__.py", "")  # the launcher insists on an appended archive; the stub ignores it
        shebang = f"#!C:\\windows\\system32\\cscript.exe //nologo {windows_path(self.stubs / 'launch_stub.js')}\r\n"
        self.stub_exe = distlib_launcher() + shebang.encode() + archive.getvalue()

    def finish_install(self, machine: Machine) -> None:
        """Leave the app folder as a finished first launch on `machine` does (.venv with its python.exe, the
        install stamp), so that a scenario about arguments runs the launch alone: no Python search, no pip."""
        scripts = self.app / ".venv" / "Scripts"
        scripts.mkdir(parents=True, exist_ok=True)
        (scripts / "python.exe").write_bytes(self.stub_exe)
        (self.app / ".venv" / plan(self.app, machine.driver, "Windows").stamp).touch()

    def _install_stubs(self, machine: Machine) -> list[Path]:
        on_path = []
        store = self.stubs / "Microsoft" / "WindowsApps"  # where the Store's python.exe shortcut lives
        for folder, names in ((self.stubs / "bin", ["nvidia-smi"] if machine.driver else []),
                              (self.stubs / "python", {"py": ["py"], "python": ["python"]}.get(machine.python, [])),
                              (store, ["python"] if machine.python == "store" else [])):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for name in names:
                (folder / f"{name}.exe").write_bytes(self.stub_exe)
            on_path.append(folder)
        return on_path

    def run(self, machine: Machine, args: str = "", bat_path: str = '"%LAUNCH_BAT%"',
            environ: dict[str, str] | None = None) -> Launch:
        """Launch as the line `<bat_path> <args>` of a .cmd file in the caller's folder (so, as typed at a
        prompt, %% standing for one %); the path comes from the environment unless `bat_path` is given.
        `environ`: more variables for the launch's environment."""
        rules = rules_for(machine)
        lines = plan(self.app, machine.driver, "Windows").lines()  # the real rules, answered by the stub
        rules.insert(0, ("venv-python", f"-m backend.install_plan --driver {machine.driver}", 0, "\n".join(lines), ""))
        text = "program" + SEP + "header\r\n" + "".join(
            SEP.join([p, contains, str(code), out.replace("\n", NEWLINE), action]) + "\r\n"
            for p, contains, code, out, action in rules)
        (self.stubs / "rules.txt").write_text(text, encoding="utf-16")
        calls_file = self.stubs / "calls.txt"
        calls_file.unlink(missing_ok=True)
        (self.stubs / "app-auth.txt").unlink(missing_ok=True)
        on_path = self._install_stubs(machine)
        (self.caller / "go.cmd").write_bytes(f"@{bat_path} {args}\r\n".encode("ascii"))
        env = {**self.wine_env, "WINEPATH": ";".join(windows_path(p) for p in on_path),
               "LAUNCH_BAT": windows_path(self.app / "launch.bat"), **(environ or {})}
        done = subprocess.run(["wine", "cmd", "/c", windows_path(self.caller / "go.cmd")], cwd=self.caller, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=180, check=False)
        calls = []
        if calls_file.exists():
            for record in calls_file.read_text(encoding="utf-16").splitlines():
                program, cwd, *call_args = record.split(SEP)
                calls.append(Call(program, cwd, tuple(call_args)))
        # Wine writes the console in the ANSI code page (cp1252 under a UTF-8 locale), not in UTF-8.
        output = done.stdout.decode("cp1252", "replace").replace("\r\n", "\n")
        return Launch(done.returncode, output, calls, self._app_auth("utf-16"))


def start_wine(prefix: Path) -> dict[str, str]:
    """A Wine prefix made once (wineboot takes ~10 s) and the environment that runs cmd in it quietly."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(prefix.parent), "WINEPREFIX": str(prefix),
           "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml=", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    # No pipes of ours: the server and the services wineboot starts outlive the call and would hold them.
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    prefix.mkdir(parents=True, exist_ok=True)
    # A server that stays up between launches: an idle one exits after 3 s, and starting again costs seconds.
    subprocess.run(["wineserver", "--persistent"], env=env, timeout=60, check=True, **quiet)
    try:
        subprocess.run(["wineboot", "--init"], env=env, timeout=300, check=True, **quiet)
    except BaseException:
        stop_wine(env)
        raise
    return env


def stop_wine(env: dict[str, str]) -> None:
    subprocess.run(["wineserver", "--kill"], env=env, capture_output=True, timeout=60, check=False)


# ---- launch.sh under bash --------------------------------------------------------------------------
class ShSandbox(Sandbox):
    script = "launch.sh"
    tools = ("rm",)
    """The only programs launch.sh needs besides the stubs (PATH holds nothing else, so no real Python)."""

    def __init__(self, base: Path, folder_name: str) -> None:
        super().__init__(base, folder_name)
        self.tool_dir = base / "tools"
        self.tool_dir.mkdir(exist_ok=True)
        for tool in self.tools:
            found = shutil.which(tool)
            assert found, f"{tool} is missing"
            (self.tool_dir / tool).unlink(missing_ok=True)
            (self.tool_dir / tool).symlink_to(found)
        source = (SUPPORT / "launch_stub.py").read_text(encoding="utf-8")
        self.stub_text = f"#!{sys.executable} -S\n{source}"  # -S: no site-packages, a faster start

    def run(self, machine: Machine, args: list[str] | None = None, argv0: str | None = None,
            environ: dict[str, str] | None = None) -> Launch:
        rules = [{"program": p, "contains": c, "exit": code, "output": out, "action": action}
                 for p, c, code, out, action in rules_for(machine)]
        (self.stubs / "rules.json").write_text(json.dumps(rules), encoding="utf-8")
        calls_file = self.stubs / "calls.jsonl"
        calls_file.unlink(missing_ok=True)
        (self.stubs / "app-auth.txt").unlink(missing_ok=True)
        bin_dir = self.stubs / "bin"
        shutil.rmtree(bin_dir, ignore_errors=True)
        bin_dir.mkdir()
        names = (["python3"] if machine.python else []) + (["nvidia-smi"] if machine.driver else [])
        for name in names:
            (bin_dir / name).write_text(self.stub_text, encoding="utf-8")
            (bin_dir / name).chmod(0o755)
        env = {"PATH": f"{bin_dir}:{self.tool_dir}", "HOME": str(self.caller), "LANG": "C.UTF-8",
               "LAUNCH_STUB_DIR": str(self.stubs), "LAUNCH_REAL_PYTHON": sys.executable, **(environ or {})}
        script = str(self.app / "launch.sh")
        command = ["/bin/bash", script, *(args or [])]
        if argv0 is not None:  # run the script's text with another $0, as if started from a folder gone since
            command = ["/bin/bash", "-c", (self.app / "launch.sh").read_text(encoding="utf-8"), argv0, *(args or [])]
        done = subprocess.run(command, cwd=self.caller, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=120, check=False)
        calls = []
        if calls_file.exists():
            for record in calls_file.read_text(encoding="utf-8").splitlines():
                data = json.loads(record)
                calls.append(Call(data["program"], data["cwd"], tuple(data["args"])))
        output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
        return Launch(done.returncode, output, calls, self._app_auth("utf-8"))


