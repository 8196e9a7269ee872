import subprocess
import sys

import autoops


def test_python_dash_m_prints_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "autoops", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"autoops {autoops.__version__}"
    assert autoops.__version__ != "0.0.0"
