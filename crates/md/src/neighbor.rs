//! Half neighbour lists within cutoff + skin, built from cells. Each pair is stored once; pairs
//! that reach across a periodic boundary carry the image shift, so that between rebuilds the
//! force loop needs no minimum-image test (what LAMMPS does with ghost atoms).

use super::engine::Vec3;

/// Shift code of the image (0, 0, 0).
const NO_SHIFT: u8 = 13;

#[derive(Debug, Default)]
pub struct NeighborList {
    inside_start: Vec<u32>,
    inside: Vec<u32>,
    across_start: Vec<u32>,
    across: Vec<(u32, u8)>,
    /// Box translation per shift code `(sx+1)*9 + (sy+1)*3 + (sz+1)`.
    pub shifts: [Vec3; 27],
    positions_at_build: Vec<Vec3>,
}

impl NeighborList {
    /// Neighbours of `i` in the box itself.
    pub fn inside(&self, i: usize) -> &[u32] {
        &self.inside[self.inside_start[i] as usize..self.inside_start[i + 1] as usize]
    }

    /// Neighbours of `i` through a periodic boundary, with their shift codes.
    pub fn across(&self, i: usize) -> &[(u32, u8)] {
        &self.across[self.across_start[i] as usize..self.across_start[i + 1] as usize]
    }

    /// Atoms the list was built for; every stored index is below it.
    pub fn atoms(&self) -> usize {
        self.positions_at_build.len()
    }

    pub fn pairs(&self) -> usize {
        self.inside.len() + self.across.len()
    }

    /// Whether any atom moved more than `distance` since the last build (`check yes`).
    pub fn moved_beyond(&self, x: &[Vec3], distance: f64) -> bool {
        let limit = distance * distance;
        x.iter().zip(&self.positions_at_build).any(|(a, b)| {
            let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
            d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > limit
        })
    }

    /// Wraps `x` into the box, reorders it by cell and rebuilds the list. Returns the new order
    /// (`order[new] = old`) so that other per-atom arrays can follow.
    pub fn build(&mut self, x: &mut Vec<Vec3>, box_len: Vec3, reach: f64) -> Option<Vec<u32>> {
        for p in x.iter_mut() {
            for d in 0..3 {
                p[d] -= (p[d] / box_len[d]).floor() * box_len[d];
                // Rounding can leave a coordinate exactly on the upper face.
                if p[d] >= box_len[d] {
                    p[d] -= box_len[d];
                }
            }
        }
        for code in 0..27u8 {
            let s = shift_of(code);
            self.shifts[code as usize] = std::array::from_fn(|d| s[d] as f64 * box_len[d]);
        }
        // Cells at least half the reach wide: a neighbour is at most two cells away, and with
        // five or more cells per side no neighbour cell is met twice.
        let cells: [usize; 3] = std::array::from_fn(|d| (2.0 * box_len[d] / reach).floor() as usize);
        let order = if cells.iter().all(|&c| c >= 5) {
            let order = sort_by_cell(x, box_len, cells);
            let cell_size: Vec3 = std::array::from_fn(|d| box_len[d] / cells[d] as f64);
            self.build_from_cells(x, box_len, cells, reach, &half_stencil(cell_size, reach));
            Some(order)
        } else {
            self.build_all_pairs(x, box_len, reach);
            None
        };
        self.positions_at_build.clone_from(x);
        order
    }

    fn clear(&mut self, n: usize) {
        self.inside.clear();
        self.across.clear();
        self.inside_start.clear();
        self.across_start.clear();
        self.inside_start.reserve(n + 1);
        self.across_start.reserve(n + 1);
    }

    fn push(&mut self, j: usize, code: u8) {
        if code == NO_SHIFT {
            self.inside.push(j as u32);
        } else {
            self.across.push((j as u32, code));
        }
    }

    fn close_atom(&mut self) {
        self.inside_start.push(self.inside.len() as u32);
        self.across_start.push(self.across.len() as u32);
    }

    /// Atoms sorted by cell, so every cell's atoms are contiguous; the half stencil plus the
    /// atom's own cell (later atoms only) give each pair exactly once.
    fn build_from_cells(&mut self, x: &[Vec3], box_len: Vec3, cells: [usize; 3], reach: f64, stencil: &[[i64; 3]]) {
        let reach_sq = reach * reach;
        let cell_count = cells[0] * cells[1] * cells[2];
        let mut cell_start = vec![0usize; cell_count + 1];
        for p in x {
            cell_start[cell_index(p, box_len, cells) + 1] += 1;
        }
        for c in 0..cell_count {
            cell_start[c + 1] += cell_start[c];
        }
        self.clear(x.len());
        self.close_atom_start();
        // Each cell's neighbour cells with the image shift to apply, worked out once per build.
        let mut neighbor_cells: Vec<(usize, u8)> = Vec::with_capacity(cell_count * stencil.len());
        for c in 0..cell_count {
            let own = [c % cells[0], (c / cells[0]) % cells[1], c / (cells[0] * cells[1])];
            for offset in stencil {
                let mut code = 0u8;
                let mut neighbor = [0usize; 3];
                for d in 0..3 {
                    let u = own[d] as i64 + offset[d];
                    let (wrapped, s) = if u < 0 {
                        (u + cells[d] as i64, -1)
                    } else if u >= cells[d] as i64 {
                        (u - cells[d] as i64, 1)
                    } else {
                        (u, 0)
                    };
                    neighbor[d] = wrapped as usize;
                    code = code * 3 + (s + 1) as u8;
                }
                neighbor_cells.push((neighbor[0] + cells[0] * (neighbor[1] + cells[1] * neighbor[2]), code));
            }
        }
        let mut candidates: Vec<(u32, u8)> = Vec::new();
        for (i, xi) in x.iter().enumerate() {
            let c = cell_index(xi, box_len, cells);
            for (k, &(nc, code)) in neighbor_cells[c * stencil.len()..(c + 1) * stencil.len()].iter().enumerate() {
                let shift = self.shifts[code as usize];
                let first = if stencil[k] == [0, 0, 0] { i + 1 } else { cell_start[nc] };
                let last = cell_start[nc + 1].max(first);
                // Branch-free compaction: every candidate is written, and kept when within reach.
                let base = candidates.len();
                candidates.resize(base + (last - first), (0, 0));
                let mut kept = base;
                for (j, xj) in x[first..last].iter().enumerate() {
                    let d = [xi[0] - xj[0] - shift[0], xi[1] - xj[1] - shift[1], xi[2] - xj[2] - shift[2]];
                    candidates[kept] = ((first + j) as u32, code);
                    kept += usize::from(d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < reach_sq);
                }
                candidates.truncate(kept);
            }
            for &(j, code) in &candidates {
                self.push(j as usize, code);
            }
            candidates.clear();
            self.close_atom();
        }
    }

    /// For boxes under three cells wide: every pair at its nearest image.
    fn build_all_pairs(&mut self, x: &[Vec3], box_len: Vec3, reach: f64) {
        let reach_sq = reach * reach;
        self.clear(x.len());
        self.close_atom_start();
        for (i, xi) in x.iter().enumerate() {
            for (j, xj) in x.iter().enumerate().skip(i + 1) {
                let mut code = 0u8;
                let mut r2 = 0.0;
                for d in 0..3 {
                    let mut delta = xi[d] - xj[d];
                    let s = if delta > 0.5 * box_len[d] {
                        1
                    } else if delta < -0.5 * box_len[d] {
                        -1
                    } else {
                        0
                    };
                    delta -= s as f64 * box_len[d];
                    r2 += delta * delta;
                    code = code * 3 + (s + 1) as u8;
                }
                if r2 < reach_sq {
                    self.push(j, code);
                }
            }
            self.close_atom();
        }
    }

    fn close_atom_start(&mut self) {
        self.inside_start.push(0);
        self.across_start.push(0);
    }
}

fn shift_of(code: u8) -> [i64; 3] {
    [(code / 9) as i64 - 1, ((code / 3) % 3) as i64 - 1, (code % 3) as i64 - 1]
}

fn cell_index(p: &Vec3, box_len: Vec3, cells: [usize; 3]) -> usize {
    let c: [usize; 3] = std::array::from_fn(|d| ((p[d] / box_len[d] * cells[d] as f64) as usize).min(cells[d] - 1));
    c[0] + cells[0] * (c[1] + cells[1] * c[2])
}

/// The own cell and the neighbour cells within `reach` of it (up to two cells away) that come
/// after it in (z, y, x) order: each pair of cells is visited once.
fn half_stencil(cell_size: Vec3, reach: f64) -> Vec<[i64; 3]> {
    let mut stencil = Vec::new();
    for dz in -2..=2i64 {
        for dy in -2..=2i64 {
            for dx in -2..=2i64 {
                let offset = [dx, dy, dz];
                let gap: f64 = (0..3).map(|d| ((offset[d].abs() - 1).max(0) as f64 * cell_size[d]).powi(2)).sum();
                if (dz, dy, dx) >= (0, 0, 0) && gap < reach * reach {
                    stencil.push(offset);
                }
            }
        }
    }
    stencil
}

/// Stable counting sort of atoms by cell; returns `order[new] = old`.
fn sort_by_cell(x: &mut Vec<Vec3>, box_len: Vec3, cells: [usize; 3]) -> Vec<u32> {
    let keys: Vec<usize> = x.iter().map(|p| cell_index(p, box_len, cells)).collect();
    let mut start = vec![0usize; cells[0] * cells[1] * cells[2] + 1];
    for &k in &keys {
        start[k + 1] += 1;
    }
    for c in 1..start.len() {
        start[c] += start[c - 1];
    }
    let mut order = vec![0u32; x.len()];
    for (old, &k) in keys.iter().enumerate() {
        order[start[k]] = old as u32;
        start[k] += 1;
    }
    *x = order.iter().map(|&i| x[i as usize]).collect();
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::fcc_block;

    /// Every pair within reach, by brute force at the nearest image.
    fn brute_pairs(x: &[Vec3], box_len: Vec3, reach: f64) -> usize {
        let mut count = 0;
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let r2: f64 = (0..3)
                    .map(|d| {
                        let delta = x[i][d] - x[j][d];
                        let delta = delta - (delta / box_len[d]).round() * box_len[d];
                        delta * delta
                    })
                    .sum();
                if r2 < reach * reach {
                    count += 1;
                }
            }
        }
        count
    }

    #[test]
    fn cells_and_all_pairs_find_the_same_pairs() {
        let a = (4.0f64 / 0.8442).cbrt();
        let mut rng = claimbench_rng::Rng::new(3);
        let mut x = fcc_block(a, &[[0.0, 6.0]; 3]);
        for p in &mut x {
            for c in p.iter_mut() {
                *c += 0.3 * (rng.next_f64() - 0.5);
            }
        }
        let box_len = [6.0 * a; 3];
        let expected = brute_pairs(&x, box_len, 2.8);
        let mut by_cells = NeighborList::default();
        let mut xc = x.clone();
        assert!(by_cells.build(&mut xc, box_len, 2.8).is_some());
        assert_eq!(by_cells.pairs(), expected);
        let mut by_pairs = NeighborList::default();
        let mut xp = x.clone();
        assert!(by_pairs.build(&mut xp, box_len, 4.5).is_none());
        assert_eq!(by_pairs.pairs(), brute_pairs(&x, box_len, 4.5));
    }
}
