"""The installed `urbangeo` console script and `python -m urbangeo`, in real subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_installed_console_script(panels, tmp_path):
    """`urbangeo` as a user runs it: the console script of this environment, in a subprocess."""
    exe = Path(sys.executable).with_name("urbangeo")
    if not exe.exists():
        pytest.skip(f"console script not installed next to {sys.executable}: pip install -e '.[cli]'")
    env = dict(os.environ)
    _, path = panels
    out = tmp_path / "w.tif"
    proc = subprocess.run(
        [exe, "subsidence", "predict", path, "--resolution-m", "50", "--param", "tan_beta=2", "-o", out],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote a" in proc.stderr and out.exists()
    # `python -m urbangeo` is the same command (for environments without the script on PATH)
    err = subprocess.run([sys.executable, "-m", "urbangeo", "info", tmp_path / "missing.gpkg"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert err.returncode == 1 and "no such file" in err.stderr and "Traceback" not in err.stderr
