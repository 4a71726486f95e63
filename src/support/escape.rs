//! How strings from outside (profile strings, file names, URLs, server
//! bodies) are written: one function per output kind, one policy for all.
//!
//! The policy: a character that a terminal or viewer would act on rather
//! than show ([`is_unsafe`]: C0 and C1 controls, DEL, the bidirectional
//! formatting characters, U+FFFE and U+FFFF) is shown as a visible escape,
//! `\u{1b}` (`\n` for a newline, `\u{0}` for NUL), in every kind of output;
//! tabs are kept. Then each kind quotes what its own syntax needs:
//!
//! - [`text`]: terminal text and error messages; [`text_bounded`] also
//!   bounds the length (a server's error line), [`quote`] quotes a piece of
//!   input in an error message.
//! - [`write_json_fragment`]: a piece of a JSON string; there the unsafe
//!   characters are `\uXXXX` escapes, which read back as the same string.
//! - [`xml`]: SVG/XML text and attribute values (XML cannot hold most C0
//!   controls even as character references, so they are never written).
//! - [`dot`]: a double-quoted Graphviz DOT string.
//! - [`html`]: HTML text and attribute values.
//! - [`file_name`]: a file-name component from a safe alphabet only.
//! - [`redact_urls`]: the password of every `scheme://user:password@host`
//!   in a text replaced by `***`.
//!
//! Text already passed through [`text`] holds no unsafe character, so
//! escaping it again changes nothing.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether a character would act rather than show on a terminal or in a
/// viewer: control characters (C0, DEL and C1, whose CSI starts escape
/// sequences too), the bidirectional formatting characters (which reorder
/// the text around them), and the noncharacters U+FFFE and U+FFFF (which
/// XML forbids, so an SVG holding them does not open).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// Unsafe for the visible-escape rule: [`is_unsafe`] but the tab.
fn shown_escaped(c: char) -> bool {
    c != '\t' && is_unsafe(c)
}

/// Appends the visible escape of an unsafe character: `\u{1b}`, `\n`, `\u{0}`.
fn push_visible(out: &mut String, c: char) {
    out.extend(c.escape_default());
}

/// Terminal text and error messages: unsafe characters shown as escapes
/// (`\u{1b}`, `\n`; tabs kept), everything else as is.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(shown_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if shown_escaped(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`text`] for a message of several lines: each line escaped, the line
/// breaks kept.
pub fn text_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && shown_escaped(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<Cow<'_, str>> = s.split('\n').map(text).collect();
    Cow::Owned(lines.join("\n"))
}

/// [`text`] cut to at most `max` characters of escaped text, an ellipsis
/// marking the cut (for a line a server sent, which can be any length).
pub fn text_bounded(s: &str, max: usize) -> String {
    let shown = text(s);
    if shown.chars().count() <= max {
        return shown.into_owned();
    }
    let mut out: String = shown.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A piece of input quoted in an error message: in double quotes,
/// escaped ([`text`]) and cut to [`QUOTE_MAX`] characters ([`text_bounded`]),
/// however long the line it came from.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", text_bounded(s, QUOTE_MAX))
}

/// Longest piece of input [`quote`] shows, in characters.
pub const QUOTE_MAX: usize = 100;

/// Writes a fragment of a JSON string (between the quotes, after the JSON
/// escapes the serializer made: quote, backslash and C0) with every other
/// unsafe character as a `\uXXXX` escape, which a JSON parser reads back as
/// the very same character.
pub fn write_json_fragment<W: ?Sized + Write>(w: &mut W, fragment: &str) -> io::Result<()> {
    let mut rest = fragment;
    while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
        w.write_all(&rest.as_bytes()[..at])?;
        // Every unsafe character is in the Basic Multilingual Plane.
        write!(w, "\\u{:04x}", c as u32)?;
        rest = &rest[at + c.len_utf8()..];
    }
    w.write_all(rest.as_bytes())
}

/// Markup text and attribute values: the five specials as references
/// (`apos` as given), unsafe characters as visible escapes.
fn markup(s: &str, apos: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apos),
            c if shown_escaped(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// SVG/XML element text and attribute values (in either quote): `&<>"'`
/// as entity references, unsafe characters as visible escapes, so the
/// document stays well-formed XML 1.0 whatever the string holds.
pub fn xml(s: &str) -> String {
    markup(s, "&apos;")
}

/// HTML element text and attribute values (in either quote): `&<>"'` as
/// character references, unsafe characters as visible escapes.
pub fn html(s: &str) -> String {
    markup(s, "&#39;")
}

/// The inside of a double-quoted DOT string, as `go tool pprof -dot`
/// writes it (backslash and quote escaped, a newline as DOT's
/// left-justified line break `\l`), and more: other unsafe characters as
/// visible escapes whose backslash is itself escaped (so Graphviz shows
/// `\u{1b}` and reads no `\l`-style sequence into it), and a `&` that would
/// start an entity Graphviz decodes (`&#27;`, `&lt;`) written as `&amp;`.
pub fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (at, c) in s.char_indices() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\l"),
            '&' if starts_entity(&s[at + 1..]) => out.push_str("&amp;"),
            c if shown_escaped(c) => {
                out.push('\\');
                push_visible(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether the text after a `&` makes it an entity reference: a name, or
/// `#` and digits, or `#x` and hex digits, then `;`.
fn starts_entity(after: &str) -> bool {
    let Some(end) = after.find(';') else {
        return false;
    };
    let body = &after[..end];
    let ok = if let Some(num) = body.strip_prefix('#') {
        match num.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            None => !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()),
        }
    } else {
        !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    ok
}

/// A file-name component made of `[A-Za-z0-9._-]` only: every other
/// character (a `/`, a control, a space, anything not ASCII) becomes `_`,
/// a leading `.` too (no hidden file, no `..`), at most `max` bytes, never
/// empty.
pub fn file_name(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max.max(1))
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// The text with the password of every URL in it (`scheme://user:password@
/// host`) replaced by `***`; the user name is kept. A URL's user
/// information ends at the last `@` before the path, query or fragment.
pub fn redact_urls(s: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut done = 0;
    let mut from = 0;
    while let Some(at) = s[from..].find("://") {
        let start = from + at + 3;
        let authority_len = s[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(s.len() - start);
        let authority = &s[start..start + authority_len];
        if let Some(at_sign) = authority.rfind('@') {
            if let Some(colon) = authority[..at_sign].find(':') {
                out.push_str(&s[done..start + colon + 1]);
                out.push_str("***");
                done = start + at_sign;
            }
        }
        from = start + authority_len;
    }
    if done == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[done..]);
    Cow::Owned(out)
}

/// A URL as it is shown anywhere (messages, reports, progress): password
/// redacted ([`redact_urls`]), then [`text`].
pub fn url(s: &str) -> String {
    text(&redact_urls(s)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holds every kind of trouble: ANSI colour (ESC and the one-byte
    /// CSI), an OSC 8 link, a newline, NUL, DEL, a right-to-left override,
    /// a noncharacter, and markup specials.
    const HOSTILE: &str =
        "a\u{1b}[31m\u{9b}2J\u{1b}]8;;http://x/\u{7}l\n\0\u{7f}\u{202e}\u{ffff}<&>\"'\t é";

    #[test]
    fn text_shows_unsafe_characters_as_escapes() {
        assert_eq!(text("main.f"), "main.f");
        assert!(matches!(text("main.f"), Cow::Borrowed(_)));
        assert_eq!(
            text(HOSTILE),
            "a\\u{1b}[31m\\u{9b}2J\\u{1b}]8;;http://x/\\u{7}l\\n\\u{0}\\u{7f}\\u{202e}\\u{ffff}\
             <&>\"'\t é"
        );
        // Escaped text is safe: escaping it again changes nothing.
        assert_eq!(text(&text(HOSTILE)), text(HOSTILE));
        assert_eq!(
            text("\u{61c}\u{200e}\u{200f}\u{2066}\u{2069}\u{85}"),
            "\\u{61c}\\u{200e}\\u{200f}\\u{2066}\\u{2069}\\u{85}"
        );
        assert_eq!(text_lines("one\u{1b}\ntwo\r"), "one\\u{1b}\ntwo\\r");
    }

    #[test]
    fn bounded_text_is_cut_with_an_ellipsis() {
        assert_eq!(text_bounded("short", 5), "short");
        assert_eq!(text_bounded("longer", 5), "long…");
        // The bound is on what is shown, escapes included.
        assert_eq!(text_bounded("\u{1b}[2J", 8), "\\u{1b}[…");
        assert_eq!(quote("a\u{1b}"), "\"a\\u{1b}\"");
        assert_eq!(quote(&"x".repeat(1000)), format!("\"{}…\"", "x".repeat(99)));
    }

    #[test]
    fn json_fragments_escape_unsafe_characters_as_json() {
        let mut out = Vec::new();
        write_json_fragment(&mut out, "a\u{9b}2J\u{7f}\u{202e}z\u{ffff} é 🦀").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\\u009b2J\\u007f\\u202ez\\uffff é 🦀"
        );
    }

    #[test]
    fn markup_is_well_formed_and_visible() {
        assert_eq!(
            xml(HOSTILE),
            "a\\u{1b}[31m\\u{9b}2J\\u{1b}]8;;http://x/\\u{7}l\\n\\u{0}\\u{7f}\\u{202e}\\u{ffff}\
             &lt;&amp;&gt;&quot;&apos;\t é"
        );
        assert_eq!(
            html("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn dot_strings_hold_no_control_and_no_entity() {
        assert_eq!(dot(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(dot("x\ny"), r"x\ly");
        assert_eq!(dot("a\u{1b}[31m\u{202e}"), r"a\\u{1b}[31m\\u{202e}");
        // A literal `\l` stays text.
        assert_eq!(dot(r"a\lb"), r"a\\lb");
        assert_eq!(
            dot("a&#27;b&#x1B;c&lt;d & e &f g;&;"),
            "a&amp;#27;b&amp;#x1B;c&amp;lt;d & e &f g;&;"
        );
    }

    #[test]
    fn file_names_use_a_safe_alphabet() {
        assert_eq!(file_name("inuse_space", 100), "inuse_space");
        assert_eq!(file_name("d/../../X", 100), "d_.._.._X");
        assert_eq!(file_name("../x", 100), "_._x");
        assert_eq!(file_name(".hidden", 100), "_hidden");
        assert_eq!(file_name("\u{1b}[31m é", 100), "__31m__");
        assert_eq!(file_name("", 100), "_");
        assert_eq!(file_name("abcdef", 3), "abc");
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(redact_urls("http://h:1/x"), "http://h:1/x");
        assert_eq!(
            redact_urls("http://user:pa:ss@h:1/x?y=z@w"),
            "http://user:***@h:1/x?y=z@w"
        );
        assert_eq!(redact_urls("https://user@h/"), "https://user@h/");
        assert_eq!(redact_urls("http://:p@h"), "http://:***@h");
        assert_eq!(
            redact_urls("fetching http://a:b@h/x and https://c:d@[::1]:8/ now"),
            "fetching http://a:***@h/x and https://c:***@[::1]:8/ now"
        );
        assert_eq!(url("http://u:p@h/\u{1b}"), "http://u:***@h/\\u{1b}");
    }
}
