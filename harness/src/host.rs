//! The machine a run happened on. Speed figures are only meaningful with it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cores: usize,
    pub memory_bytes: u64,
    /// GPUs as `nvidia-smi` reports them; empty without NVIDIA GPUs.
    #[serde(default)]
    pub gpus: Vec<Gpu>,
    #[serde(default)]
    pub cuda_version: Option<String>,
    /// Environment settings that change speed (thread counts, visible devices).
    #[serde(default)]
    pub speed_env: BTreeMap<String, String>,
    /// Slurm job, array task and node, when the run happened inside a Slurm job.
    #[serde(default)]
    pub slurm: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gpu {
    pub name: String,
    pub driver: String,
    pub memory_mib: String,
    pub max_sm_clock_mhz: String,
    pub power_limit_w: String,
    pub mig_mode: String,
}

/// Variables whose values change how fast the same code runs.
const SPEED_ENV: &[&str] = &["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS", "CUDA_VISIBLE_DEVICES"];
const SLURM_ENV: &[&str] = &["SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURMD_NODENAME", "SLURM_JOB_PARTITION"];

/// This machine's name, as the kernel has it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string()
}

impl Host {
    /// The host of a run another harness made: unknown, and said so.
    pub fn elsewhere(harness: &str) -> Host {
        let unknown = || "unknown".to_string();
        Host {
            hostname: unknown(),
            os: unknown(),
            kernel: unknown(),
            arch: unknown(),
            cpu_model: format!("unknown: the run was made by {harness}, which does not record it"),
            cores: 0,
            memory_bytes: 0,
            gpus: Vec::new(),
            cuda_version: None,
            speed_env: BTreeMap::new(),
            slurm: BTreeMap::new(),
        }
    }

    pub fn detect() -> Host {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name") || l.starts_with("Model") || l.starts_with("cpu model"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let memory_bytes = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let env_subset = |names: &[&str]| names.iter().filter_map(|n| std::env::var(n).ok().map(|v| (n.to_string(), v))).collect();
        let (gpus, cuda_version) = nvidia_gpus();
        Host {
            hostname: hostname(),
            os,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpu_model,
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory_bytes,
            gpus,
            cuda_version,
            speed_env: env_subset(SPEED_ENV),
            slurm: env_subset(SLURM_ENV),
        }
    }

    /// What must be equal for two speed figures to be comparable, as (field, value) pairs.
    /// Host names and Slurm ids are left out: two nodes of the same kind are the same hardware.
    pub fn speed_fingerprint(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            ("cpu_model".to_string(), self.cpu_model.clone()),
            ("cores".to_string(), self.cores.to_string()),
            ("memory_gib".to_string(), format!("{:.0}", self.memory_bytes as f64 / (1u64 << 30) as f64)),
            ("arch".to_string(), self.arch.clone()),
            ("cuda_version".to_string(), self.cuda_version.clone().unwrap_or_default()),
        ];
        for (i, gpu) in self.gpus.iter().enumerate() {
            fields.push((
                format!("gpu{i}"),
                format!("{} {} MiB {} MHz {} W MIG {}", gpu.name, gpu.memory_mib, gpu.max_sm_clock_mhz, gpu.power_limit_w, gpu.mig_mode),
            ));
        }
        for (key, value) in &self.speed_env {
            fields.push((key.clone(), value.clone()));
        }
        fields
    }

    /// The fingerprint fields that differ between two hosts, as "field: A vs B".
    pub fn speed_differences(&self, other: &Host) -> Vec<String> {
        let a: BTreeMap<String, String> = self.speed_fingerprint().into_iter().collect();
        let b: BTreeMap<String, String> = other.speed_fingerprint().into_iter().collect();
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| format!("{k}: {} vs {}", a.get(k).map_or("(none)", String::as_str), b.get(k).map_or("(none)", String::as_str)))
            .collect()
    }
}

/// The instruction sets this binary was compiled to use (its kernels pick them at compile time):
/// beside a peer's own list, it tells whether a speed ratio compares engines or instruction sets.
pub fn build_instruction_sets() -> Vec<&'static str> {
    let compiled = [
        ("SSE4.2", cfg!(target_feature = "sse4.2")),
        ("AVX", cfg!(target_feature = "avx")),
        ("AVX2", cfg!(target_feature = "avx2")),
        ("FMA", cfg!(target_feature = "fma")),
        ("F16C", cfg!(target_feature = "f16c")),
        ("BMI2", cfg!(target_feature = "bmi2")),
        ("AVX512F", cfg!(target_feature = "avx512f")),
        ("AVX512BW", cfg!(target_feature = "avx512bw")),
        ("AVX512_VNNI", cfg!(target_feature = "avx512vnni")),
        ("NEON", cfg!(target_feature = "neon")),
    ];
    compiled.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect()
}

/// GPUs and the CUDA version from `nvidia-smi`, when it exists and answers.
fn nvidia_gpus() -> (Vec<Gpu>, Option<String>) {
    let run = |args: &[&str]| {
        std::process::Command::new("nvidia-smi")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let Some(table) =
        run(&["--query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit,mig.mode.current", "--format=csv,noheader,nounits"])
    else {
        return (Vec::new(), None);
    };
    (parse_gpu_table(&table), run(&[]).and_then(|banner| parse_cuda_version(&banner)))
}

/// Rows of `nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit,mig.mode.current --format=csv,noheader,nounits`.
fn parse_gpu_table(table: &str) -> Vec<Gpu> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<String> = line.split(',').map(|s| s.trim().to_string()).collect();
            let field = |i: usize| f.get(i).cloned().unwrap_or_default();
            Gpu {
                name: field(0),
                driver: field(1),
                memory_mib: field(2),
                max_sm_clock_mhz: field(3),
                power_limit_w: field(4),
                mig_mode: field(5),
            }
        })
        .collect()
}

/// The "CUDA Version: 12.4" of nvidia-smi's banner.
fn parse_cuda_version(banner: &str) -> Option<String> {
    banner.split("CUDA Version:").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_string)
}

/// UTC time as RFC 3339 with milliseconds (`2026-11-27T12:00:00.123Z`), so that runs started
/// within the same second still sort in the order they started.
pub fn utc_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = format_utc(now.as_secs());
    format!("{}.{:03}Z", seconds.trim_end_matches('Z'), now.subsec_millis())
}

pub fn format_utc(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_782_896), "2026-11-27T12:34:56Z");
    }

    #[test]
    fn nvidia_smi_output_is_parsed() {
        let gpus = parse_gpu_table(
            "NVIDIA H200, 570.124.06, 143771, 1980, 700.00, Disabled\nNVIDIA H100 80GB HBM3, 570.124.06, 81559, 1980, 700.00, [N/A]\n",
        );
        assert_eq!(gpus.len(), 2);
        assert_eq!((gpus[0].name.as_str(), gpus[0].memory_mib.as_str(), gpus[0].mig_mode.as_str()), ("NVIDIA H200", "143771", "Disabled"));
        assert_eq!(gpus[1].power_limit_w, "700.00");
        let banner = "| NVIDIA-SMI 570.124.06             Driver Version: 570.124.06     CUDA Version: 12.8     |";
        assert_eq!(parse_cuda_version(banner).as_deref(), Some("12.8"));
        assert_eq!(parse_cuda_version("no gpu"), None);
    }

    #[test]
    fn speed_differences_name_the_fields() {
        let a = Host::detect();
        let mut b = a.clone();
        assert!(a.speed_differences(&b).is_empty());
        b.hostname = "elsewhere".into();
        b.slurm.insert("SLURM_JOB_ID".into(), "7".into());
        assert!(a.speed_differences(&b).is_empty(), "host names and job ids do not change speed");
        b.cpu_model = "Other CPU".into();
        b.speed_env.insert("OMP_NUM_THREADS".into(), "1".into());
        let diffs = a.speed_differences(&b);
        assert!(diffs.iter().any(|d| d.starts_with("cpu_model: ") && d.ends_with(" vs Other CPU")), "{diffs:?}");
        assert!(diffs.iter().any(|d| d.starts_with("OMP_NUM_THREADS")), "{diffs:?}");
    }

    #[test]
    fn detects_something_about_this_machine() {
        let host = Host::detect();
        assert!(host.cores >= 1);
        assert!(!host.arch.is_empty());
    }
}
