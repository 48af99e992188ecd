#!/usr/bin/env bash
# Prints the gate references of the materials suites from the installed LAMMPS: step-0 E_pair
# and Press at full precision and the total-energy drift per atom over the run, per workload size.
# The values in suites/materials-*.toml were produced with this script (Debian LAMMPS 29 Sep 2021).
set -euo pipefail
cd "$(dirname "$0")/../datasets/lammps-bench"
lmp=${LMP:-lmp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp in.lj in.eam Cu_u3.eam "$work"/
cd "$work"
sed -i 's/^thermo\t\t50$/thermo\t\t50\nthermo_modify\tformat float %.15g/' in.lj in.eam
run() { # input scale norm-atoms
  "$lmp" -in "$1" -var x "$2" -var y "$2" -var z "$2" -log none -nocite -sf opt |
    awk -v input="$1" -v scale="$2" -v perAtom="$3" '
      /^Step/ { for (i = 1; i <= NF; i++) col[$i] = i; table = 1; next }
      table && $1 ~ /^[0-9]+$/ { if (!seen++) { e0 = $col["E_pair"]; p0 = $col["Press"]; t0 = $col["TotEng"] } tl = $col["TotEng"]; next }
      /^Loop time/ { atoms = $(NF - 1); table = 0 }
      END { drift = (tl - t0) / (perAtom ? 1 : atoms); printf "%s x=%s atoms=%d e_pair=%.15g press=%.15g drift_per_atom=%.6g\n", input, scale, atoms, e0, p0, drift }'
}
for x in 0.2 0.5 1 1.5 2; do run in.lj "$x" 1; done
run in.eam 1 0
