//! Lattice builders, placing atoms where LAMMPS's `create_atoms … box` places them.

use super::engine::Vec3;

/// The four basis atoms of the conventional fcc cell, in lattice units.
const FCC_BASIS: [Vec3; 4] = [[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]];

/// fcc atoms inside `region` (bounds in lattice units, upper bounds exclusive as in LAMMPS),
/// looping z, then y, then x, then the basis: LAMMPS's creation order.
pub fn fcc_block(a: f64, region: &[[f64; 2]; 3]) -> Vec<Vec3> {
    let lo: Vec3 = std::array::from_fn(|d| region[d][0] * a);
    let hi: Vec3 = std::array::from_fn(|d| region[d][1] * a);
    let range = |d: usize| (region[d][0].floor() as i64 - 1)..=(region[d][1].ceil() as i64);
    let mut atoms = Vec::new();
    for k in range(2) {
        for j in range(1) {
            for i in range(0) {
                for basis in &FCC_BASIS {
                    let p = [(i as f64 + basis[0]) * a, (j as f64 + basis[1]) * a, (k as f64 + basis[2]) * a];
                    if (0..3).all(|d| p[d] >= lo[d] && p[d] < hi[d]) {
                        atoms.push(p);
                    }
                }
            }
        }
    }
    atoms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_cells_hold_four_atoms_each() {
        assert_eq!(fcc_block(1.0, &[[0.0, 20.0]; 3]).len(), 32_000);
        assert_eq!(fcc_block(1.5, &[[0.0, 4.0]; 3]).len(), 256);
        assert_eq!(fcc_block(1.0, &[[0.0, 2.0], [0.0, 3.0], [0.0, 1.0]]).len(), 24);
        // A half cell keeps the basis atoms below its upper face only.
        assert_eq!(fcc_block(1.0, &[[0.0, 0.5], [0.0, 1.0], [0.0, 1.0]]).len(), 2);
    }
}
