"""Makes the Python packages the project's helpers use importable, installing them with pip into
.tools/python the first time (the Rust build does not need them): numpy, scipy and statsmodels
for the statistics references, jiwer and whisper-normalizer for the speech-scoring references."""

import importlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(ROOT, ".tools", "python")
PACKAGES = {
    "numpy": "numpy",
    "scipy": "scipy",
    "statsmodels": "statsmodels",
    "jiwer": "jiwer==4.0.0",
    "whisper_normalizer": "whisper-normalizer==0.1.15",
}

sys.path.insert(0, DEPS)


def require(*modules):
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(PACKAGES[module])
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--target", DEPS, *missing])
        importlib.invalidate_caches()


require("numpy", "scipy", "statsmodels")
