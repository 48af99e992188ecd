//! The Lennard-Jones pair forces as candle-core tensor operations, for GPUs: the half list
//! becomes index tensors (rebuilt with the list), each step gathers both ends of every pair,
//! computes the pair force masked by the cutoff, and scatters it back with `index_add`. The
//! same code runs on candle's CPU device, which is how it is checked without a GPU.

use super::engine::{Md, Vec3};
use crate::error::{Error, Result};
use candle_core::{DType, Device, Tensor};

/// The neighbour list on the device, as of one build.
pub struct PairTensors {
    device: Device,
    first: Tensor,
    second: Tensor,
    /// Image shift per pair (pairs × 3).
    shift: Tensor,
    build: u64,
}

fn candle(e: candle_core::Error) -> Error {
    Error::new(format!("tensor force kernel: {e}"))
}

pub fn device(cuda: bool) -> Result<Device> {
    if cuda {
        Device::new_cuda(0).map_err(|e| Error::new(format!("no CUDA device for the tensor force kernel: {e}")))
    } else {
        Ok(Device::Cpu)
    }
}

impl PairTensors {
    pub fn new(md: &Md, device: Device, build: u64) -> Result<PairTensors> {
        let list = &md.neighbors;
        let (mut first, mut second, mut shift) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..md.x.len() {
            for &j in list.inside(i) {
                first.push(i as u32);
                second.push(j);
                shift.extend_from_slice(&[0.0; 3]);
            }
            for &(j, s) in list.across(i) {
                first.push(i as u32);
                second.push(j);
                shift.extend_from_slice(&list.shifts[s as usize]);
            }
        }
        let pairs = first.len();
        Ok(PairTensors {
            first: Tensor::from_slice(&first, pairs, &device).map_err(candle)?,
            second: Tensor::from_slice(&second, pairs, &device).map_err(candle)?,
            shift: Tensor::from_slice(&shift, (pairs, 3), &device).map_err(candle)?,
            device,
            build,
        })
    }

    pub fn build(&self) -> u64 {
        self.build
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Forces on every atom, and (energy, virial) when `with_energy`.
    pub fn forces(&self, md: &Md, with_energy: bool) -> Result<(Vec<Vec3>, f64, f64)> {
        let lj = md.lj();
        let n = md.x.len();
        let flat: Vec<f64> = md.x.iter().flatten().copied().collect();
        let x = Tensor::from_slice(&flat, (n, 3), &self.device).map_err(candle)?;
        let compute = || -> candle_core::Result<(Vec<Vec3>, f64, f64)> {
            let d = ((x.index_select(&self.first, 0)? - x.index_select(&self.second, 0)?)? - &self.shift)?;
            let r2 = d.sqr()?.sum_keepdim(1)?;
            let inside = r2.lt(lj.cut_sq)?.to_dtype(DType::F64)?;
            let r2inv = r2.recip()?;
            let r6inv = r2inv.powf(3.0)?;
            let force_lj = ((r6inv.affine(lj.lj1, -lj.lj2)? * &r6inv)? * &inside)?;
            let fpair = (&force_lj * &r2inv)?;
            let df = d.broadcast_mul(&fpair)?;
            let zeros = Tensor::zeros((n, 3), DType::F64, &self.device)?;
            let f = (zeros.index_add(&self.first, &df, 0)? - zeros.index_add(&self.second, &df, 0)?)?;
            let forces = f.to_vec2::<f64>()?.into_iter().map(|row| [row[0], row[1], row[2]]).collect();
            if !with_energy {
                return Ok((forces, 0.0, 0.0));
            }
            let energy = ((r6inv.affine(lj.lj3, -lj.lj4)? * &r6inv)? * &inside)?.sum_all()?.to_scalar::<f64>()?;
            let virial = force_lj.sum_all()?.to_scalar::<f64>()?;
            Ok((forces, energy, virial))
        };
        compute().map_err(candle)
    }
}
