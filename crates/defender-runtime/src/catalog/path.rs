//! Path templates (`machines/{id}/findbyip(ip={ip})`): matching a request's path against
//! them, and the values the placeholders capture.

use percent_encoding::percent_decode_str;

/// A parsed template: segments of literal text and placeholders.
pub(super) struct Template<'a> {
    segments: Vec<Vec<Part<'a>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

impl<'a> Template<'a> {
    pub(super) fn parse(template: &'a str) -> Self {
        let segments = template.trim_matches('/').split('/').map(parse_segment).collect();
        Self { segments }
    }

    /// How specific the template is: its all-literal segments, then its literal characters.
    pub(super) fn specificity(&self) -> (usize, usize) {
        let literal_segments =
            self.segments.iter().filter(|parts| parts.iter().all(|p| matches!(p, Part::Text(_)))).count();
        let literal_chars = self
            .segments
            .iter()
            .flatten()
            .map(|part| match part {
                Part::Text(text) => text.len(),
                Part::Placeholder(_) => 0,
            })
            .sum();
        (literal_segments, literal_chars)
    }

    /// The placeholders' values when `path` matches, in template order.
    pub(super) fn matches(&self, path: &str) -> Option<Vec<(&'a str, String)>> {
        let actual: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        if actual.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        for (parts, raw) in self.segments.iter().zip(actual) {
            let segment = percent_decode_str(raw).decode_utf8_lossy();
            let whole = matches!(parts.as_slice(), [Part::Placeholder(_)]);
            for (name, value) in match_segment(parts, &segment)? {
                values.push((name, if whole { value.to_owned() } else { unliteral(value) }));
            }
        }
        Some(values)
    }
}

fn parse_segment(segment: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (Some(open), Some(close)) if open < close => {
                if open > 0 {
                    parts.push(Part::Text(&rest[..open]));
                }
                parts.push(Part::Placeholder(&rest[open + 1..close]));
                rest = &rest[close + 1..];
            }
            _ => {
                parts.push(Part::Text(rest));
                rest = "";
            }
        }
    }
    parts
}

/// Matches one decoded segment against its parts; a placeholder takes the text up to the next
/// literal part outside single quotes, so a quoted string may contain that text.
fn match_segment<'a, 's>(parts: &[Part<'a>], segment: &'s str) -> Option<Vec<(&'a str, &'s str)>> {
    let mut values = Vec::new();
    let mut position = 0;
    for (index, part) in parts.iter().enumerate() {
        let rest = &segment[position..];
        match part {
            Part::Text(text) => {
                let head = rest.get(..text.len())?;
                if !head.eq_ignore_ascii_case(text) {
                    return None;
                }
                position += text.len();
            }
            Part::Placeholder(name) => {
                let end = match parts.get(index + 1) {
                    Some(Part::Text(next)) => find_unquoted(rest, next)?,
                    // Two placeholders in a row cannot be told apart; templates never have them.
                    Some(Part::Placeholder(_)) => return None,
                    None => rest.len(),
                };
                if end == 0 {
                    return None;
                }
                values.push((*name, &rest[..end]));
                position += end;
            }
        }
    }
    (position == segment.len()).then_some(values)
}

/// Where `needle` first occurs in `text` outside a single-quoted string (`''` inside quotes is an
/// escaped quote, which toggling twice handles).
fn find_unquoted(text: &str, needle: &str) -> Option<usize> {
    let mut quoted = false;
    for (index, c) in text.char_indices() {
        if !quoted && text[index..].get(..needle.len()).is_some_and(|head| head.eq_ignore_ascii_case(needle))
        {
            return Some(index);
        }
        if c == '\'' {
            quoted = !quoted;
        }
    }
    None
}

/// The value an OData literal writes: `'it''s'` is `it's`, `ns.Color'Red'` is `Red`, anything
/// else (numbers, dates, GUIDs, `true`) is itself.
pub(super) fn unliteral(literal: &str) -> String {
    let quoted = |text: &str| {
        text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')).map(|inner| inner.replace("''", "'"))
    };
    if let Some(text) = quoted(literal) {
        return text;
    }
    if let Some(open) = literal.find('\'')
        && literal[..open].chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        && let Some(member) = quoted(&literal[open..])
    {
        return member;
    }
    literal.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(template: &str, path: &str) -> Option<Vec<(String, String)>> {
        Template::parse(template)
            .matches(path)
            .map(|values| values.into_iter().map(|(n, v)| (n.to_owned(), v)).collect())
    }

    fn pairs(items: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(items.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn whole_segments_take_the_raw_value() {
        assert_eq!(values("machines/{id}", "machines/abc%2Fdef"), pairs(&[("id", "abc/def")]));
        assert_eq!(values("machines/{id}", "machines/'quoted'"), pairs(&[("id", "'quoted'")]));
        assert_eq!(values("machines/{id}", "machines"), None);
        assert_eq!(values("machines/{id}", "machines/a/b"), None);
    }

    #[test]
    fn literal_text_is_case_insensitive() {
        assert_eq!(values("Software/{id}/distributions", "software/x/Distributions"), pairs(&[("id", "x")]));
        assert_eq!(values("exposureScore", "exposurescore"), pairs(&[]));
    }

    #[test]
    fn literals_in_parentheses_are_unquoted() {
        assert_eq!(
            values(
                "machines/findbyip(ip={ip},timestamp={timestamp})",
                "machines/findbyip(ip='10.1.1.1',timestamp=2024-01-01T00:00:00Z)"
            ),
            pairs(&[("ip", "10.1.1.1"), ("timestamp", "2024-01-01T00:00:00Z")])
        );
        assert_eq!(
            values("People({UserName})", "People('O''Neil,%20J')"),
            pairs(&[("UserName", "O'Neil, J")])
        );
        assert_eq!(values("f(c={c})", "f(c=ns.Color'Red')"), pairs(&[("c", "Red")]));
        assert_eq!(values("f(a={a},b={b})", "f(a='x,b=1',b=2)"), pairs(&[("a", "x,b=1"), ("b", "2")]));
        assert_eq!(values("f(a={a})", "f(a=)"), None);
        assert_eq!(values("f(a={a})", "g(a=1)"), None);
    }

    #[test]
    fn specificity_prefers_literal_segments() {
        let by_id = Template::parse("machines/{id}").specificity();
        let export = Template::parse("machines/SoftwareInventoryExport").specificity();
        let find = Template::parse("machines/findbyip(ip={ip})").specificity();
        assert!(export > by_id);
        assert!(find > by_id);
    }
}
