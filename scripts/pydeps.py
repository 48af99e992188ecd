"""Makes numpy, scipy and statsmodels importable, installing them with pip into .tools/python
the first time (the project's Python helpers need them; the Rust build does not)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(ROOT, ".tools", "python")
PACKAGES = ["numpy", "scipy", "statsmodels"]

sys.path.insert(0, DEPS)
try:
    import numpy, scipy, statsmodels  # noqa: F401,E401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--target", DEPS, *PACKAGES])
