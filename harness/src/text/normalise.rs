//! Named, versioned text normalisers applied to references and hypotheses before alignment.
//! The id (with its version) goes into run manifests: a normaliser change moves WER.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Normaliser {
    /// Text as given, split on whitespace.
    None,
    /// Lowercase, punctuation to spaces (apostrophes inside words kept), whitespace collapsed.
    #[default]
    Basic,
    /// OpenAI Whisper's English text normaliser, as the Open ASR Leaderboard applies it.
    WhisperEnglish,
}

impl Normaliser {
    /// Id and version, recorded with every result it produced.
    pub fn id(self) -> &'static str {
        match self {
            Normaliser::None => "none/1",
            Normaliser::Basic => "basic/1",
            Normaliser::WhisperEnglish => "whisper-english/1",
        }
    }

    pub fn apply(self, text: &str) -> String {
        match self {
            Normaliser::None => text.split_whitespace().collect::<Vec<_>>().join(" "),
            Normaliser::Basic => basic(text),
            // Whisper's output may start or end with a space; words are what is compared.
            Normaliser::WhisperEnglish => super::whisper::normalise(text).split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}

fn basic(text: &str) -> String {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    for (k, &c) in chars.iter().enumerate() {
        let inside_word = k > 0 && k + 1 < chars.len() && chars[k - 1].is_alphanumeric() && chars[k + 1].is_alphanumeric();
        if c.is_alphanumeric() || (matches!(c, '\'' | '’') && inside_word) {
            out.push(if c == '’' { '\'' } else { c });
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_lowercases_and_strips_punctuation() {
        assert_eq!(Normaliser::Basic.apply("  Hello, World!  It's  'quoted' — ok?"), "hello world it's quoted ok");
        assert_eq!(Normaliser::Basic.apply("Don’t STOP"), "don't stop");
        assert_eq!(Normaliser::None.apply(" A  b\tC "), "A b C");
        assert_eq!(Normaliser::Basic.apply("Ünïcode Straße"), "ünïcode straße");
    }
}
