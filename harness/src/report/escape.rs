//! Escaping shared by every exporter: text placed in HTML or XML, and in Markdown table cells.

/// Text safe inside HTML or XML elements and quoted attributes.
pub fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Text that keeps a Markdown table cell intact.
pub fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_cells_cannot_be_broken_out_of() {
        assert_eq!(super::xml("<a href=\"x\">it's & more</a>"), "&lt;a href=&quot;x&quot;&gt;it&#39;s &amp; more&lt;/a&gt;");
        assert_eq!(super::markdown_cell("a | b\nc"), "a \\| b c");
    }
}
