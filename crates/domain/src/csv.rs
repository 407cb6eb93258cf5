//! CSV as spreadsheets read it: a header line, CRLF line ends, fields quoted when they hold a
//! separator, quote or line break.

/// A CSV field. A leading `=`, `+`, `-` or `@` of a text is defused with `'`, so a spreadsheet
/// does not run it as a formula; numbers are left alone.
pub fn field(s: &str) -> String {
    let number = s.parse::<f64>().is_ok();
    let s = if !number && s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A table with its header.
pub fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused_but_numbers_kept() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-0.25"), "-0.25");
        assert_eq!(field("-x"), "'-x");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(
            table(&["k", "v"], [vec!["a".into(), "1".into()]].into_iter()),
            "k,v\r\na,1\r\n"
        );
    }
}
