//! WAV audio: what a file holds (rate, channels, sample format, duration), checked by reading
//! every sample, and conversion to the 16-bit mono PCM at the rate a suite gives its systems
//! (resampled with rubato's FFT resampler, channels averaged).

use rubato::Resampler;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits: u16,
    pub float: bool,
    pub frames: u64,
}

impl WavInfo {
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// Whether systems can take the file as it is: 16-bit integer PCM, mono, at `rate`.
    pub fn is_ready_for(&self, rate: u32) -> bool {
        self.sample_rate == rate && self.channels == 1 && self.bits == 16 && !self.float
    }
}

/// Reads the whole file: a missing, truncated or empty file is an error saying which.
pub fn inspect(path: &Path) -> Result<WavInfo, String> {
    read(path).map(|(info, _)| info)
}

/// The header and the samples as f32 in [-1, 1], channels interleaved.
fn read(path: &Path) -> Result<(WavInfo, Vec<f32>), String> {
    if !path.is_file() {
        return Err(format!("audio file {} not found", path.display()));
    }
    let mut reader = hound::WavReader::open(path).map_err(|e| format!("{}: not a readable WAV file: {e}", path.display()))?;
    let spec = reader.spec();
    let samples: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect()
        }
    };
    let samples = samples.map_err(|e| format!("{}: truncated or damaged WAV data: {e}", path.display()))?;
    let channels = spec.channels.max(1);
    let info = WavInfo {
        sample_rate: spec.sample_rate,
        channels,
        bits: spec.bits_per_sample,
        float: spec.sample_format == hound::SampleFormat::Float,
        frames: samples.len() as u64 / u64::from(channels),
    };
    if info.frames == 0 {
        return Err(format!("{}: the WAV file holds no audio", path.display()));
    }
    if info.sample_rate == 0 {
        return Err(format!("{}: the WAV header gives a sample rate of 0", path.display()));
    }
    Ok((info, samples))
}

/// Writes `source` as 16-bit mono PCM at `rate` to `target`.
pub fn convert(source: &Path, target: &Path, rate: u32) -> Result<(), String> {
    let (info, samples) = read(source)?;
    let channels = usize::from(info.channels);
    let mono: Vec<f32> = samples.chunks(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect();
    let resampled = if info.sample_rate == rate { mono } else { resample(&mono, info.sample_rate, rate)? };
    let spec = hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(target, spec).map_err(|e| format!("{}: {e}", target.display()))?;
    for v in resampled {
        let clipped = (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        writer.write_sample(clipped).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    writer.finalize().map_err(|e| format!("{}: {e}", target.display()))
}

fn resample(mono: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    const CHUNK: usize = 1024;
    let mut resampler = rubato::FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1)
        .map_err(|e| format!("cannot resample {from} Hz to {to} Hz: {e}"))?;
    let delay = resampler.output_delay();
    let wanted = (mono.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let mut out: Vec<f32> = Vec::with_capacity(wanted + delay + CHUNK);
    let mut position = 0;
    while out.len() < wanted + delay {
        let needed = resampler.input_frames_next();
        let mut chunk: Vec<f32> = mono.get(position..).unwrap_or_default().iter().take(needed).copied().collect();
        chunk.resize(needed, 0.0);
        position += needed;
        let produced = resampler.process(&[chunk], None).map_err(|e| format!("resampling failed: {e}"))?;
        out.extend_from_slice(&produced[0]);
    }
    Ok(out[delay..delay + wanted].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(path: &Path, rate: u32, channels: u16, seconds: f64) {
        let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for n in 0..(seconds * f64::from(rate)) as usize {
            let v = ((n as f64 * 440.0 * 2.0 * std::f64::consts::PI / f64::from(rate)).sin() * 10_000.0) as i16;
            for _ in 0..channels {
                w.write_sample(v).unwrap();
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn conversion_gives_mono_16_bit_at_the_rate_and_keeps_the_duration() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
        tone(&src, 8000, 2, 0.5);
        let before = inspect(&src).unwrap();
        assert_eq!((before.sample_rate, before.channels, before.frames), (8000, 2, 4000));
        assert!(!before.is_ready_for(16_000));
        convert(&src, &dst, 16_000).unwrap();
        let after = inspect(&dst).unwrap();
        assert!(after.is_ready_for(16_000));
        assert_eq!(after.frames, 8000);
        // The tone survives: its RMS stays close to the original's.
        let rms = |p: &Path| {
            let s: Vec<f32> = read(p).unwrap().1;
            (s.iter().map(|v| v * v).sum::<f32>() / s.len() as f32).sqrt()
        };
        assert!((rms(&dst) / rms(&src) - 1.0).abs() < 0.05, "{} vs {}", rms(&dst), rms(&src));
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        assert!(inspect(&dir.path().join("missing.wav")).unwrap_err().contains("not found"));
        let empty = dir.path().join("empty.wav");
        tone(&empty, 16_000, 1, 0.0);
        assert!(inspect(&empty).unwrap_err().contains("holds no audio"));
        let full = dir.path().join("full.wav");
        tone(&full, 16_000, 1, 0.2);
        let bytes = std::fs::read(&full).unwrap();
        let cut = dir.path().join("cut.wav");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        assert!(inspect(&cut).unwrap_err().contains("truncated or damaged"), "{:?}", inspect(&cut));
        let text = dir.path().join("text.wav");
        std::fs::write(&text, "not audio").unwrap();
        assert!(inspect(&text).unwrap_err().contains("not a readable WAV file"));
    }
}
