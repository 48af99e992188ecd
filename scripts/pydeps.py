"""Makes the Python packages the project's helpers use importable, installing them with pip into
.tools/python the first time (the Rust build does not need them): numpy, scipy and statsmodels
for the statistics references, jiwer and whisper-normalizer for the speech-scoring references,
lm-eval for the text suites' prompt fixtures. Inspect (inspect-ai, for the Inspect log fixtures)
goes into .tools/inspect of its own, since its pins differ from lm-eval's."""

import fcntl
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
    "lm_eval": "lm-eval==0.4.13",
    # lm-eval's API models (local-completions) import these.
    "tenacity": "lm-eval[api]==0.4.13",
    "tiktoken": "lm-eval[api]==0.4.13",
    # Checking publication exports against their formats' own schema and reader.
    "jsonschema": "jsonschema",
    "yaml": "pyyaml",
    "huggingface_hub": "huggingface_hub",
}

INSPECT = os.path.join(ROOT, ".tools", "inspect")
INSPECT_PACKAGES = ["inspect-ai==0.3.285", "openai"]

sys.path.insert(0, DEPS)


def require(*modules):
    def missing():
        absent = []
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError:
                absent.append(PACKAGES[module])
        return absent

    if not missing():
        return
    # Tests run in parallel: one process installs while the others wait, then find it there.
    os.makedirs(DEPS, exist_ok=True)
    with open(os.path.join(os.path.dirname(DEPS), "python.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        importlib.invalidate_caches()
        absent = missing()
        if absent:
            subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--target", DEPS, *absent])
            importlib.invalidate_caches()



def require_inspect():
    """Makes inspect_ai (and the openai client its OpenAI-compatible provider uses) importable
    from .tools/inspect, ahead of the other helpers' packages."""
    sys.path.insert(0, INSPECT)
    try:
        import inspect_ai  # noqa: F401
        import openai  # noqa: F401

        return
    except ImportError:
        pass
    os.makedirs(INSPECT, exist_ok=True)
    with open(os.path.join(os.path.dirname(INSPECT), "inspect.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--target", INSPECT, *INSPECT_PACKAGES])
        importlib.invalidate_caches()
