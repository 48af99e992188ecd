//! Velocity-Verlet NVE of Lennard-Jones atoms in a periodic box, with LAMMPS's semantics: the
//! same lattice, the same cut (unshifted) potential, half neighbour lists with a skin rebuilt
//! on LAMMPS's schedule, and thermo quantities computed as LAMMPS computes them.

use super::input::{Distribution, Setup};
use super::lattice::fcc_block;
use super::neighbor::NeighborList;
use crate::error::{Error, Result};
use claimbench_rng::Rng;
use std::time::Instant;

pub type Vec3 = [f64; 3];

/// One row of thermo output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thermo {
    pub step: u64,
    pub temp: f64,
    pub e_pair: f64,
    pub tot_eng: f64,
    pub press: f64,
}

/// Which force kernel evaluates the pair forces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Cpu,
    /// candle-core tensor operations (`tensor` feature), on a CUDA GPU (`cuda` feature) or,
    /// to check the tensor path itself, on the CPU.
    #[cfg(feature = "tensor")]
    Tensor {
        cuda: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub atoms: usize,
    pub steps: u64,
    pub thermo: Vec<Thermo>,
    pub loop_seconds: f64,
    pub neighbor_builds: u64,
    pub threads: usize,
}

pub struct Md {
    pub(super) setup: Setup,
    pub(super) box_len: Vec3,
    pub(super) x: Vec<Vec3>,
    v: Vec<Vec3>,
    pub(super) f: Vec<Vec3>,
    pub(super) neighbors: NeighborList,
    /// Per-thread force buffers (one per extra thread), reused across steps.
    scratch: Vec<Vec<Vec3>>,
    pool: Option<rayon::ThreadPool>,
    threads: usize,
    kernel: Kernel,
    step: u64,
    last_build: u64,
    builds: u64,
    pub(super) energy: f64,
    pub(super) virial: f64,
    #[cfg(feature = "tensor")]
    pair_tensors: Option<super::tensor::PairTensors>,
}

/// Coefficients of 4ε[(σ/r)¹² − (σ/r)⁶] in LAMMPS's form.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lj {
    pub cut_sq: f64,
    pub lj1: f64,
    pub lj2: f64,
    pub lj3: f64,
    pub lj4: f64,
}

impl Md {
    /// Builds the lattice, draws the velocities and computes the first forces (LAMMPS's setup).
    pub fn new(setup: Setup, threads: usize, kernel: Kernel) -> Result<Md> {
        let a = setup.lattice_constant;
        let box_len: Vec3 = std::array::from_fn(|d| (setup.region[d][1] - setup.region[d][0]) * a);
        let x = fcc_block(a, &setup.region);
        if x.is_empty() {
            return Err(Error::in_file(&setup.source, "the box holds no atoms"));
        }
        let reach = setup.cutoff + setup.skin;
        if let Some(d) = (0..3).find(|&d| box_len[d] < 2.0 * reach) {
            return Err(Error::in_file(
                &setup.source,
                format!(
                    "box side {:.4} (dimension {}) is shorter than twice the cutoff plus skin ({:.4}); the built-in engine needs at least that",
                    box_len[d],
                    ["x", "y", "z"][d],
                    2.0 * reach
                ),
            ));
        }
        let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
        let pool = if threads > 1 {
            Some(rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| Error::new(format!("thread pool: {e}")))?)
        } else {
            None
        };
        let n = x.len();
        let v = initial_velocities(&setup, n);
        let mut md = Md {
            box_len,
            v,
            f: vec![[0.0; 3]; n],
            neighbors: NeighborList::default(),
            scratch: Vec::new(),
            pool,
            threads,
            kernel,
            step: 0,
            last_build: 0,
            builds: 0,
            energy: 0.0,
            virial: 0.0,
            #[cfg(feature = "tensor")]
            pair_tensors: None,
            x,
            setup,
        };
        md.rebuild();
        md.compute_forces(true)?;
        Ok(md)
    }

    pub fn atoms(&self) -> usize {
        self.x.len()
    }

    pub(super) fn lj(&self) -> Lj {
        let s = &self.setup;
        let (s6, s12) = (s.sigma.powi(6), s.sigma.powi(12));
        Lj {
            cut_sq: s.cutoff * s.cutoff,
            lj1: 48.0 * s.epsilon * s12,
            lj2: 24.0 * s.epsilon * s6,
            lj3: 4.0 * s.epsilon * s12,
            lj4: 4.0 * s.epsilon * s6,
        }
    }

    /// Wraps atoms into the box, orders them by cell for locality and builds the half list.
    fn rebuild(&mut self) {
        let order = self.neighbors.build(&mut self.x, self.box_len, self.setup.cutoff + self.setup.skin);
        if let Some(order) = order {
            self.v = order.iter().map(|&i| self.v[i as usize]).collect();
        }
        self.last_build = self.step;
        self.builds += 1;
    }

    fn needs_rebuild(&self) -> bool {
        let ago = self.step - self.last_build;
        let s = &self.setup;
        if ago < s.neighbor_delay || !ago.is_multiple_of(s.neighbor_every) {
            return false;
        }
        !s.neighbor_check || self.neighbors.moved_beyond(&self.x, 0.5 * s.skin)
    }

    pub(super) fn compute_forces(&mut self, with_energy: bool) -> Result<()> {
        match self.kernel {
            Kernel::Cpu => {
                self.compute_forces_cpu(with_energy);
                Ok(())
            }
            #[cfg(feature = "tensor")]
            Kernel::Tensor { cuda } => {
                if self.pair_tensors.as_ref().is_none_or(|t| t.build() != self.builds) {
                    let device = match &self.pair_tensors {
                        Some(previous) => previous.device().clone(),
                        None => super::tensor::device(cuda)?,
                    };
                    self.pair_tensors = Some(super::tensor::PairTensors::new(self, device, self.builds)?);
                }
                let tensors = self.pair_tensors.as_ref().expect("just built");
                let (forces, energy, virial) = tensors.forces(self, with_energy)?;
                self.f = forces;
                self.energy = energy;
                self.virial = virial;
                Ok(())
            }
        }
    }

    fn compute_forces_cpu(&mut self, with_energy: bool) {
        let lj = self.lj();
        let n = self.x.len();
        let (x, neighbors) = (&self.x, &self.neighbors);
        let Some(pool) = &self.pool else {
            self.f.fill([0.0; 3]);
            let (e, w) = if with_energy {
                pair_forces::<true>(x, neighbors, &lj, 0..n, &mut self.f)
            } else {
                pair_forces::<false>(x, neighbors, &lj, 0..n, &mut self.f)
            };
            self.energy = e;
            self.virial = w;
            return;
        };
        // Each thread takes a contiguous slice of atoms with its own force buffer (Newton's
        // third law writes to any atom), and the buffers are summed afterwards.
        let threads = self.threads;
        self.scratch.resize_with(threads, Vec::new);
        let chunk = n.div_ceil(threads);
        let sums: Vec<(f64, f64)> = pool.install(|| {
            use rayon::prelude::*;
            self.scratch
                .par_iter_mut()
                .enumerate()
                .map(|(t, buffer)| {
                    buffer.clear();
                    buffer.resize(n, [0.0; 3]);
                    let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                    if with_energy {
                        pair_forces::<true>(x, neighbors, &lj, range, buffer)
                    } else {
                        pair_forces::<false>(x, neighbors, &lj, range, buffer)
                    }
                })
                .collect()
        });
        let scratch = &self.scratch;
        pool.install(|| {
            use rayon::prelude::*;
            self.f.par_chunks_mut(4096).enumerate().for_each(|(c, out)| {
                let start = c * 4096;
                for (k, fk) in out.iter_mut().enumerate() {
                    let mut sum = [0.0; 3];
                    for buffer in scratch {
                        let b = buffer[start + k];
                        sum = [sum[0] + b[0], sum[1] + b[1], sum[2] + b[2]];
                    }
                    *fk = sum;
                }
            });
        });
        self.energy = sums.iter().map(|s| s.0).sum();
        self.virial = sums.iter().map(|s| s.1).sum();
    }

    pub fn thermo(&self) -> Thermo {
        let n = self.x.len() as f64;
        let mass = self.setup.mass;
        let mv2: f64 = self.v.iter().map(|v| mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2])).sum();
        let dof = 3.0 * n - 3.0;
        let temp = mv2 / dof;
        let volume = self.box_len[0] * self.box_len[1] * self.box_len[2];
        let press = (mv2 + self.virial) / (3.0 * volume);
        let norm = if self.setup.thermo_norm { n } else { 1.0 };
        Thermo { step: self.step, temp, e_pair: self.energy / norm, tot_eng: (self.energy + 0.5 * mv2) / norm, press }
    }

    /// Runs the input's `run`, returning thermo rows at the thermo interval and the last step.
    pub fn run(&mut self) -> Result<Outcome> {
        let steps = self.setup.steps;
        let every = self.setup.thermo_every;
        let dt = self.setup.timestep;
        let dtf = 0.5 * dt / self.setup.mass;
        let mut thermo = vec![self.thermo()];
        let builds_before = self.builds;
        let started = Instant::now();
        for _ in 0..steps {
            self.step += 1;
            for (x, (v, f)) in self.x.iter_mut().zip(self.v.iter_mut().zip(&self.f)) {
                for d in 0..3 {
                    v[d] += dtf * f[d];
                    x[d] += dt * v[d];
                }
            }
            if self.needs_rebuild() {
                self.rebuild();
            }
            let output = self.step == steps || (every > 0 && self.step.is_multiple_of(every));
            self.compute_forces(output)?;
            for (v, f) in self.v.iter_mut().zip(&self.f) {
                for d in 0..3 {
                    v[d] += dtf * f[d];
                }
            }
            if output {
                thermo.push(self.thermo());
            }
        }
        let loop_seconds = started.elapsed().as_secs_f64();
        Ok(Outcome {
            atoms: self.x.len(),
            steps,
            thermo,
            loop_seconds,
            neighbor_builds: self.builds - builds_before,
            threads: self.threads,
        })
    }
}

/// Forces of the half list's pairs for atoms `range` into `f`; returns (energy, virial) when
/// `ENERGY`, else zeros. Pairs within the box come first in each atom's list, then pairs
/// across a periodic boundary with the image shift to apply.
pub(super) fn pair_forces<const ENERGY: bool>(
    x: &[Vec3],
    neighbors: &NeighborList,
    lj: &Lj,
    range: std::ops::Range<usize>,
    f: &mut [Vec3],
) -> (f64, f64) {
    if range.is_empty() {
        return (0.0, 0.0);
    }
    if f.len() < x.len() {
        return (0.0, 0.0);
    }
    let mut energy = 0.0;
    let mut virial = 0.0;
    let shifts = &neighbors.shifts;
    for i in range {
        let xi = x[i];
        let mut fi = [0.0; 3];
        let mut pair = |j: usize, d: Vec3, f: &mut [Vec3]| {
            let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            // Branch-free: about a third of the list lies in the skin, beyond the cutoff, and a
            // mispredicted branch costs more than the arithmetic it would skip.
            let inside = if r2 < lj.cut_sq { 1.0 } else { 0.0 };
            let r2inv = 1.0 / r2;
            let r6inv = r2inv * r2inv * r2inv;
            let force_lj = inside * r6inv * (lj.lj1 * r6inv - lj.lj2);
            let fpair = force_lj * r2inv;
            let df = [d[0] * fpair, d[1] * fpair, d[2] * fpair];
            fi = [fi[0] + df[0], fi[1] + df[1], fi[2] + df[2]];
            let fj = &mut f[j];
            *fj = [fj[0] - df[0], fj[1] - df[1], fj[2] - df[2]];
            if ENERGY {
                energy += inside * r6inv * (lj.lj3 * r6inv - lj.lj4);
                virial += force_lj;
            }
        };
        for &j in neighbors.inside(i) {
            let xj = x[j as usize];
            pair(j as usize, [xi[0] - xj[0], xi[1] - xj[1], xi[2] - xj[2]], f);
        }
        for &(j, s) in neighbors.across(i) {
            let xj = x[j as usize];
            let s = shifts[s as usize];
            pair(j as usize, [xi[0] - xj[0] - s[0], xi[1] - xj[1] - s[1], xi[2] - xj[2] - s[2]], f);
        }
        let fo = &mut f[i];
        *fo = [fo[0] + fi[0], fo[1] + fi[1], fo[2] + fi[2]];
    }
    (energy, virial)
}

/// Seeded random velocities with zero net momentum, scaled to the target temperature with
/// 3N−3 degrees of freedom (LAMMPS's `velocity … create` with `mom yes`).
fn initial_velocities(setup: &Setup, n: usize) -> Vec<Vec3> {
    let spec = &setup.velocity;
    let mut rng = Rng::new(spec.seed);
    let mut draw = || match spec.distribution {
        Distribution::Uniform => rng.next_f64() - 0.5,
        Distribution::Gaussian => {
            // Box–Muller; 1 − u keeps the logarithm finite.
            let (u1, u2) = (1.0 - rng.next_f64(), rng.next_f64());
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    };
    let mut v: Vec<Vec3> = (0..n).map(|_| [draw(), draw(), draw()]).collect();
    if spec.zero_momentum {
        let mean: Vec3 = std::array::from_fn(|d| v.iter().map(|vi| vi[d]).sum::<f64>() / n as f64);
        for vi in &mut v {
            for d in 0..3 {
                vi[d] -= mean[d];
            }
        }
    }
    let mv2: f64 = v.iter().map(|vi| setup.mass * (vi[0] * vi[0] + vi[1] * vi[1] + vi[2] * vi[2])).sum();
    let dof = 3.0 * n as f64 - 3.0;
    let current = mv2 / dof;
    if current > 0.0 {
        let scale = (spec.temperature / current).sqrt();
        for component in v.iter_mut().flatten() {
            *component *= scale;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The classic LAMMPS LJ benchmark input, scaled (its matches with real LAMMPS logs are
    /// checked by the harness, whose parser reads those logs).
    fn lj_input(scale: &str) -> Setup {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/lammps-bench/in.lj");
        let vars: BTreeMap<String, String> = ["x", "y", "z"].iter().map(|k| (k.to_string(), scale.to_string())).collect();
        super::super::input::read(&path, &vars).unwrap()
    }

    #[test]
    fn threads_change_summation_order_only() {
        let serial = Md::new(lj_input("0.5"), 1, Kernel::Cpu).unwrap().thermo();
        let threaded = Md::new(lj_input("0.5"), 3, Kernel::Cpu).unwrap().thermo();
        // On a perfect lattice the pair terms are equal, so rounding adds up rather than cancels.
        assert!(((serial.e_pair - threaded.e_pair) / serial.e_pair).abs() < 1e-10);
        assert!(((serial.press - threaded.press) / serial.press).abs() < 1e-10);
        let a = Md::new(lj_input("0.5"), 1, Kernel::Cpu).unwrap().run().unwrap();
        let b = Md::new(lj_input("0.5"), 2, Kernel::Cpu).unwrap().run().unwrap();
        let (ea, eb) = (a.thermo.last().unwrap().tot_eng, b.thermo.last().unwrap().tot_eng);
        assert!(((ea - eb) / ea).abs() < 1e-6, "{ea} vs {eb}");
    }

    #[test]
    fn same_seed_same_trajectory() {
        let a = Md::new(lj_input("0.5"), 1, Kernel::Cpu).unwrap().run().unwrap();
        let b = Md::new(lj_input("0.5"), 1, Kernel::Cpu).unwrap().run().unwrap();
        assert_eq!(a.thermo, b.thermo);
    }

    /// The GPU kernel's code path, run on candle's CPU device (`tensor` feature).
    #[cfg(feature = "tensor")]
    #[test]
    fn tensor_kernel_agrees_with_the_cpu_kernel() {
        let cpu = Md::new(lj_input("0.5"), 1, Kernel::Cpu).unwrap().run().unwrap();
        let tensor = Md::new(lj_input("0.5"), 1, Kernel::Tensor { cuda: false }).unwrap().run().unwrap();
        let (a, b) = (cpu.thermo[0], tensor.thermo[0]);
        assert!(((a.e_pair - b.e_pair) / a.e_pair).abs() < 1e-10 && ((a.press - b.press) / a.press).abs() < 1e-10, "{a:?} vs {b:?}");
        let (a, b) = (cpu.thermo.last().unwrap(), tensor.thermo.last().unwrap());
        assert!(((a.tot_eng - b.tot_eng) / a.tot_eng).abs() < 1e-6, "{a:?} vs {b:?}");
    }

    #[test]
    fn a_box_too_small_for_the_cutoff_is_refused() {
        let err = Md::new(lj_input("0.15"), 1, Kernel::Cpu).err().unwrap();
        assert!(err.to_string().contains("shorter than twice the cutoff plus skin"), "{err}");
    }
}
