@echo off
rem Start Wan Studio: make or reuse .venv, install what changed, then run the app.
rem Arguments pass through to app.py (for example: launch.bat --port 8000 --no-browser).
setlocal EnableDelayedExpansion
cd /d "%~dp0"

rem The engine's repository archive at the pinned commit (no git needed, no submodules cloned).
set LIGHTX2V_COMMIT=f8aee98b5462cca8d7288888146ebd95592bf266
set LIGHTX2V_URL=https://github.com/ModelTC/LightX2V/archive/%LIGHTX2V_COMMIT%.tar.gz
set TORCH_INDEX=https://download.pytorch.org/whl/cu128

where py >nul 2>nul && (set PY=py -3) || (set PY=python)
%PY% --version >nul 2>nul
if errorlevel 1 (
  echo Python 3.10 or newer is needed: install it from python.org and tick "Add python.exe to PATH".
  pause
  exit /b 1
)
if not exist ".venv\Scripts\python.exe" (
  echo Creating the virtual environment in .venv ...
  %PY% -m venv .venv || (echo Could not create .venv & pause & exit /b 1)
)
set VPY=.venv\Scripts\python.exe

set GPU=no
nvidia-smi -L >nul 2>nul && set GPU=yes

rem Reinstall only when the requirement files or the GPU presence changed.
for /f "usebackq delims=" %%H in (`powershell -NoProfile -Command "(Get-FileHash -Algorithm SHA256 -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes((Get-Content requirements.txt,requirements-core.txt,requirements-lightx2v.txt -Raw) -join '')))).Hash.Substring(0,16)"`) do set KEY=%%H
set STAMP=.venv\.installed-%KEY%-%GPU%
if exist "%STAMP%" goto run

echo Installing packages (the first run downloads a few GB) ...
%VPY% -m pip install --upgrade pip
rem torch built for CUDA 12.8 runs every card from RTX 20 to RTX 50 (sm_120).
%VPY% -m pip install torch torchvision torchaudio --index-url %TORCH_INDEX% || goto failed
%VPY% -m pip install -r requirements.txt || goto failed
set ENGINE_OK=yes
if "%GPU%"=="yes" (
  %VPY% -m pip install -r requirements-lightx2v.txt || set ENGINE_OK=no
  %VPY% -m pip install --no-deps "lightx2v @ %LIGHTX2V_URL%" || set ENGINE_OK=no
)
if "%ENGINE_OK%"=="yes" (
  del /q .venv\.installed-* 2>nul
  type nul > "%STAMP%"
) else (
  echo WARNING: the LightX2V engine could not be installed ^(offline?^). The app starts anyway;
  echo          its System tab says how to fix it, and the next launch tries again.
)

:run
%VPY% app.py %*
if errorlevel 1 pause
exit /b %errorlevel%

:failed
echo Installing packages failed. Check the internet connection and run launch.bat again.
pause
exit /b 1
