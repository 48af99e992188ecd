//! `claimbench export`: runs' figures in the formats other people's tools read.

use super::Verdict;
use claimbench::publish::{Format, Options};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// Bencher Metric Format (bencher run --adapter json --file DIR/bencher.json).
    Bencher,
    /// Every Eval Ever records (schema 0.3.0), one per run.
    EveryEvalEver,
    /// `.eval_results/*.yaml` entries for a Hugging Face model repository.
    HfEvalResults,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Run directories.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Directory that receives the files.
    #[arg(short, long, default_value = "export")]
    out: PathBuf,
    /// The bundle holding the runs: its sha256 goes with every figure.
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// The benchmark's dataset id on the Hugging Face Hub (hf-eval-results).
    #[arg(long)]
    dataset_id: Option<String>,
    /// Where the evidence can be fetched.
    #[arg(long)]
    source_url: Option<String>,
    /// Who publishes the figures (every-eval-ever).
    #[arg(long)]
    organization: Option<String>,
}

pub fn execute(args: ExportArgs) -> claimbench::Result<Verdict> {
    let runs = args.runs.iter().map(|dir| claimbench::store::StoredRun::load(dir)).collect::<claimbench::Result<Vec<_>>>()?;
    let options = Options {
        bundle_sha256: args.bundle.as_deref().map(claimbench::fsutil::sha256_file).transpose()?,
        dataset_id: args.dataset_id,
        source_url: args.source_url,
        organization: args.organization,
        now: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
    };
    let format = match args.format {
        ExportFormat::Bencher => Format::Bencher,
        ExportFormat::EveryEvalEver => Format::EveryEvalEver,
        ExportFormat::HfEvalResults => Format::HfEvalResults,
    };
    for file in claimbench::publish::export(&runs, format, &options)? {
        let path = args.out.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| claimbench::Error::in_file(parent, e))?;
        }
        claimbench::fsutil::write_atomic(&path, &file.contents)?;
        println!("wrote {}", path.display());
    }
    Ok(Verdict::Fine)
}
