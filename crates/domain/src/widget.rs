//! The website widget's rules: which origins may embed a restaurant's widget, and how a
//! restaurant writes them down. Pure; the store keeps the list, the web checks each request.

/// Most origins one restaurant may list.
pub const ORIGINS_MAX: usize = 20;

/// An origin as a browser sends it (`scheme://host[:port]`, lower case, no path), from what a
/// person typed ("https://www.trattoria.de/", "HTTPS://Trattoria.de:443/reservieren"); `None`
/// when it is no http(s) origin. A default port is left out, as browsers do.
pub fn normalize_origin(typed: &str) -> Option<String> {
    let t = typed.trim();
    let (scheme, rest) = t.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.len() > 253 {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal without a port ("[::1]") has colons inside its brackets.
        Some((h, p)) if !p.contains(']') => (h.to_string(), Some(p)),
        _ => (authority.clone(), None),
    };
    let host_ok = (host.starts_with('[') && host.ends_with(']'))
        || (!host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    if !host_ok {
        return None;
    }
    let port = match port {
        Some(p) => {
            let n: u16 = p.parse().ok().filter(|n| *n > 0)?;
            let default = if scheme == "https" { 443 } else { 80 };
            (n != default).then_some(n)
        }
        None => None,
    };
    Some(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// The line a restaurant pastes into its website: the script from `public_url` (the server's
/// address as guests reach it) for the restaurant with this public id.
pub fn snippet(public_url: &str, public_id: &str) -> String {
    format!(
        "<script src=\"{}/widget.js\" data-restaurant=\"{public_id}\" async></script>",
        public_url.trim_end_matches('/')
    )
}

/// Whether a request's `Origin` may use the widget: one of the restaurant's origins, or the
/// server's own (the hosted booking page and the settings preview).
pub fn origin_allowed(origin: &str, listed: &[String], own: &str) -> bool {
    let Some(origin) = normalize_origin(origin) else {
        return false;
    };
    normalize_origin(own).is_some_and(|o| o == origin) || listed.contains(&origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        assert_eq!(
            normalize_origin("https://www.Trattoria.de/reservieren?x=1"),
            Some("https://www.trattoria.de".into())
        );
        assert_eq!(
            normalize_origin("HTTPS://trattoria.de:443/"),
            Some("https://trattoria.de".into())
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            normalize_origin("http://[::1]:3000"),
            Some("http://[::1]:3000".into())
        );
        for bad in [
            "trattoria.de",
            "ftp://trattoria.de",
            "https://",
            "https://user@trattoria.de",
            "https://trat toria.de",
            "https://trattoria.de:99999",
            "javascript://x",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_listed_origins_and_the_servers_own_may_embed() {
        let listed = vec!["https://trattoria.de".to_string()];
        let own = "https://book.hostsystem.example/";
        assert!(origin_allowed("https://trattoria.de", &listed, own));
        assert!(origin_allowed(
            "https://book.hostsystem.example",
            &listed,
            own
        ));
        assert!(!origin_allowed("https://evil.example", &listed, own));
        assert!(
            !origin_allowed("http://trattoria.de", &listed, own),
            "scheme counts"
        );
        assert!(!origin_allowed(
            "https://trattoria.de.evil.example",
            &listed,
            own
        ));
        assert!(!origin_allowed("null", &listed, own));
        assert!(!origin_allowed("", &listed, own));
    }
}
