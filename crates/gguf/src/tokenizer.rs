//! The byte-level BPE tokenizer (GPT-2 style) described by a GGUF file's `tokenizer.ggml.*`
//! metadata, so that no tokenizer.json is needed. Pre-tokenization follows llama.cpp: control
//! tokens are split out first, then (for `pre = smollm` and similar) every digit stands alone,
//! then the GPT-2 pattern splits words, contractions, punctuation runs and whitespace.

use std::collections::HashMap;

/// Token types in `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
const CONTROL: i32 = 3;
const USER_DEFINED: i32 = 4;

#[derive(Debug, Clone)]
pub struct Tokenizer {
    /// Token text in byte-level form (bytes mapped to printable characters), by id.
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
    /// (left, right) → (rank, merged id).
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// Control and user-defined tokens, longest first, matched literally in the input.
    specials: Vec<(String, u32)>,
    special_ids: Vec<bool>,
    split_digits: bool,
    byte_to_char: [char; 256],
    char_to_byte: HashMap<char, u8>,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
}

impl Tokenizer {
    /// `pre` is `tokenizer.ggml.pre`; types and merges may be empty (no specials, no merges).
    pub fn new(
        model: &str,
        pre: &str,
        tokens: Vec<String>,
        types: &[i32],
        merges: &[String],
        bos: Option<u32>,
        eos: Option<u32>,
    ) -> Result<Tokenizer, String> {
        if model != "gpt2" {
            return Err(format!("tokenizer model '{model}' is not supported (only byte-level BPE, 'gpt2')"));
        }
        // Pre-tokenizers that split digits one by one before the GPT-2 pattern (llama.cpp's list).
        let split_digits = matches!(pre, "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva-7b");
        let known = split_digits || matches!(pre, "gpt2" | "gpt-2" | "default" | "");
        if !known {
            return Err(format!(
                "pre-tokenizer '{pre}' is not supported (known: smollm, starcoder, gpt2 and others that use the GPT-2 pattern)"
            ));
        }
        let ids: HashMap<String, u32> = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let mut merge_map = HashMap::with_capacity(merges.len());
        for (rank, merge) in merges.iter().enumerate() {
            let (left, right) = merge.split_once(' ').ok_or_else(|| format!("merge {rank} '{merge}' is not 'LEFT RIGHT'"))?;
            let lookup = |t: &str| ids.get(t).copied().ok_or_else(|| format!("merge {rank} '{merge}' names a token not in the vocabulary"));
            let merged = ids.get(&format!("{left}{right}")).copied();
            if let Some(merged) = merged {
                merge_map.entry((lookup(left)?, lookup(right)?)).or_insert((rank as u32, merged));
            }
        }
        let mut special_ids = vec![false; tokens.len()];
        let mut specials: Vec<(String, u32)> = Vec::new();
        for (i, &kind) in types.iter().enumerate() {
            if kind == CONTROL || kind == USER_DEFINED {
                special_ids[i] = true;
                if !tokens[i].is_empty() {
                    specials.push((tokens[i].clone(), i as u32));
                }
            }
        }
        specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        let byte_to_char = byte_chars();
        let char_to_byte = byte_to_char.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
        Ok(Tokenizer { tokens, ids, merges: merge_map, specials, special_ids, split_digits, byte_to_char, char_to_byte, bos, eos })
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// Token ids of `text`; control tokens written in the text (`<|im_start|>`) become their
    /// ids, as llama.cpp does with `special = true`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let next = self
                .specials
                .iter()
                .filter_map(|(s, id)| rest.find(s.as_str()).map(|at| (at, s.len(), *id)))
                .min_by_key(|&(at, len, _)| (at, std::cmp::Reverse(len)));
            match next {
                Some((at, len, id)) => {
                    self.encode_ordinary(&rest[..at], &mut out);
                    out.push(id);
                    rest = &rest[at + len..];
                }
                None => {
                    self.encode_ordinary(rest, &mut out);
                    break;
                }
            }
        }
        out
    }

    fn encode_ordinary(&self, text: &str, out: &mut Vec<u32>) {
        for piece in pre_split(text, self.split_digits) {
            self.bpe(piece, out);
        }
    }

    fn bpe(&self, piece: &str, out: &mut Vec<u32>) {
        let mapped: String = piece.bytes().map(|b| self.byte_to_char[b as usize]).collect();
        if let Some(&id) = self.ids.get(&mapped) {
            out.push(id);
            return;
        }
        let mut symbols: Vec<u32> = Vec::with_capacity(mapped.len());
        let mut buffer = [0u8; 4];
        for c in mapped.chars() {
            match self.ids.get(c.encode_utf8(&mut buffer) as &str) {
                Some(&id) => symbols.push(id),
                // Every byte has a token in a byte-level vocabulary; a vocabulary without one
                // cannot say this character, so it is dropped as llama.cpp does.
                None => continue,
            }
        }
        loop {
            let best = symbols
                .windows(2)
                .enumerate()
                .filter_map(|(i, pair)| self.merges.get(&(pair[0], pair[1])).map(|&(rank, merged)| (rank, i, merged)))
                .min();
            let Some((_, i, merged)) = best else { break };
            symbols[i] = merged;
            symbols.remove(i + 1);
        }
        out.extend(symbols);
    }

    /// The bytes token `id` stands for (control tokens as their text).
    pub fn token_bytes(&self, id: u32) -> Vec<u8> {
        let Some(text) = self.tokens.get(id as usize) else { return Vec::new() };
        if self.special_ids[id as usize] {
            return text.as_bytes().to_vec();
        }
        text.chars().filter_map(|c| self.char_to_byte.get(&c).copied()).collect()
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&id| self.token_bytes(id)).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    pub fn id_of(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }
}

/// GPT-2's byte → printable character table.
fn byte_chars() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..256u32 {
        let printable = (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
        table[b as usize] = if printable {
            char::from_u32(b).unwrap_or('?')
        } else {
            let c = char::from_u32(next).unwrap_or('?');
            next += 1;
            c
        };
    }
    table
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Letter,
    Number,
    Space,
    Other,
}

fn class(c: char) -> Class {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    if c.is_whitespace() {
        return Class::Space;
    }
    match get_general_category(c) {
        G::UppercaseLetter | G::LowercaseLetter | G::TitlecaseLetter | G::ModifierLetter | G::OtherLetter => Class::Letter,
        G::DecimalNumber | G::LetterNumber | G::OtherNumber => Class::Number,
        _ => Class::Other,
    }
}

/// Splits text into the pieces BPE runs on: digits alone (when asked), then within each part
/// the GPT-2 pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
pub fn pre_split(text: &str, split_digits: bool) -> Vec<&str> {
    let mut parts = Vec::new();
    if split_digits {
        let mut start = 0;
        for (at, c) in text.char_indices() {
            if class(c) == Class::Number {
                if start < at {
                    gpt2_split(&text[start..at], &mut parts);
                }
                parts.push(&text[at..at + c.len_utf8()]);
                start = at + c.len_utf8();
            }
        }
        if start < text.len() {
            gpt2_split(&text[start..], &mut parts);
        }
    } else {
        gpt2_split(text, &mut parts);
    }
    parts
}

fn gpt2_split<'a>(text: &'a str, parts: &mut Vec<&'a str>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let offset = |i: usize| if i < n { chars[i].0 } else { text.len() };
    let class_at = |i: usize| (i < n).then(|| class(chars[i].1));
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        // Contractions: 's 't 'm 'd 're 've 'll.
        if c == '\'' && i + 1 < n {
            let next = chars[i + 1].1;
            if matches!(next, 's' | 't' | 'm' | 'd') {
                parts.push(&text[offset(i)..offset(i + 2)]);
                i += 2;
                continue;
            }
            if i + 2 < n {
                let pair = (next, chars[i + 2].1);
                if matches!(pair, ('r', 'e') | ('v', 'e') | ('l', 'l')) {
                    parts.push(&text[offset(i)..offset(i + 3)]);
                    i += 3;
                    continue;
                }
            }
        }
        // An optional single space joins the run of letters, numbers or symbols after it.
        let lead = usize::from(c == ' ' && class_at(i + 1).is_some_and(|k| k != Class::Space));
        let first = class_at(i + lead);
        match first {
            Some(kind @ (Class::Letter | Class::Number | Class::Other)) if lead == 1 || kind == class(c) => {
                let mut j = i + lead;
                while class_at(j) == Some(kind) {
                    j += 1;
                }
                parts.push(&text[offset(i)..offset(j)]);
                i = j;
            }
            _ => {
                // Whitespace: all of a run at the end; otherwise all but its last character,
                // which then leads the next piece (or stands alone when it is the only one).
                let mut j = i;
                while class_at(j) == Some(Class::Space) {
                    j += 1;
                }
                let run = j - i;
                let end = if run > 1 && j < n { j - 1 } else { j };
                parts.push(&text[offset(i)..offset(end)]);
                i = end;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_pattern_splits_like_the_regex() {
        assert_eq!(pre_split("Hello world's  end\n\n", false), vec!["Hello", " world", "'s", " ", " end", "\n\n"]);
        assert_eq!(pre_split("a  b", false), vec!["a", " ", " b"]);
        assert_eq!(pre_split("x\ny", false), vec!["x", "\n", "y"]);
        assert_eq!(pre_split("$12.50!", true), vec!["$", "1", "2", ".", "5", "0", "!"]);
        assert_eq!(pre_split("It's 3 o'clock", true), vec!["It", "'s", " ", "3", " o", "'", "clock"]);
        assert_eq!(pre_split("we'll  ...go", false), vec!["we", "'ll", " ", " ...", "go"]);
    }

    #[test]
    fn bytes_round_trip_through_the_table() {
        let table = byte_chars();
        let mut seen: Vec<char> = table.to_vec();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 256);
        assert_eq!(table[b' ' as usize], 'Ġ');
        assert_eq!(table[b'\n' as usize], 'Ċ');
    }
}
