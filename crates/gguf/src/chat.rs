//! Chat formatting from a GGUF's `tokenizer.chat_template`. Jinja templates are programs; this
//! recognises the ChatML family (`<|im_start|>role\n…<|im_end|>\n`), including a default system
//! message the template inserts when the conversation has none, and refuses anything else by
//! name rather than guess.

use regex::Regex;

#[derive(Debug, Clone, PartialEq)]
pub enum ChatTemplate {
    ChatMl { default_system: Option<String> },
}

impl ChatTemplate {
    pub fn from_jinja(template: &str) -> Result<ChatTemplate, String> {
        if !template.contains("<|im_start|>") || !template.contains("<|im_end|>") {
            let start: String = template.chars().take(80).collect();
            return Err(format!(
                "chat template is not ChatML, the only family supported (it starts {start:?}); use a suite without chat = true, or the openai system with a server that applies it"
            ));
        }
        // `{{ '<|im_start|>system\nDEFAULT<|im_end|>\n' }}` inside a branch taken when the
        // first message is not a system message.
        // The newlines may be written as `\n` escapes or be real newlines in the template text.
        let default = Regex::new(r"(?s)'<\|im_start\|>system(?:\\n|\n)(.*?)<\|im_end\|>(?:\\n|\n)'").expect("valid regex");
        let default_system = default.captures(template).map(|c| c[1].replace("\\n", "\n").replace("\\'", "'"));
        Ok(ChatTemplate::ChatMl { default_system })
    }

    /// The prompt for one user message, ready for the assistant's reply.
    pub fn render_user(&self, message: &str) -> String {
        match self {
            ChatTemplate::ChatMl { default_system } => {
                let mut text = String::new();
                if let Some(system) = default_system {
                    text.push_str(&format!("<|im_start|>system\n{system}<|im_end|>\n"));
                }
                text.push_str(&format!("<|im_start|>user\n{message}<|im_end|>\n<|im_start|>assistant\n"));
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    #[test]
    fn chatml_with_a_default_system_message() {
        // As stored in SmolLM2's GGUF: real newlines inside the Jinja string literals.
        let real_newlines = ChatTemplate::from_jinja(&SMOLLM2.replace("\\n", "\n")).unwrap();
        assert_eq!(real_newlines, ChatTemplate::from_jinja(SMOLLM2).unwrap());
        let t = ChatTemplate::from_jinja(SMOLLM2).unwrap();
        assert_eq!(
            t.render_user("2+2?"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
        );
        let err = ChatTemplate::from_jinja("{{ bos_token }}[INST] {{ m }} [/INST]").unwrap_err();
        assert!(err.contains("not ChatML"), "{err}");
    }
}
