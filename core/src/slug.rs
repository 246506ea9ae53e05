//! Addressable names (slugs) for agents and harnesses (docs/wire.md#4, docs/decisions.md#1).

/// Maximum length of a slug.
pub const MAX_SLUG_LEN: usize = 64;

/// True when `name` matches `^[a-z0-9]+(-[a-z0-9]+)*$` and is at most 64 characters.
pub fn is_valid_slug(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SLUG_LEN
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Derives a slug from a human name: ASCII letters are lower-cased, runs of anything that is not
/// a letter or digit become one hyphen, and leading/trailing hyphens are dropped.
/// `"Research Assistant"` → `"research-assistant"`. The result may be empty or too long; check
/// it with [`is_valid_slug`].
pub fn slugify(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_hyphen = false;
    for c in input.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    out
}

/// Why a name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing usable was left after slugging.
    #[error("name {0:?} has no letters or digits to form an addressable name")]
    Empty(String),
    /// The slug is longer than 64 characters.
    #[error("name {0:?} is too long: at most 64 characters after slugging")]
    TooLong(String),
}

/// Resolves a user-supplied name per docs/decisions.md#1.
///
/// Returns `(name, display_name)`: a valid slug is sent as is with the given `display_name`;
/// otherwise the slug of the input is sent and the input becomes the display name (unless one
/// was given).
pub fn resolve_name(
    input: &str,
    display_name: Option<&str>,
) -> Result<(String, Option<String>), NameError> {
    if is_valid_slug(input) {
        return Ok((input.to_string(), display_name.map(str::to_string)));
    }
    let slug = slugify(input);
    if slug.is_empty() {
        return Err(NameError::Empty(input.to_string()));
    }
    if slug.len() > MAX_SLUG_LEN {
        return Err(NameError::TooLong(input.to_string()));
    }
    let display = display_name.unwrap_or(input).trim().to_string();
    Ok((slug, Some(display)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_rules() {
        assert!(is_valid_slug("research-assistant"));
        assert!(is_valid_slug("a1"));
        assert!(!is_valid_slug("Research"));
        assert!(!is_valid_slug("-a"));
        assert!(!is_valid_slug("a-"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug(""));
        assert!(!is_valid_slug(&"a".repeat(65)));
        assert!(is_valid_slug(&"a".repeat(64)));
    }

    #[test]
    fn slugify_human_names() {
        assert_eq!(slugify("Research Assistant"), "research-assistant");
        assert_eq!(slugify("HackerNews Reader"), "hackernews-reader");
        assert_eq!(slugify("  Technical  Writer!! "), "technical-writer");
        assert_eq!(slugify("Café ünd Bar"), "caf-nd-bar");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn resolve() {
        assert_eq!(
            resolve_name("Research Assistant", None).unwrap(),
            (
                "research-assistant".into(),
                Some("Research Assistant".into())
            )
        );
        assert_eq!(
            resolve_name("math-agent", None).unwrap(),
            ("math-agent".into(), None)
        );
        assert_eq!(
            resolve_name("Math", Some("The Math One")).unwrap(),
            ("math".into(), Some("The Math One".into()))
        );
        assert!(matches!(
            resolve_name("???", None),
            Err(NameError::Empty(_))
        ));
        assert!(matches!(
            resolve_name(&"Word ".repeat(20), None),
            Err(NameError::TooLong(_))
        ));
    }
}
