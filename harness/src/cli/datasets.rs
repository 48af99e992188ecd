//! `claimbench datasets`: describe a folder of data files as a dataset, and check one.

use super::Verdict;
use claimbench::data::add::{add_dataset, AddOptions};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DatasetsCommand {
    /// Write PATH/dataset.toml for the record files under PATH (JSONL, JSON, CSV, TSV, Parquet;
    /// Hugging Face layouts such as data/test-00000-of-00001.parquet included): every file's
    /// sha256, the license and the source. Each split's shards become one key (`test`,
    /// `CONFIG/test`); every file is read once, so one that will not load is named now.
    ///
    /// Example: claimbench datasets add ~/data/arc --name arc-challenge --split test --hf-repo allenai/ai2_arc --revision 210d026
    Add {
        /// The dataset folder, or one file in it.
        path: PathBuf,
        #[arg(long)]
        name: String,
        /// Only this split (the last part of a key).
        #[arg(long)]
        split: Option<String>,
        /// The Hugging Face dataset the files came from.
        #[arg(long)]
        hf_repo: Option<String>,
        /// The Hugging Face commit the files came from.
        #[arg(long, requires = "hf_repo")]
        revision: Option<String>,
        /// Where the files came from, in words (needed without --hf-repo).
        #[arg(long)]
        source: Option<String>,
        /// The license (default: the one README.md's front matter names).
        #[arg(long)]
        license: Option<String>,
        /// The dataset's version (default: the revision, else 1).
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Replace an existing dataset.toml.
        #[arg(long)]
        force: bool,
    },
    /// Check a dataset folder: its dataset.toml, every file's sha256, every record file readable.
    Verify { dir: PathBuf },
}

pub fn execute(command: DatasetsCommand) -> claimbench::Result<Verdict> {
    match command {
        DatasetsCommand::Add { path, name, split, hf_repo, revision, source, license, version, description, force } => {
            let options = AddOptions { name, split, hf_repo, revision, license, source, version, description, force };
            let added = add_dataset(&path, &options)?;
            for key in &added.keys {
                println!("{}\t{} file{}\t{} records", key.key, key.files.len(), if key.files.len() == 1 { "" } else { "s" }, key.records);
            }
            for file in &added.skipped {
                println!("skipped\t{file}");
            }
            println!("wrote {}", added.toml_path.display());
        }
        DatasetsCommand::Verify { dir } => {
            for (key, files, records) in claimbench::data::add::verify_dataset(&dir)? {
                println!("{key}\t{files} file{}\t{records} records", if files == 1 { "" } else { "s" });
            }
            println!("ok: every file matches its sha256");
        }
    }
    Ok(Verdict::Fine)
}
