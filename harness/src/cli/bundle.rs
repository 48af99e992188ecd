//! Evidence bundles: `keygen`, `bundle create`, `verify` and `reproduce`.

use super::{emit, progress_printer, ComparisonArgs, OutputArgs, Verdict};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct KeygenArgs {
    prefix: PathBuf,
}

#[derive(Subcommand)]
pub enum BundleCommand {
    /// Pack runs (and a claims file) into one archive with an index of every file's sha256,
    /// optionally signed.
    ///
    /// Example: claimbench bundle create runs/a runs/b --claims claims.toml --sign team.key -o evidence.cbundle
    Create {
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Claims about the runs; their verdicts are stated in the bundle.
        #[arg(long)]
        claims: Option<PathBuf>,
        #[arg(short, long)]
        out: PathBuf,
        /// Secret key from `claimbench keygen`.
        #[arg(long)]
        sign: Option<PathBuf>,
        /// Datasets up to this size travel whole, larger ones as hashes and source only.
        #[arg(long, default_value_t = 64 << 20)]
        max_dataset_bytes: u64,
        #[command(flatten)]
        comparison: ComparisonArgs,
    },
}

/// How much of someone else's bundle is read.
#[derive(clap::Args)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Refuse bundles that unpack to more bytes than this.
    #[arg(long, default_value_t = 4 << 30)]
    max_bytes: u64,
    /// Refuse bundles with more files than this.
    #[arg(long, default_value_t = 100_000)]
    max_files: usize,
}

impl LimitArgs {
    fn limits(&self) -> claimbench::bundle::archive::Limits {
        claimbench::bundle::archive::Limits { max_bytes: self.max_bytes, max_files: self.max_files }
    }
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    bundle: PathBuf,
    /// The public key the bundle must be signed with.
    #[arg(long)]
    pubkey: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
pub struct ReproduceArgs {
    bundle: PathBuf,
    #[arg(long)]
    system: String,
    /// How many items to re-run.
    #[arg(long, default_value_t = 20)]
    sample: usize,
    /// Chooses the items; pick it yourself, after the bundle was made.
    #[arg(long)]
    seed: u64,
    /// Which run, when the bundle holds several.
    #[arg(long)]
    run: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn keygen(args: KeygenArgs) -> claimbench::Result<Verdict> {
    let (secret, public) = claimbench::bundle::keys::keygen(&args.prefix)?;
    println!("wrote {} (secret, mode 0600) and {} (public)", secret.display(), public.display());
    Ok(Verdict::Fine)
}

pub fn execute(command: BundleCommand) -> claimbench::Result<Verdict> {
    let BundleCommand::Create { runs, claims, out, sign, max_dataset_bytes, comparison } = command;
    let request = claimbench::bundle::create::CreateRequest {
        runs: &runs,
        claims: claims.as_deref(),
        options: comparison.options(),
        out: &out,
        sign: sign.as_deref(),
        max_dataset_bytes,
    };
    let created = claimbench::bundle::create::create(&request)?;
    println!("bundle: {}", created.path.display());
    println!("sha256: {}", created.sha256);
    println!("index sha256: {}", created.index_sha256);
    println!("{} runs, {} files", created.runs, created.files);
    match &created.signed_by {
        Some(key) => println!("signed by key {key}"),
        None => println!("unsigned (sign with --sign KEY)"),
    }
    for dataset in &created.datasets_without_content {
        println!("dataset without content: {dataset}");
    }
    Ok(Verdict::Fine)
}

pub fn verify(args: VerifyArgs) -> claimbench::Result<Verdict> {
    emit(&claimbench::bundle::verify::verify(&args.bundle, args.pubkey.as_deref(), args.limits.limits())?, &args.output)
}

pub fn reproduce(args: ReproduceArgs) -> claimbench::Result<Verdict> {
    let request = claimbench::bundle::reproduce::ReproduceRequest {
        bundle: &args.bundle,
        system: &args.system,
        sample: args.sample,
        seed: args.seed,
        run: args.run.as_deref(),
        limits: args.limits.limits(),
    };
    emit(&claimbench::bundle::reproduce::reproduce(&request, &mut progress_printer())?, &args.output)
}
