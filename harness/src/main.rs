//! The `claimbench` command line: parses arguments and calls the library.

use claimbench::compare::claims::check_claims;
use claimbench::compare::history::{history, Gate, HistoryOptions, Order};
use claimbench::compare::plan::{plan, PlanRequest};
use claimbench::compare::{compare, resolve_run, CompareOptions};
use claimbench::report::findings::{self, Findings, Format};
use claimbench::run::slurm::{self, SlurmOptions};
use claimbench::run::{run_local, RunRequest};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Reproducible benchmarks whose numbers a reviewer can check.
#[derive(Parser)]
#[command(
    name = "claimbench",
    version,
    about,
    long_about = None,
    after_help = "Exit status: 0 success; 1 a claim is refuted or a regression was found; 2 a usage or input error (bad file, failing system, incomplete run)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List, validate and inspect suite specs.
    Suites {
        #[command(subcommand)]
        command: SuitesCommand,
    },
    /// Run a suite against a system and store the results in a new run directory.
    ///
    /// Example: claimbench run gsm8k --system predictions:preds.jsonl
    ///
    /// Example: claimbench run gsm8k --system sys.toml --executor slurm --shards 8 --gpus-per-task 1
    Run {
        /// Suite id (looked up in --suites-dir) or path to a suite TOML file.
        #[arg(required_unless_present = "resume")]
        suite: Option<String>,
        /// A system TOML file, or KIND:ARG: predictions:FILE.jsonl, command:PROGRAM [ARG…].
        #[arg(long, required_unless_present = "resume")]
        system: Option<String>,
        /// Score only the first N items (in dataset order).
        #[arg(long)]
        limit: Option<usize>,
        /// Seed for the bootstrap intervals and for systems that sample.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Directory that receives the run directory (for Slurm: on a filesystem the nodes share).
        #[arg(long, default_value = "runs")]
        out: PathBuf,
        #[arg(long, default_value = "suites")]
        suites_dir: PathBuf,
        /// Where items run: here (local) or as a Slurm job array (slurm).
        #[arg(long, default_value = "local", value_parser = ["local", "slurm"])]
        executor: String,
        /// Slurm: number of shards (array tasks).
        #[arg(long, default_value_t = 1)]
        shards: usize,
        #[arg(long)]
        partition: Option<String>,
        #[arg(long)]
        gpus_per_task: Option<u32>,
        #[arg(long)]
        cpus_per_task: Option<u32>,
        /// Slurm time limit per task, e.g. 2:00:00.
        #[arg(long)]
        time: Option<String>,
        #[arg(long)]
        account: Option<String>,
        /// Extra sbatch option, repeatable: --sbatch-arg=--qos=high
        #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
        sbatch_args: Vec<String>,
        /// Slurm: submit and return; finish with `claimbench status` and `claimbench gather`.
        #[arg(long)]
        detach: bool,
        /// Complete an interrupted run: rerun only its unfinished items (local) or the shards
        /// that failed or never ran (Slurm).
        #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["suite", "system"])]
        resume: Option<PathBuf>,
    },
    /// Run one shard of a Slurm run (what each array task executes).
    Worker {
        run_dir: PathBuf,
        #[arg(long)]
        shard: usize,
    },
    /// Where each shard of a Slurm run stands.
    Status { run_dir: PathBuf },
    /// Gather the finished shards of a Slurm run into its samples, metrics and manifest.
    Gather { run_dir: PathBuf },
    /// How closely two runs of the same items agree, output by output, as JSON: identical
    /// outputs, same answers, token-level agreement of generations (with --tokenizer), and for
    /// log-likelihood runs how far the log-likelihoods differ
    Agree {
        a: PathBuf,
        b: PathBuf,
        /// A GGUF model whose tokenizer splits outputs into tokens.
        #[arg(long)]
        tokenizer: Option<PathBuf>,
        /// A GGUF model to replay A's generations through: how often its greedy choice is A's
        /// next token, given A's tokens so far (teacher-forced agreement).
        #[arg(long)]
        model: Option<PathBuf>,
        /// With --model: requantize its Q4_1 tensors to Q8_0.
        #[arg(long)]
        requantize_q4_1: bool,
    },
    /// Compare two runs item by item: both values, the improvement with paired intervals, the
    /// test and its p-value per metric.
    ///
    /// Example: claimbench compare runs/base runs/new --format markdown
    ///
    /// Example: claimbench compare --results runs/ system=sum system=last-number
    Compare {
        /// Run directory, or with --results a selector: system=NAME[,suite=ID][,run=ID][,commit=SHA].
        baseline: String,
        candidate: String,
        /// Pick runs under this directory by selector; the newest complete match wins.
        #[arg(long)]
        results: Option<PathBuf>,
        #[command(flatten)]
        comparison: ComparisonArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check claims stated in a claims TOML file.
    Claim {
        #[command(subcommand)]
        command: ClaimCommand,
    },
    /// Items needed to detect an accuracy gain, and the smallest gain a suite can detect.
    ///
    /// Example: claimbench plan gsm8k --effect 0.28 --relative --baseline-accuracy 0.3
    Plan {
        /// Suite id or path to a suite TOML file.
        suite: String,
        /// Accuracy gain to detect (absolute, or relative with --relative).
        #[arg(long)]
        effect: f64,
        #[arg(long)]
        relative: bool,
        /// Expected baseline accuracy (without --pilot).
        #[arg(long)]
        baseline_accuracy: Option<f64>,
        /// Baseline and candidate runs of a pilot, for the rate at which the systems disagree.
        #[arg(long, num_args = 2, value_names = ["BASELINE", "CANDIDATE"])]
        pilot: Option<Vec<PathBuf>>,
        #[arg(long, default_value_t = 0.8)]
        power: f64,
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        #[arg(long, default_value = "suites")]
        suites_dir: PathBuf,
        /// text or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Gather every run under a directory, order them, and find regressions and improvements.
    ///
    /// Example: claimbench history runs/ --format junit -o history.xml
    History {
        results: PathBuf,
        /// Order runs by start time or by claimbench's git commit (git rev-list order).
        #[arg(long, default_value = "time", value_parser = ["time", "commit"])]
        order: String,
        /// Runs before each point that form its baseline.
        #[arg(long, default_value_t = 5)]
        window: usize,
        /// False discovery rate across all tests (Benjamini–Hochberg).
        #[arg(long, default_value_t = 0.05)]
        fdr: f64,
        /// Fail on a regression at the newest run of a series (latest) or anywhere (any).
        #[arg(long, default_value = "latest", value_parser = ["latest", "any"])]
        gate: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Write a report of one or more runs: a self-contained index.html, summary.md, metrics.csv,
    /// report.json, junit.xml and plots (PNG and SVG) under plots/.
    ///
    /// Example: claimbench report runs/gsm8k-* --claims claims.toml -o reports/gsm8k
    Report {
        /// Run directories.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long)]
        out: PathBuf,
        /// A claims file to check and show (repeatable).
        #[arg(long)]
        claims: Vec<PathBuf>,
        /// A results directory whose run history to plot, with regressions marked.
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Write an ed25519 key pair for signing bundles: PREFIX.key (secret, mode 0600) and PREFIX.pub.
    Keygen { prefix: PathBuf },
    /// Make and inspect evidence bundles.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Check a bundle: signature, every file hash, every sample re-scored from its raw output,
    /// metrics and claim verdicts recomputed and compared bit for bit. Exit 1 if any check fails.
    ///
    /// Example: claimbench verify evidence.cbundle --pubkey team.pub
    Verify {
        bundle: PathBuf,
        /// The public key the bundle must be signed with.
        #[arg(long)]
        pubkey: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Re-run a random subset of a bundle's items (picked by --seed, after the bundle is fixed)
    /// against a system and check outputs and scores agree within the suite's tolerance.
    ///
    /// Example: claimbench reproduce evidence.cbundle --system examples/systems/sum.toml --sample 20 --seed 4711
    Reproduce {
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
    },
    /// Word error rate of a JSONL file of {"reference": …, "hypothesis": …} pairs: S/D/I totals,
    /// corpus WER, MER and WIL, as JSON.
    ///
    /// Example: claimbench wer pairs.jsonl --normaliser basic --convention sclite
    Wer {
        pairs: PathBuf,
        /// levenshtein (minimal errors, jiwer's S/D/I) or sclite (NIST sclite's weighted alignment).
        #[arg(long, default_value = "levenshtein", value_parser = ["levenshtein", "sclite"])]
        convention: String,
        #[arg(long, default_value = "none", value_parser = ["none", "basic", "whisper-english"])]
        normaliser: String,
    },
    /// Run the built-in MD engine on a LAMMPS input (the in.lj subset) and print its log, as
    /// `lmp -in INPUT -var NAME VALUE` would.
    ///
    /// Example: claimbench md datasets/lammps-bench/in.lj --var x 2 --var y 2 --var z 2 --threads 0
    Md {
        input: PathBuf,
        /// Sets an index variable before the input runs (repeatable).
        #[arg(long = "var", num_args = 2, value_names = ["NAME", "VALUE"], action = clap::ArgAction::Append)]
        vars: Vec<String>,
        /// Force-loop threads; 0 uses every core.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// cpu, or cuda (needs a build with --features cuda).
        #[arg(long, default_value = "cpu")]
        device: String,
    },
    /// Runs the built-in GGUF model directly: one JSON line per prompt with its tokens, the
    /// generated text and tokens, and prompt and decode speed.
    #[cfg(feature = "gguf")]
    Gguf {
        model: PathBuf,
        /// A prompt (repeatable).
        #[arg(long)]
        prompt: Vec<String>,
        /// A JSON-lines file of {"prompt": …} objects.
        #[arg(long)]
        prompts: Option<PathBuf>,
        #[arg(long, default_value_t = 64)]
        max_tokens: usize,
        /// Compute threads; 0 uses every core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Requantize Q4_1 tensors to Q8_0 at load.
        #[arg(long)]
        requantize_q4_1: bool,
        /// Format each prompt as a user message with the model's chat template.
        #[arg(long)]
        chat: bool,
        /// Only print each prompt's tokens.
        #[arg(long)]
        tokenize_only: bool,
        /// Keep generating past end-of-generation tokens (for speed measurements).
        #[arg(long)]
        ignore_eos: bool,
        /// cpu, or cuda (needs a build with --features cuda).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Forward pass: native (CPU), candle (candle-transformers, CPU or CUDA), auto: native on the CPU.
        #[arg(long, value_enum, default_value = "auto")]
        engine: claimbench::systems::gguf::Engine,
    },
}

#[derive(clap::Args)]
struct ComparisonArgs {
    /// Compare runs whose suite, dataset or scoring differ; every output says so.
    #[arg(long)]
    force: bool,
    /// Compare speed metrics across different hardware; every output says so.
    #[arg(long)]
    allow_cross_hardware: bool,
    /// Compare incomplete runs, or runs with different items, on the items both have.
    #[arg(long)]
    allow_partial: bool,
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[arg(long, default_value_t = claimbench::stats::bootstrap::DEFAULT_RESAMPLES, value_parser = resamples_arg)]
    resamples: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn resamples_arg(text: &str) -> Result<usize, String> {
    let n: usize = text.parse().map_err(|e| format!("{e}"))?;
    claimbench::stats::bootstrap::check_resamples(n)?;
    Ok(n)
}

impl ComparisonArgs {
    fn options(&self) -> CompareOptions {
        CompareOptions {
            force: self.force,
            allow_cross_hardware: self.allow_cross_hardware,
            allow_partial: self.allow_partial,
            level: self.level,
            resamples: self.resamples,
            seed: self.seed,
        }
    }
}

#[derive(clap::Args)]
struct OutputArgs {
    /// text, markdown (for pull-request comments or $GITHUB_STEP_SUMMARY), json or junit.
    #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json", "junit"])]
    format: String,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
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

#[derive(Subcommand)]
enum BundleCommand {
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

#[derive(Subcommand)]
enum ClaimCommand {
    /// SUPPORTED, REFUTED or INCONCLUSIVE for each claim, with estimate, interval and p-value.
    ///
    /// Example: claimbench claim check claims.toml --format junit -o claims.xml
    Check {
        claims: PathBuf,
        #[command(flatten)]
        comparison: ComparisonArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand)]
enum SuitesCommand {
    /// List the suite files of a directory.
    List {
        #[arg(long, default_value = "suites")]
        dir: PathBuf,
    },
    /// Check a suite file, its dataset's hashes and its items.
    Validate { file: PathBuf },
    /// Print every scored item as a JSON line: id, index and a preview.
    Items {
        suite: String,
        #[arg(long, default_value = "suites")]
        suites_dir: PathBuf,
    },
}

/// How a successful command ended: fine, or a check that failed (exit 1).
enum Verdict {
    Fine,
    Failed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    claimbench::secrets::register_environment();
    match dispatch(cli.command) {
        Ok(Verdict::Fine) => ExitCode::SUCCESS,
        Ok(Verdict::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", claimbench::secrets::scrub(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// Writes findings in the chosen format; failed findings make the exit status 1.
fn emit(findings: &Findings, output: &OutputArgs) -> claimbench::Result<Verdict> {
    let format = Format::parse(&output.format).expect("clap restricts the formats");
    let text = format.exporter().render(findings);
    match &output.output {
        Some(path) => claimbench::fsutil::write_atomic(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(if findings.failed() { Verdict::Failed } else { Verdict::Fine })
}

fn dispatch(command: Command) -> claimbench::Result<Verdict> {
    match command {
        Command::Agree { a, b, tokenizer, model, requantize_q4_1 } => {
            let (a, b) = (claimbench::store::StoredRun::load(&a)?, claimbench::store::StoredRun::load(&b)?);
            #[cfg(feature = "gguf")]
            if let Some(model) = model {
                let config =
                    claimbench::systems::gguf::GgufConfig { model: model.display().to_string(), requantize_q4_1, ..Default::default() };
                let loaded = claimbench::run::load_suite(&a.manifest.suite.path, std::path::Path::new("."))?;
                let prompts = loaded.task.items.iter().map(|i| (i.id.as_str(), i.prompt.as_str())).collect();
                let forced = claimbench::systems::gguf::teacher_forced_run(&config, &a, &prompts, loaded.suite.spec.generation.chat)?;
                println!("{}", serde_json::to_string_pretty(&forced).expect("agreement serialises"));
            }
            #[cfg(not(feature = "gguf"))]
            if model.is_some() || requantize_q4_1 {
                return Err(claimbench::Error::new("--model needs a build with the gguf feature"));
            }
            let agreement = match tokenizer {
                #[cfg(feature = "gguf")]
                Some(model) => {
                    let tokenizer = claimbench::systems::gguf::load_tokenizer(&model)?;
                    claimbench::compare::agreement::agreement(&a, &b, Some(&|text: &str| tokenizer.encode(text)))?
                }
                #[cfg(not(feature = "gguf"))]
                Some(_) => return Err(claimbench::Error::new("--tokenizer needs a build with the gguf feature")),
                None => claimbench::compare::agreement::agreement(&a, &b, None)?,
            };
            println!("{}", serde_json::to_string_pretty(&agreement).expect("agreement serialises"));
            Ok(Verdict::Fine)
        }
        Command::Compare { baseline, candidate, results, comparison, output } => {
            let baseline = resolve_run(results.as_deref(), &baseline)?;
            let candidate = resolve_run(results.as_deref(), &candidate)?;
            let result = compare(&baseline, &candidate, &comparison.options())?;
            emit(&findings::from_comparison(&result, &baseline.display().to_string(), &candidate.display().to_string()), &output)
        }
        Command::Claim { command: ClaimCommand::Check { claims, comparison, output } } => {
            emit(&findings::from_claims(&check_claims(&claims, &comparison.options())?), &output)
        }
        Command::Plan { suite, effect, relative, baseline_accuracy, pilot, power, level, suites_dir, format } => {
            let loaded = claimbench::run::load_suite(&suite, &suites_dir)?;
            let pilot_paths = pilot.as_ref().map(|p| (p[0].as_path(), p[1].as_path()));
            let request =
                PlanRequest { suite_items: loaded.task.items.len(), effect, relative, baseline_accuracy, pilot: pilot_paths, level, power };
            let result = plan(&request)?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&result).expect("plans serialise"));
            } else {
                println!(
                    "suite {}: {} items; baseline accuracy {:.4}; systems disagree on {:.1}% of items ({})",
                    loaded.suite.id(),
                    result.suite_items,
                    result.baseline_accuracy,
                    result.discordance * 100.0,
                    result.discordance_from
                );
                println!(
                    "to detect an accuracy gain of {:.4} with {:.0}% power at {:.0}% confidence: {} items ({})",
                    result.absolute_effect,
                    result.power * 100.0,
                    result.level * 100.0,
                    result.items_needed,
                    if result.suite_is_large_enough { "the suite is large enough" } else { "MORE than the suite has" }
                );
                println!("smallest gain the suite's {} items detect: {:.4}", result.suite_items, result.minimum_detectable_effect);
            }
            Ok(Verdict::Fine)
        }
        Command::History { results, order, window, fdr, gate, output } => {
            let options = HistoryOptions {
                order: if order == "commit" { Order::Commit } else { Order::Time },
                window,
                fdr,
                gate: if gate == "any" { Gate::Any } else { Gate::Latest },
            };
            let report = history(&results, &options)?;
            emit(&findings::from_history(&report, options.gate), &output)
        }
        Command::Suites { command: SuitesCommand::List { dir } } => {
            for listing in claimbench::list_suites(&dir)? {
                match listing.outcome {
                    Ok((id, version, task, dataset)) => println!("{id}\t{version}\t{task}\t{dataset}\t{}", listing.path.display()),
                    Err(e) => println!("INVALID\t{e}"),
                }
            }
            Ok(Verdict::Fine)
        }
        Command::Suites { command: SuitesCommand::Validate { file } } => {
            println!("{}", claimbench::validate_suite(&file)?);
            Ok(Verdict::Fine)
        }
        Command::Suites { command: SuitesCommand::Items { suite, suites_dir } } => {
            let mut stdout = std::io::stdout().lock();
            for line in claimbench::suite_items(&suite, &suites_dir)? {
                if writeln!(stdout, "{line}").is_err() {
                    break; // the reader went away (e.g. `| head`)
                }
            }
            Ok(Verdict::Fine)
        }
        Command::Run {
            suite,
            system,
            limit,
            seed,
            out,
            suites_dir,
            executor,
            shards,
            partition,
            gpus_per_task,
            cpus_per_task,
            time,
            account,
            sbatch_args,
            detach,
            resume,
        } => {
            let mut say = |line: &str| eprintln!("{}", claimbench::secrets::scrub(line));
            if let Some(dir) = resume {
                let summary = if slurm::is_slurm_run(&dir) {
                    slurm::resume(&dir, detach, &mut say)?
                } else {
                    Some(claimbench::run::resume_local(&dir, &mut progress_printer())?)
                };
                return Ok(summary.map_or(Verdict::Fine, |summary| print_summary(&summary, summary.manifest.seed)));
            }
            let request = RunRequest { suite: suite.unwrap_or_default(), suites_dir, system: system.unwrap_or_default(), limit, seed, out };
            if executor == "slurm" {
                let options = SlurmOptions { shards, partition, gpus_per_task, cpus_per_task, time, account, sbatch_args, detach };
                return Ok(slurm::run_slurm(&request, &options, &mut say)?.map_or(Verdict::Fine, |summary| print_summary(&summary, seed)));
            }
            let mut progress = progress_printer();
            let summary = run_local(&request, &mut progress)?;
            Ok(print_summary(&summary, seed))
        }
        Command::Worker { run_dir, shard } => {
            slurm::worker(&run_dir, shard)?;
            Ok(Verdict::Fine)
        }
        Command::Status { run_dir } => {
            let states = slurm::shard_states(&run_dir)?;
            for (shard, state) in states.iter().enumerate() {
                println!("shard {shard}: {}", slurm::describe(state));
            }
            println!("{}", slurm::summarise_states(&states));
            Ok(Verdict::Fine)
        }
        Command::Gather { run_dir } => {
            let summary = slurm::gather(&run_dir)?;
            Ok(print_summary(&summary, summary.manifest.seed))
        }
        Command::Keygen { prefix } => {
            let (secret, public) = claimbench::bundle::keys::keygen(&prefix)?;
            println!("wrote {} (secret, mode 0600) and {} (public)", secret.display(), public.display());
            Ok(Verdict::Fine)
        }
        Command::Bundle { command: BundleCommand::Create { runs, claims, out, sign, max_dataset_bytes, comparison } } => {
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
        Command::Verify { bundle, pubkey, limits, output } => {
            emit(&claimbench::bundle::verify::verify(&bundle, pubkey.as_deref(), limits.limits())?, &output)
        }
        Command::Reproduce { bundle, system, sample, seed, run, limits, output } => {
            let request = claimbench::bundle::reproduce::ReproduceRequest {
                bundle: &bundle,
                system: &system,
                sample,
                seed,
                run: run.as_deref(),
                limits: limits.limits(),
            };
            emit(&claimbench::bundle::reproduce::reproduce(&request, &mut progress_printer())?, &output)
        }
        Command::Wer { pairs, convention, normaliser } => {
            use claimbench::tasks::asr::{align::Convention, normalise::Normaliser};
            let convention = if convention == "sclite" { Convention::Sclite } else { Convention::Levenshtein };
            let normaliser = match normaliser.as_str() {
                "basic" => Normaliser::Basic,
                "whisper-english" => Normaliser::WhisperEnglish,
                _ => Normaliser::None,
            };
            let score = claimbench::tasks::asr::score_pairs_file(&pairs, convention, normaliser)?;
            println!("{}", serde_json::to_string_pretty(&score).expect("scores serialise"));
            Ok(Verdict::Fine)
        }
        Command::Md { input, vars, threads, device } => {
            let request = claimbench::systems::SimulationRequest {
                id: "md".to_string(),
                workload: "md".to_string(),
                files: Vec::new(),
                vars: vars.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect(),
                input,
                warmup: false,
                repetition: 1,
            };
            let config = claimbench::systems::builtin_md::BuiltinMdConfig { threads, device, ..Default::default() };
            let mut system = claimbench::systems::builtin_md::BuiltinMdSystem::start(&config)?;
            print!("{}", claimbench::systems::System::simulate(&mut system, &request)?.output);
            Ok(Verdict::Fine)
        }
        #[cfg(feature = "gguf")]
        Command::Gguf { model, prompt, prompts, max_tokens, threads, requantize_q4_1, chat, tokenize_only, ignore_eos, device, engine } => {
            use claimbench::systems::gguf;
            let mut all = prompt;
            if let Some(file) = prompts {
                all.extend(gguf::read_prompts(&file)?);
            }
            let config =
                gguf::GgufConfig { model: model.display().to_string(), threads, requantize_q4_1, device, engine, ..Default::default() };
            let mut system = gguf::GgufSystem::start(&config, std::path::Path::new("."))?;
            if ignore_eos {
                system.ignore_end_of_generation();
            }
            for text in &all {
                println!("{}", system.describe(text, max_tokens, chat, tokenize_only)?);
            }
            Ok(Verdict::Fine)
        }
        Command::Report { runs, out, claims, history } => {
            let request = claimbench::report::ReportRequest { runs, claims, history };
            let written = claimbench::report::write_report(&request, &out)?;
            println!("report: {} ({} files in {})", out.join("index.html").display(), written.len(), out.display());
            Ok(Verdict::Fine)
        }
    }
}

/// Prints the run's metrics; a run whose speed figures failed their accuracy gate ends with
/// exit status 1, its results kept and marked invalid.
fn print_summary(summary: &claimbench::run::RunSummary, seed: u64) -> Verdict {
    use claimbench::store::metrics::Statistic;
    println!("run: {}", summary.dir.display());
    let mut invalid = Vec::new();
    for (name, metric) in &summary.metrics.metrics {
        let statistic = if metric.statistic == Statistic::Median { "median, " } else { "" };
        let outliers = metric.outliers.as_ref().map_or(0, |o| o.low_mild + o.low_severe + o.high_mild + o.high_severe);
        let outliers = if outliers > 0 { format!(", {outliers} outliers") } else { String::new() };
        let flag = if metric.invalid.is_some() { "INVALID " } else { "" };
        match &metric.ci {
            Some(ci) => println!(
                "{flag}{name}: {:.4} [{:.4}, {:.4}] ({statistic}n={}, {:.0}% {} CI, seed {seed}{outliers})",
                metric.value,
                ci.low,
                ci.high,
                metric.n,
                ci.level * 100.0,
                ci.method
            ),
            None => println!("{flag}{name}: {:.4} (n={})", metric.value, metric.n),
        }
        if let Some(reason) = &metric.invalid {
            if !invalid.contains(reason) {
                invalid.push(reason.clone());
            }
        }
    }
    if summary.metrics.metrics.values().any(|m| m.speed) {
        let host = &summary.manifest.host;
        let fingerprint: Vec<String> = host.speed_fingerprint().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("speed measured on: {}", fingerprint.join(", "));
    }
    if let Some(slurm) = &summary.manifest.slurm {
        println!(
            "slurm: {} shards, wall {:.2} s (last end - first start), {:.1} GPU-seconds, fan-out overhead {:.2} s (submit to gathered, minus the slowest shard)",
            slurm.shards, slurm.wall_s, slurm.gpu_seconds, slurm.fanout_overhead_s
        );
    }
    if summary.metrics.failed > 0 {
        println!(
            "{} of {} items could not be scored and are left out of the metrics (marked `failed`, with the reason in the samples' `error` column)",
            summary.metrics.failed, summary.metrics.n_expected
        );
    }
    for reason in &invalid {
        println!("INVALID: {reason}");
    }
    if invalid.is_empty() {
        Verdict::Fine
    } else {
        Verdict::Failed
    }
}

/// Progress on stderr: a bar on a terminal, a plain line every few seconds in logs.
fn progress_printer() -> impl FnMut(usize, usize) {
    let mut reporter = claimbench::run::progress::Reporter::stderr();
    move |done, total| reporter.update(done, total)
}
