@echo off
rem Start Wan Studio: make or reuse .venv, install what changed, then run the app.
rem Arguments pass through to app.py unchanged, for example: launch.bat --port 8000 --no-browser
rem (a value with an ampersand, caret, pipe or angle bracket goes in double quotes, as in any cmd line).
rem A password can come from the WAN_STUDIO_AUTH variable instead of --auth: this script leaves it alone.
rem Written for cmd.exe and Wine's cmd alike: no delayed expansion (it would eat every exclamation mark
rem in folder names and arguments), no or-else chains (Wine 8 runs the second command even when the
rem first succeeds), and gotos instead of blocks, so paths with parentheses cannot end a block early.
setlocal DisableDelayedExpansion
rem cd may fail (a network path, a name this cmd cannot handle): then stop, never make .venv elsewhere.
cd /d "%~dp0"
if not exist "%~nx0" goto no_folder
if not exist "backend\install_plan.py" goto no_folder
if exist ".venv\Scripts\python.exe" goto venv_ready

rem ---- a Python to make .venv with: the py launcher, else python on PATH; 3.10+, 64-bit, not the Store shortcut
set "PY="
set "PYEXE="
for %%I in (py.exe) do if not "%%~$PATH:I"=="" set "PY=py -3"
if defined PY goto python_found
for %%I in (python.exe) do set "PYEXE=%%~$PATH:I"
if not defined PYEXE goto no_python
set "PY=python"
:python_found
set "PYMAJOR="
set "PYMINOR="
set "PYBITS="
for /f "tokens=1-3" %%A in ('%PY% -c "import struct, sys; print(sys.version_info[0], sys.version_info[1], struct.calcsize('P') * 8)" 2^>nul') do (
  set "PYMAJOR=%%A"
  set "PYMINOR=%%B"
  set "PYBITS=%%C"
)
if not "%PYBITS%"=="64" if not "%PYBITS%"=="32" goto python_broken
if %PYMAJOR% LSS 3 goto python_old
if %PYMAJOR% EQU 3 if %PYMINOR% LSS 10 goto python_old
if not "%PYBITS%"=="64" goto python_32bit
echo Creating the virtual environment in .venv ...
%PY% -m venv .venv
if errorlevel 1 goto no_venv
if not exist ".venv\Scripts\python.exe" goto no_venv

:venv_ready
rem ---- what to install: the pinned PyTorch release, in the CUDA build the driver runs (backend\install_plan.py)
set "DRIVER="
nvidia-smi --query-gpu=driver_version --format=csv,noheader > ".venv\nvidia-driver.txt" 2>nul
if not errorlevel 1 set /p DRIVER=<".venv\nvidia-driver.txt"
del ".venv\nvidia-driver.txt" 2>nul
set "PLAN_STAMP="
for /f "usebackq tokens=1,* delims==" %%A in (`.venv\Scripts\python.exe -m backend.install_plan --driver "%DRIVER%"`) do set "PLAN_%%A=%%B"
if not defined PLAN_STAMP goto no_plan
if exist ".venv\%PLAN_STAMP%" goto run

echo Installing packages (the first run downloads a few GB) ...
.venv\Scripts\python.exe -m pip install --upgrade pip
.venv\Scripts\python.exe -m pip install -r requirements-core.txt
if errorlevel 1 goto core_failed
echo %PLAN_NOTE%
if not "%PLAN_GPU%"=="yes" goto installed
if not "%PLAN_SWAP_TORCH%"=="yes" goto torch
echo Replacing the installed PyTorch, which was built for another CUDA version ...
.venv\Scripts\python.exe -m pip uninstall -y torch torchvision torchaudio
:torch
.venv\Scripts\python.exe -m pip install %PLAN_TORCH_PACKAGES% --index-url %PLAN_TORCH_INDEX%
if errorlevel 1 goto engine_failed
.venv\Scripts\python.exe -m pip install -r requirements.txt -r requirements-lightx2v.txt
if errorlevel 1 goto engine_failed
.venv\Scripts\python.exe -m pip install --no-deps "lightx2v @ %PLAN_ENGINE_URL%"
if errorlevel 1 goto engine_failed
:installed
del /q ".venv\.installed-*" 2>nul
type nul > ".venv\%PLAN_STAMP%"
goto run

:engine_failed
echo WARNING: PyTorch or the LightX2V engine could not be installed (offline?). The app starts anyway;
echo          its System tab says what is missing, and the next launch tries again.

:run
.venv\Scripts\python.exe app.py %*
if errorlevel 1 goto app_failed
exit /b 0

:app_failed
set "APP_EXIT=%errorlevel%"
echo Wan Studio stopped with exit code %APP_EXIT%; the lines above say why.
pause
exit /b %APP_EXIT%

:no_folder
echo Cannot enter the folder that holds launch.bat: "%~dp0"
echo Copy the Wan Studio folder to a local drive (for example C:\WanStudio) and run launch.bat there.
pause
exit /b 1

:no_python
echo Python is not installed. Install Python 3.12 (64-bit) from https://www.python.org/downloads/windows/ with "Add python.exe to PATH" ticked, then run launch.bat again.
pause
exit /b 1

:python_broken
if not defined PYEXE goto python_failed
if "%PYEXE:\WindowsApps\=%"=="%PYEXE%" goto python_failed
echo "python" is only the Microsoft Store shortcut, not an installed Python. Install Python 3.12 (64-bit) from https://www.python.org/downloads/windows/ with "Add python.exe to PATH" ticked, or turn the shortcut off under Settings ^> Apps ^> Advanced app settings ^> App execution aliases, then run launch.bat again.
pause
exit /b 1

:python_failed
echo "%PY%" did not run Python. Install Python 3.12 (64-bit) from https://www.python.org/downloads/windows/ with "Add python.exe to PATH" ticked, then run launch.bat again.
pause
exit /b 1

:python_old
echo Python %PYMAJOR%.%PYMINOR% is too old: Wan Studio needs Python 3.10 or newer. Install Python 3.12 (64-bit) from https://www.python.org/downloads/windows/ with "Add python.exe to PATH" ticked, then run launch.bat again.
pause
exit /b 1

:python_32bit
echo Python %PYMAJOR%.%PYMINOR% is 32-bit; PyTorch needs 64-bit Python. Install Python 3.12 "Windows installer (64-bit)" from https://www.python.org/downloads/windows/ with "Add python.exe to PATH" ticked, then run launch.bat again.
pause
exit /b 1

:no_venv
echo Could not create .venv with "%PY%" (the lines above say why). Check that this folder is writable and not synced by OneDrive, then run launch.bat again.
pause
exit /b 1

:no_plan
echo Could not work out what to install (the lines above say why). Delete the .venv folder and run launch.bat again.
pause
exit /b 1

:core_failed
echo Installing the app's packages failed (pip's message above says why). Check the internet connection and run launch.bat again.
pause
exit /b 1
