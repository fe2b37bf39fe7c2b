//! The JSON path of the value a decoding error points at (`value[3].aadDeviceId`), found by
//! walking the body once up to the line and column the error names.
//!
//! Decoding a failed body again through a path-tracking deserializer would give the same path,
//! but it needs a second copy of every type's decoder compiled for that deserializer, which
//! doubled the machine code generated for decoding in every crate that decodes. This walk is
//! one function, compiled once, and only runs after a failure.

/// Where the walk stands inside one container.
enum Frame {
    /// In an object: the member whose value is being read, or `None` between members.
    Object(Option<String>),
    /// In an array: the index of the element being read.
    Array(usize),
}

/// The path of the value at `line` and `column` (as `serde_json::Error` counts them: lines
/// from 1, the column being the number of bytes of that line read when the error was seen):
/// members joined by `.`, indexes in brackets, `.` for the top-level value.
pub(crate) fn path_at(body: &[u8], line: usize, column: usize) -> String {
    let end = offset(body, line, column);
    let mut frames: Vec<Frame> = Vec::new();
    let mut at = 0;
    while at < end {
        match body[at] {
            b'{' => frames.push(Frame::Object(None)),
            b'[' => frames.push(Frame::Array(0)),
            b'}' | b']' => {
                frames.pop();
            }
            b',' => match frames.last_mut() {
                Some(Frame::Array(index)) => *index += 1,
                Some(Frame::Object(member)) => *member = None,
                None => {}
            },
            b'"' => {
                let close = string_end(body, at);
                if let Some(Frame::Object(member @ None)) = frames.last_mut() {
                    let quoted = &body[at..close];
                    *member = Some(serde_json::from_slice::<String>(quoted).unwrap_or_else(|_| {
                        String::from_utf8_lossy(
                            quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default(),
                        )
                        .into_owned()
                    }));
                }
                at = close;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    render(&frames)
}

/// The byte offset just past what the parser had read at `line` and `column`.
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    if line == 0 {
        return body.len();
    }
    let line_start = if line == 1 {
        0
    } else {
        match body.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(line - 2) {
            Some((newline, _)) => newline + 1,
            None => return body.len(),
        }
    };
    (line_start + column).min(body.len())
}

/// The offset just past the string that opens at `open` (or the end of a cut-off body).
fn string_end(body: &[u8], open: usize) -> usize {
    let mut at = open + 1;
    while at < body.len() {
        match body[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    body.len()
}

/// `value[3].aadDeviceId`, or `.` for the top-level value.
fn render(frames: &[Frame]) -> String {
    let mut path = String::new();
    for frame in frames {
        match frame {
            Frame::Object(Some(member)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(member);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    if path.is_empty() { ".".to_owned() } else { path }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::path_at;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Decoded for the error's position.
    struct Page {
        value: Vec<Machine>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Decoded for the error's position.
    struct Machine {
        id: String,
        #[serde(rename = "osBuild")]
        os_build: Option<i64>,
        tags: Option<Vec<u8>>,
        nested: Option<Box<Machine>>,
    }

    /// The path the walk finds for the error `serde_json` reports when decoding `body`.
    fn path_of_error(body: &str) -> String {
        let error = serde_json::from_str::<Page>(body).err().unwrap_or_else(|| panic!("{body} decoded"));
        path_at(body.as_bytes(), error.line(), error.column())
    }

    #[test]
    fn names_the_member_whose_value_does_not_fit() {
        let body = r#"{"value": [{"id": "a"}, {"id": "b", "osBuild": "high"}]}"#;
        assert_eq!(path_of_error(body), "value[1].osBuild");
    }

    #[test]
    fn names_the_object_a_required_member_is_missing_from() {
        assert_eq!(path_of_error(r#"{"value": [{"id": "a"}, {"osBuild": 1}]}"#), "value[1]");
    }

    #[test]
    fn counts_elements_and_nesting_across_lines() {
        let body = "{\n  \"value\": [\n    {\"id\": \"a\", \"tags\": [1, 2]},\n    {\"id\": \"b\",\n     \"nested\": {\"id\": \"c\", \"tags\": [1, 300]}}\n  ]\n}";
        assert_eq!(path_of_error(body), "value[1].nested.tags[1]");
    }

    #[test]
    fn strings_with_quotes_braces_and_escapes_do_not_move_the_walk() {
        let body = r#"{"value": [{"id": "a\"},{[", "tags": [1]}, {"id": "}]", "osBuild": 1.5}]}"#;
        assert_eq!(path_of_error(body), "value[1].osBuild");
        let escaped_member = r#"{"value": [{"id": "a", "os\u0042uild": "x", "osBuild": []}]}"#;
        assert_eq!(path_of_error(escaped_member), "value[0].osBuild");
    }

    #[test]
    fn the_top_level_value_and_cut_off_bodies() {
        assert_eq!(path_of_error("[]"), ".");
        assert_eq!(path_of_error(r#"{"value": [{"id": "a", "tags": [1, 2"#), "value[0].tags[1]");
        assert_eq!(path_at(b"{}", 0, 0), ".");
        assert_eq!(path_at(b"{\"a\": 1}", 9, 9), ".", "a position past the end is the end");
    }
}
