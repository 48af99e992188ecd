//! Transcript formats speech datasets already come in: NeMo manifests, Kaldi `text` with
//! `wav.scp`, sclite/Sphinx `trn`, and folders of WAV files with same-named `.txt` files.
//! A line that cannot be read at all is an error naming it; a transcript that is there but
//! unusable (not UTF-8) marks only its utterance.

use crate::error::{Error, Result};
use crate::spec::dataset::Dataset;
use crate::spec::suite::{AsrSpec, TranscriptFormat};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Utterance {
    pub id: String,
    pub audio: PathBuf,
    /// The audio's path inside the dataset directory, `.` and `..` resolved.
    pub audio_in_dataset: PathBuf,
    /// The reference transcript, or why it cannot be used.
    pub text: std::result::Result<String, String>,
    /// Where the transcript came from: file and 1-based line.
    pub source: (PathBuf, usize),
}

pub fn load(dataset: &Dataset, transcripts_key: &str, spec: &AsrSpec) -> Result<Vec<Utterance>> {
    let (path, _) = dataset.file(transcripts_key)?;
    let utterances = match spec.format {
        TranscriptFormat::Nemo => nemo(&dataset.dir, &path)?,
        TranscriptFormat::Trn => {
            let audio_dir = spec.audio_dir.as_deref().unwrap_or(".");
            let audio_dir = crate::fsutil::join_inside(Path::new(""), audio_dir).ok_or_else(|| {
                Error::new(format!("[asr] audio_dir = '{audio_dir}' must be a relative path inside the dataset directory"))
            })?;
            trn(&dataset.dir, &path, &audio_dir)?
        }
        TranscriptFormat::Kaldi => {
            let (scp, _) = dataset.file(spec.wav_scp.as_deref().unwrap_or("wav.scp"))?;
            kaldi(&dataset.dir, &path, &scp)?
        }
        TranscriptFormat::WavFolder => wav_folder(dataset)?,
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, u) in utterances.iter().enumerate() {
        if let Some(first) = seen.insert(&u.id, k) {
            let earlier = &utterances[first].source;
            return Err(Error::at_line(&u.source.0, u.source.1, format!("utterance id '{}' repeats (first at line {})", u.id, earlier.1)));
        }
    }
    if utterances.is_empty() {
        return Err(Error::in_file(&path, "holds no utterances"));
    }
    Ok(utterances)
}

/// Lines of a file as text; a line that is not UTF-8 is decoded lossily and flagged.
fn lines(path: &Path) -> Result<Vec<(usize, String, bool)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::in_file(path, e))?;
    Ok(bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match std::str::from_utf8(line) {
                Ok(text) => (i + 1, text.to_string(), true),
                Err(_) => (i + 1, String::from_utf8_lossy(line).into_owned(), false),
            }
        })
        .filter(|(_, text, _)| !text.trim().is_empty())
        .collect())
}

fn not_utf8(path: &Path, line: usize) -> String {
    format!("{}:{line}: the transcript is not valid UTF-8", path.display())
}

fn text_of(path: &Path, line: usize, text: &str, utf8: bool) -> std::result::Result<String, String> {
    if utf8 {
        Ok(text.to_string())
    } else {
        Err(not_utf8(path, line))
    }
}

/// Where an audio path written in `listing` (a manifest or `wav.scp` inside the dataset) points:
/// relative to the listing's own directory, and never outside the dataset, so that a dataset
/// reads the same wherever it is unpacked. Returns the full path and the path in the dataset.
fn resolve(root: &Path, listing: &Path, line: usize, audio: &str) -> Result<(PathBuf, PathBuf)> {
    let listing_dir = listing.parent().and_then(|d| d.strip_prefix(root).ok()).unwrap_or(Path::new(""));
    let inside = crate::fsutil::join_inside(listing_dir, audio).ok_or_else(|| {
        Error::at_line(
            listing,
            line,
            format!("audio path '{audio}' must be relative, and inside the dataset directory once taken from this file's directory"),
        )
    })?;
    Ok((root.join(&inside), inside))
}

fn stem(path: &str) -> String {
    Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string())
}

fn nemo(root: &Path, path: &Path) -> Result<Vec<Utterance>> {
    let mut out = Vec::new();
    for (line, text, utf8) in lines(path)? {
        let row: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| Error::at_line(path, line, format!("not a JSON object: {e}")))?;
        let audio = row
            .get("audio_filepath")
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::at_line(path, line, "needs a string 'audio_filepath'"))?;
        let transcript = row.get("text").and_then(|v| v.as_str()).ok_or_else(|| Error::at_line(path, line, "needs a string 'text'"))?;
        let (full, audio_in_dataset) = resolve(root, path, line, audio)?;
        out.push(Utterance {
            id: stem(audio),
            audio: full,
            audio_in_dataset,
            text: text_of(path, line, transcript, utf8),
            source: (path.to_path_buf(), line),
        });
    }
    Ok(out)
}

fn trn(root: &Path, path: &Path, audio_dir: &Path) -> Result<Vec<Utterance>> {
    let mut out = Vec::new();
    for (line, text, utf8) in lines(path)? {
        let (id, words) = parse_trn_line(&text).map_err(|why| Error::at_line(path, line, why))?;
        let audio_in_dataset = crate::fsutil::join_inside(audio_dir, &format!("{id}.wav"))
            .ok_or_else(|| Error::at_line(path, line, format!("utterance id '{id}' would name audio outside the dataset directory")))?;
        out.push(Utterance {
            audio: root.join(&audio_in_dataset),
            audio_in_dataset,
            text: text_of(path, line, &words, utf8),
            source: (path.to_path_buf(), line),
            id,
        });
    }
    Ok(out)
}

/// `words (UTTERANCE-ID)` into the id and the words, `<s>` and `</s>` dropped.
pub fn parse_trn_line(line: &str) -> std::result::Result<(String, String), &'static str> {
    let trimmed = line.trim_end();
    let open = trimmed.rfind('(').filter(|_| trimmed.ends_with(')')).ok_or("a trn line ends with '(UTTERANCE-ID)'")?;
    let id = trimmed[open + 1..trimmed.len() - 1].trim();
    if id.is_empty() {
        return Err("empty utterance id in '()'");
    }
    let words: Vec<&str> = trimmed[..open].split_whitespace().filter(|w| *w != "<s>" && *w != "</s>").collect();
    Ok((id.to_string(), words.join(" ")))
}

fn kaldi(root: &Path, text_path: &Path, scp: &Path) -> Result<Vec<Utterance>> {
    let mut audio: HashMap<String, (PathBuf, PathBuf)> = HashMap::new();
    for (line, text, _) in lines(scp)? {
        let (id, location) =
            text.trim().split_once(char::is_whitespace).ok_or_else(|| Error::at_line(scp, line, "expected 'UTTERANCE-ID PATH'"))?;
        let location = location.trim();
        if location.ends_with('|') {
            return Err(Error::at_line(scp, line, "is a command pipe; claimbench never runs commands from a dataset (give the WAV path)"));
        }
        audio.insert(id.to_string(), resolve(root, scp, line, location)?);
    }
    let mut out = Vec::new();
    for (line, text, utf8) in lines(text_path)? {
        let trimmed = text.trim();
        let (id, words) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
        let ((path, audio_in_dataset), text) = match audio.get(id) {
            Some(located) => (located.clone(), text_of(text_path, line, words.trim(), utf8)),
            None => (
                (PathBuf::new(), PathBuf::new()),
                Err(format!("{}:{line}: utterance '{id}' has no entry in {}", text_path.display(), scp.display())),
            ),
        };
        out.push(Utterance { id: id.to_string(), audio: path, audio_in_dataset, text, source: (text_path.to_path_buf(), line) });
    }
    Ok(out)
}

fn wav_folder(dataset: &Dataset) -> Result<Vec<Utterance>> {
    let listed: Vec<&str> = dataset.spec.files.iter().map(|f| f.path.get_ref().as_str()).collect();
    let mut out = Vec::new();
    for wav in listed.iter().filter(|p| p.ends_with(".wav")) {
        let txt = format!("{}.txt", wav.trim_end_matches(".wav"));
        let toml = dataset.dir.join("dataset.toml");
        if !listed.contains(&txt.as_str()) {
            return Err(Error::in_file(&toml, format!("{wav} has no transcript {txt} among the listed files")));
        }
        let bytes = std::fs::read(dataset.dir.join(&txt)).map_err(|e| Error::in_file(&dataset.dir.join(&txt), e))?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => Ok(t.split_whitespace().collect::<Vec<_>>().join(" ")),
            Err(_) => Err(not_utf8(&dataset.dir.join(&txt), 1)),
        };
        out.push(Utterance {
            id: wav.trim_end_matches(".wav").replace('/', "-"),
            audio: dataset.dir.join(wav),
            audio_in_dataset: crate::fsutil::join_inside(Path::new(""), wav).unwrap_or_default(),
            text,
            source: (dataset.dir.join(&txt), 1),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trn_lines_lose_their_markers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.trn");
        std::fs::write(&path, "<s> hello world </s> (utt-1)\n\nsecond one (u2)\n").unwrap();
        let u = trn(Path::new("/data"), &path, Path::new("audio")).unwrap();
        assert_eq!(u[0].id, "utt-1");
        assert_eq!(u[0].text.as_deref(), Ok("hello world"));
        assert_eq!(u[0].audio, Path::new("/data/audio/utt-1.wav"));
        assert_eq!((u[1].source.1, u[1].text.as_deref()), (3, Ok("second one")));
        std::fs::write(&path, "no id here\n").unwrap();
        assert!(trn(Path::new("/data"), &path, Path::new(""))
            .unwrap_err()
            .message()
            .ends_with("t.trn:1: a trn line ends with '(UTTERANCE-ID)'"));
        std::fs::write(&path, "fine (ok)\nescaping (../../etc/x)\n").unwrap();
        let err = trn(Path::new("/data"), &path, Path::new("audio")).unwrap_err();
        assert!(err.message().ends_with("t.trn:2: utterance id '../../etc/x' would name audio outside the dataset directory"), "{err}");
    }

    #[test]
    fn a_line_that_is_not_utf8_marks_only_its_utterance() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let mut bytes = b"{\"audio_filepath\": \"a.wav\", \"duration\": 1.0, \"text\": \"fine\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"audio_filepath\": \"b.wav\", \"duration\": 1.0, \"text\": \"caf\xe9\"}\n");
        std::fs::write(&path, bytes).unwrap();
        let u = nemo(dir.path(), &path).unwrap();
        assert_eq!(u[0].text.as_deref(), Ok("fine"));
        assert!(u[1].text.as_ref().unwrap_err().ends_with("m.json:2: the transcript is not valid UTF-8"));
        assert_eq!(u[1].id, "b");
    }

    #[test]
    fn audio_paths_are_taken_from_the_listing_and_stay_in_the_dataset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("manifests")).unwrap();
        let path = dir.path().join("manifests/m.json");
        std::fs::write(&path, "{\"audio_filepath\": \"../audio/a.wav\", \"text\": \"x\"}\n").unwrap();
        let u = nemo(dir.path(), &path).unwrap();
        assert_eq!((u[0].audio.clone(), u[0].audio_in_dataset.clone()), (dir.path().join("audio/a.wav"), PathBuf::from("audio/a.wav")));
        for (line, bad) in [(2, "/etc/passwd.wav"), (2, "../../outside.wav")] {
            let text = format!("{{\"audio_filepath\": \"a.wav\", \"text\": \"x\"}}\n{{\"audio_filepath\": \"{bad}\", \"text\": \"x\"}}\n");
            std::fs::write(&path, text).unwrap();
            let err = nemo(dir.path(), &path).unwrap_err();
            assert!(err.message().ends_with(&format!("m.json:{line}: audio path '{bad}' must be relative, and inside the dataset directory once taken from this file's directory")), "{err}");
        }
    }

    #[test]
    fn kaldi_pipes_are_never_run() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("text"), "u1 hello\nu2 there\n").unwrap();
        std::fs::write(dir.path().join("wav.scp"), "u1 a.wav\n").unwrap();
        let u = kaldi(dir.path(), &dir.path().join("text"), &dir.path().join("wav.scp")).unwrap();
        assert_eq!(u[0].audio, dir.path().join("a.wav"));
        assert!(u[1].text.as_ref().unwrap_err().contains("utterance 'u2' has no entry"));
        std::fs::write(dir.path().join("wav.scp"), "u1 sox a.flac -t wav - |\n").unwrap();
        let err = kaldi(dir.path(), &dir.path().join("text"), &dir.path().join("wav.scp")).unwrap_err();
        assert!(err.message().contains("wav.scp:1: is a command pipe"), "{err}");
    }
}
