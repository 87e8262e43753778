// Stand-in for py.exe, python.exe, nvidia-smi.exe and the venv's python.exe in the launch.bat tests.
// Each of those .exe files is distlib's Windows script launcher with a shebang line that runs
//     cscript //nologo launch_stub.js "<the .exe's own path>" <the arguments it was given>
// so this script sees the arguments exactly as a real program would. It logs the call (one UTF-16 line:
// program, working folder, arguments, separated by \u0001) and answers by the first matching rule of
// rules.txt (program, text the joined arguments contain, exit code, output lines, action).
var SEP = "\u0001", NEWLINE = "\u0002";
var fso = new ActiveXObject("Scripting.FileSystemObject");
var here = fso.GetParentFolderName(WScript.ScriptFullName);
var exe = WScript.Arguments(0);
var program = fso.GetBaseName(exe).toLowerCase();
if (exe.toLowerCase().indexOf("\\.venv\\scripts\\") >= 0) program = "venv-python";
var args = [];
for (var i = 1; i < WScript.Arguments.length; i++) args.push(WScript.Arguments(i));
var cwd = fso.GetAbsolutePathName(".");

var log = fso.OpenTextFile(here + "\\calls.txt", 8, true, -1);
log.WriteLine([program, cwd].concat(args).join(SEP));
log.Close();
// The app gets its --auth from this variable when it is not on the command line: record what app.py saw.
if (program === "venv-python" && args[0] === "app.py") {
  var seen = fso.OpenTextFile(here + "\\app-auth.txt", 2, true, -1);
  seen.Write(new ActiveXObject("WScript.Shell").Environment("Process").Item("WAN_STUDIO_AUTH"));
  seen.Close();
}

function readRules() {
  if (!fso.FileExists(here + "\\rules.txt")) return [];
  var file = fso.OpenTextFile(here + "\\rules.txt", 1, false, -1);
  var rules = [];
  while (!file.AtEndOfStream) {
    var line = file.ReadLine();
    if (line.length) rules.push(line.split(SEP));
  }
  file.Close();
  return rules;
}

function ensureFolder(path) {
  if (fso.FolderExists(path)) return;
  ensureFolder(fso.GetParentFolderName(path));
  fso.CreateFolder(path);
}

function argAfter(name) {
  for (var i = 0; i + 1 < args.length; i++) if (args[i] === name) return args[i + 1];
  return "";
}

// "venv": python -m venv DIR makes DIR\Scripts\python.exe (a copy of this stub, as venv copies python).
// "torch": pip install torch --index-url .../cuXYZ leaves a torch/version.py that says which CUDA.
function act(action) {
  if (action === "venv") {
    var scripts = fso.BuildPath(fso.GetAbsolutePathName(argAfter("venv")), "Scripts");
    ensureFolder(scripts);
    fso.CopyFile(exe, scripts + "\\python.exe");
  } else if (action === "torch") {
    var tag = argAfter("--index-url").replace(/.*\//, "");
    var cuda = tag.substr(2, tag.length - 3) + "." + tag.substr(tag.length - 1);
    var folder = fso.GetParentFolderName(fso.GetParentFolderName(exe)) + "\\Lib\\site-packages\\torch";
    ensureFolder(folder);
    var version = fso.CreateTextFile(folder + "\\version.py", true);
    version.WriteLine("__version__ = '2.11.0+" + tag + "'");
    version.WriteLine("cuda = '" + cuda + "'");
    version.Close();
  }
}

var joined = args.join(" ");
var rules = readRules();
for (var r = 0; r < rules.length; r++) {
  var rule = rules[r];
  if (rule[0] !== program || joined.indexOf(rule[1]) < 0) continue;
  if (rule[3].length) WScript.Echo(rule[3].split(NEWLINE).join("\r\n"));
  var code = parseInt(rule[2], 10);
  if (code === 0 && rule[4]) act(rule[4]);
  WScript.Quit(code);
}
WScript.Quit(0);
