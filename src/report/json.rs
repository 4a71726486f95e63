//! JSON output: serde_json's pretty layout, with every character a
//! terminal or viewer would act on written as a `\uXXXX` escape
//! ([`crate::support::escape::write_json_fragment`]). serde_json escapes only what
//! JSON requires (C0, quote, backslash), so a name holding a C1 control,
//! DEL or a right-to-left override would otherwise reach the terminal as
//! is. The escapes are JSON: a parser reads back the very same string.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

/// Writes `value` as pretty JSON, unsafe characters escaped.
pub fn write_pretty<T: Serialize + ?Sized>(w: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut ser = Serializer::with_formatter(w, SafeFormatter(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// serde_json's pretty formatter, but for strings.
struct SafeFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        crate::support::escape::write_json_fragment(writer, fragment)
    }

    // The layout, as the pretty formatter has it.

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pretty(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_pretty(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn layout_is_serde_jsons_pretty_one() {
        let v = json!({"name": "main.f", "values": [1, -2], "empty": [], "nested": {"a": null}});
        assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn unsafe_characters_are_escaped_and_read_back_the_same() {
        let name = "a\u{1b}[31m\u{9b}2J\u{7f}\u{202e}z\u{ffff}\"\\\n<&> é 名 🦀";
        let text = pretty(&json!({ "name": name }));
        assert_eq!(
            text,
            "{\n  \"name\": \"a\\u001b[31m\\u009b2J\\u007f\\u202ez\\uffff\\\"\\\\\\n<&> é 名 🦀\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], name);
    }
}
