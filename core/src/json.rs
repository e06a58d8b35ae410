//! A small strict JSON reader (RFC 8259) for the few documents the core reads: token, device and
//! error responses, SASL error challenges, JWT headers and claims, stored token sets.
//!
//! It replaces `serde_json::Value` (its deserializer, `BTreeMap` map and float parsing and
//! formatting cost the wasm page several KB) and accepts exactly what `serde_json` accepts:
//!
//! - the RFC 8259 grammar, with only space, tab, CR and LF as white space, and nothing but white
//!   space after the value;
//! - strings with every escape, `\uXXXX` surrogate pairs joined (a lone surrogate is an error), no
//!   raw control character (U+0000 to U+001F), valid UTF-8;
//! - at most [`MAX_DEPTH`] nested arrays and objects (so deep input cannot overflow the stack);
//! - numbers kept as written ([`Number`]) and converted on demand, without float parsing; a
//!   number too large for an `f64` (`1e400`) is an error, as in `serde_json`;
//! - duplicate object keys kept in order; [`Json::get`] returns the last one (as `serde_json`'s
//!   map does).
//!
//! No input makes it panic, and its time is linear in the input.

use std::cmp::Ordering;

/// The deepest nesting of arrays and objects accepted (`serde_json`'s limit: 128 levels fail).
pub(crate) const MAX_DEPTH: usize = 127;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(Number),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in document order (duplicates kept).
    Object(Vec<(String, Json)>),
}

/// A JSON number as written (valid RFC 8259 grammar, finite as an `f64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number(String);

/// Why a document was refused, and where (1-based line, and column in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// What was wrong (lowercase, never quotes the input).
    pub(crate) reason: &'static str,
    /// The line of the offending byte (1-based).
    pub(crate) line: usize,
    /// The column of the offending byte, in bytes (1-based; at the end of the input, its length).
    pub(crate) column: usize,
}

/// Parses a whole document.
pub(crate) fn parse(input: &[u8]) -> Result<Json, ParseError> {
    let mut p = Parser {
        bytes: input,
        text: "",
        pos: 0,
        depth: 0,
    };
    p.text = match std::str::from_utf8(input) {
        Ok(t) => t,
        Err(e) => {
            p.pos = e.valid_up_to();
            return Err(p.error("invalid UTF-8"));
        }
    };
    let value = p.value()?;
    p.skip_white_space();
    if p.pos < input.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(value)
}

impl Json {
    /// The member `key` of an object (the last one when the key repeats); `None` for a missing
    /// member or when this is not an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a `u64`, if it is written as a whole number in range (no sign, fraction or
    /// exponent), like `serde_json`'s `as_u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub(crate) fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members in document order, if this is an object.
    pub(crate) fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Compact JSON text, as `serde_json::Value`'s `to_string` writes it: object keys sorted
    /// (bytewise) with the last of duplicate keys kept, strings escaped the same way. Numbers are
    /// written as they were read (`serde_json` rewrites non-integers, e.g. `1E2` as `100.0`).
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.0),
            Json::String(s) => write_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                // Last duplicate wins, keys in order: sorted by (key, position), then each key's
                // last kept. A heap sort: the standard sorts cost the wasm page 3 KB.
                let mut order: Vec<(&str, usize)> = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (m.0.as_str(), i))
                    .collect();
                heap_sort(&mut order);
                let sorted: Vec<&(String, Json)> =
                    order.iter().map(|&(_, i)| &members[i]).collect();
                out.push('{');
                let mut first = true;
                for (i, (key, value)) in sorted.iter().map(|m| (&m.0, &m.1)).enumerate() {
                    if sorted.get(i + 1).is_some_and(|next| next.0 == *key) {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_string(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Sorts ascending in place, in O(n log n) time and no extra memory.
fn heap_sort<T: Ord>(v: &mut [T]) {
    fn sift_down<T: Ord>(v: &mut [T], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for start in (0..v.len() / 2).rev() {
        sift_down(v, start, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Appends `s` as a JSON string, escaped as `serde_json` does: `"` and `\`, `\b \f \n \r \t`,
/// other control characters as `\u00XX` (lowercase hex); everything else as is.
pub(crate) fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let b = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A non-negative number's whole part (see [`Number::whole_part`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WholePart {
    /// The number truncated towards zero (also for `-0` and negatives too small for an `f64`).
    Value(u64),
    /// The number is 2^64 or more.
    TooLarge,
    /// The number is below zero.
    Negative,
}

impl Number {
    /// The number as written.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// As a `u64` if written as a whole number in range: digits only, like `serde_json`'s
    /// `as_u64` (`1.0`, `1e2` and `-0` are `None`).
    pub(crate) fn as_u64(&self) -> Option<u64> {
        if self.0.bytes().all(|b| b.is_ascii_digit()) {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The whole part of any number, fraction truncated: what `serde_json`'s `as_f64` followed by
    /// `as u64` gives for numbers >= 0, computed on the decimal digits instead of through an
    /// `f64` (so it can differ from that only where an `f64` rounds: beyond 2^53 or 15 digits).
    pub(crate) fn whole_part(&self) -> WholePart {
        let d = Decimal::of(&self.0);
        if d.is_zero() {
            return WholePart::Value(0);
        }
        if d.negative {
            // Magnitudes below 1e-324 are -0.0 as an f64.
            return if d.point <= -324 {
                WholePart::Value(0)
            } else {
                WholePart::Negative
            };
        }
        if d.point <= 0 {
            return WholePart::Value(0);
        }
        if d.point > 20 {
            return WholePart::TooLarge;
        }
        let mut digits = d.significant();
        let mut v: u64 = 0;
        for _ in 0..d.point {
            let digit = u64::from(digits.next().unwrap_or(b'0') - b'0');
            match v.checked_mul(10).and_then(|x| x.checked_add(digit)) {
                Some(x) => v = x,
                None => return WholePart::TooLarge,
            }
        }
        WholePart::Value(v)
    }
}

/// The digits of 2^1024 - 2^970, the least decimal an `f64` rounds to infinity (halfway between
/// `f64::MAX` and 2^1024, which ties to even, upwards).
const F64_OVERFLOW: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// A number's lexeme taken apart: `(-)int.frac e exp`; its value is `0.D × 10^point` where `D`
/// are the digits of `int` and `frac` without leading zeros.
struct Decimal<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    /// Where the decimal point is, relative to the first significant digit (saturating).
    point: i64,
    /// The number of leading zeros of `int` and `frac` together.
    leading_zeros: usize,
}

impl<'a> Decimal<'a> {
    /// Takes apart a lexeme of valid grammar (anything else gives some number, never a panic).
    fn of(lexeme: &'a str) -> Decimal<'a> {
        let b = lexeme.as_bytes();
        let negative = b.first() == Some(&b'-');
        let rest = if negative {
            b.get(1..).unwrap_or(&[])
        } else {
            b
        };
        let int_end = rest
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (int, rest) = rest.split_at(int_end);
        let (frac, rest) = match rest.split_first() {
            Some((b'.', r)) => {
                let end = r
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .unwrap_or(r.len());
                r.split_at(end)
            }
            _ => (&[][..], rest),
        };
        // Saturate well inside i64 so the sums below cannot overflow.
        const CAP: i64 = 1 << 50;
        let mut exp: i64 = 0;
        let mut exp_negative = false;
        if let Some((b'e' | b'E', r)) = rest.split_first() {
            let r = match r.split_first() {
                Some((b'-', r)) => {
                    exp_negative = true;
                    r
                }
                Some((b'+', r)) => r,
                _ => r,
            };
            for c in r.iter().filter(|c| c.is_ascii_digit()) {
                exp = (exp * 10 + i64::from(c - b'0')).min(CAP);
            }
        }
        if exp_negative {
            exp = -exp;
        }
        let leading_zeros = int
            .iter()
            .chain(frac)
            .position(|&c| c != b'0')
            .unwrap_or(int.len() + frac.len());
        let int_len = i64::try_from(int.len()).unwrap_or(CAP).min(CAP);
        let lz = i64::try_from(leading_zeros).unwrap_or(CAP).min(CAP);
        Decimal {
            negative,
            int,
            frac,
            point: int_len - lz + exp,
            leading_zeros,
        }
    }

    fn is_zero(&self) -> bool {
        self.leading_zeros >= self.int.len() + self.frac.len()
    }

    /// The digits from the first non-zero one on.
    fn significant(&self) -> impl Iterator<Item = u8> + 'a {
        self.int
            .iter()
            .chain(self.frac)
            .copied()
            .skip(self.leading_zeros)
    }

    /// Whether the value is too large for an `f64` (rounds to infinity).
    fn overflows_f64(&self) -> bool {
        if self.is_zero() || self.point < 309 {
            return false;
        }
        if self.point > 309 {
            return true;
        }
        let mut digits = self.significant();
        let mut limit = F64_OVERFLOW.iter().copied();
        loop {
            match (digits.next(), limit.next()) {
                (None, None) => return true,
                (None, Some(l)) => {
                    // Trailing zeros: the number is below the limit unless the rest is zeros.
                    return l == b'0' && limit.all(|l| l == b'0');
                }
                (Some(d), None) => {
                    if d != b'0' {
                        return true;
                    }
                }
                (Some(d), Some(l)) => match d.cmp(&l) {
                    Ordering::Less => return false,
                    Ordering::Greater => return true,
                    Ordering::Equal => {}
                },
            }
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> ParseError {
        let end = self.pos.min(self.bytes.len());
        let before = self.bytes.get(..end).unwrap_or(self.bytes);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = if self.pos < self.bytes.len() {
            end - line_start + 1
        } else {
            end - line_start
        };
        ParseError {
            reason,
            line,
            column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_white_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        self.skip_white_space();
        match self.peek() {
            None => Err(self.error("end of input while parsing a value")),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Json::String)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.array(),
            Some(b'{') => self.object(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, ParseError> {
        for &w in word {
            if self.peek() != Some(w) {
                return Err(self.error("expected a value"));
            }
            self.pos += 1;
        }
        Ok(value)
    }

    /// Steps into an array or object (at its opening bracket).
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.pos += 1;
        self.skip_white_space();
        Ok(())
    }

    fn array(&mut self) -> Result<Json, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        if self.peek() != Some(b']') {
            loop {
                items.push(self.value()?);
                self.skip_white_space();
                if self.comma_or_close(
                    b']',
                    "end of input while parsing an array",
                    "expected `,` or `]`",
                )? {
                    break;
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(Json::Array(items))
    }

    fn object(&mut self) -> Result<Json, ParseError> {
        self.enter()?;
        let mut members = Vec::new();
        if self.peek() != Some(b'}') {
            loop {
                const AT_END: &str = "end of input while parsing an object";
                self.skip_white_space();
                self.expect(b'"', AT_END, "expected a string key")?;
                let key = self.string()?;
                self.skip_white_space();
                self.expect(b':', AT_END, "expected `:`")?;
                let value = self.value()?;
                members.push((key, value));
                self.skip_white_space();
                if self.comma_or_close(b'}', AT_END, "expected `,` or `}`")? {
                    break;
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(Json::Object(members))
    }

    /// Consumes the byte `want`; otherwise fails with `at_end` or `otherwise`.
    fn expect(
        &mut self,
        want: u8,
        at_end: &'static str,
        otherwise: &'static str,
    ) -> Result<(), ParseError> {
        match self.peek() {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            None => Err(self.error(at_end)),
            Some(_) => Err(self.error(otherwise)),
        }
    }

    /// After an element: consumes a `,` (`false`: more follow) or finds `close` (`true`, left for
    /// the caller to consume); otherwise fails with `at_end` or `otherwise`.
    fn comma_or_close(
        &mut self,
        close: u8,
        at_end: &'static str,
        otherwise: &'static str,
    ) -> Result<bool, ParseError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) if b == close => Ok(true),
            None => Err(self.error(at_end)),
            Some(_) => Err(self.error(otherwise)),
        }
    }

    /// A string's contents, after its opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            let start = self.pos;
            let rest = self.bytes.get(start..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            // Both ends are at ASCII bytes, so on character boundaries.
            match self.text.get(start..self.pos) {
                Some(run) => out.push_str(run),
                None => return Err(self.error("invalid UTF-8")),
            }
            match self.peek() {
                None => return Err(self.error("end of input while parsing a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in a string")),
            }
        }
    }

    /// The character of an escape, after its backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let Some(b) = self.peek() else {
            return Err(self.error("end of input while parsing a string"));
        };
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.pos += 1;
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if self.peek() != Some(b'\\') || self.bytes.get(self.pos + 1) != Some(&b'u')
                        {
                            return Err(self.error("lone leading surrogate in a \\u escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("lone leading surrogate in a \\u escape"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.error("lone trailing surrogate in a \\u escape"))
                    }
                    _ => unit,
                };
                return char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"));
            }
            _ => return Err(self.error("invalid escape")),
        };
        self.pos += 1;
        Ok(c)
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b) => char::from(b).to_digit(16),
                None => return Err(self.error("end of input while parsing a string")),
            };
            match digit {
                Some(d) => v = v * 16 + d,
                None => return Err(self.error("invalid \\u escape")),
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let Some(lexeme) = self.text.get(start..self.pos) else {
            return Err(self.error("invalid number"));
        };
        if Decimal::of(lexeme).overflows_f64() {
            return Err(self.error("number out of range"));
        }
        Ok(Json::Number(Number(lexeme.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn ok(s: &str) -> Json {
        match parse(s.as_bytes()) {
            Ok(v) => v,
            Err(e) => panic!("{s:?}: {e:?}"),
        }
    }

    fn refused(s: &str) -> ParseError {
        match parse(s.as_bytes()) {
            Ok(v) => panic!("{s:?} was accepted as {v:?}"),
            Err(e) => e,
        }
    }

    fn num(s: &str) -> Number {
        match ok(s) {
            Json::Number(n) => n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn documents() {
        assert_eq!(ok("null"), Json::Null);
        assert_eq!(ok(" true "), Json::Bool(true));
        assert_eq!(ok("\t\r\nfalse\n"), Json::Bool(false));
        assert_eq!(ok("\"\""), Json::String(String::new()));
        assert_eq!(ok("[]"), Json::Array(vec![]));
        assert_eq!(ok("{}"), Json::Object(vec![]));
        assert_eq!(
            ok("[ 1 , [ ] , { } ]").as_array().map(<[Json]>::len),
            Some(3)
        );
        let v = ok(r#"{"a": [1, "x", null, {"b": false}], "c": -2.5e3}"#);
        assert_eq!(
            v.get("a").and_then(Json::as_array).map(<[Json]>::len),
            Some(4)
        );
        assert_eq!(v.get("c"), Some(&Json::Number(Number("-2.5e3".into()))));
        assert_eq!(v.get("b"), None);
        assert_eq!(ok("[1]").get("a"), None);
        assert_eq!(ok("\"x\"").as_str(), Some("x"));
        assert_eq!(ok("1").as_str(), None);
    }

    #[test]
    fn refusals() {
        for s in [
            "",
            " ",
            "nul",
            "nulll",
            "True",
            "[",
            "]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{a:1}",
            "{'a':1}",
            "{\"a\" 1}",
            "{1:2}",
            "\"abc",
            "\"\\\"",
            "'a'",
            "1 2",
            "[] x",
            "{}}",
            "01",
            "-",
            "-a",
            "+1",
            ".5",
            "1.",
            "1.e3",
            "1e",
            "1e+",
            "0x10",
            "NaN",
            "Infinity",
            "-Infinity",
            "\u{feff}{}",
            "/* */ 1",
            "1 // c",
            "\u{a0}1",
            "\u{c}1",
        ] {
            refused(s);
        }
        assert_eq!(refused("[1,]").reason, "expected a value");
        assert_eq!(refused("{}x").reason, "trailing characters");
        assert_eq!(parse(b"\"\xff\"").unwrap_err().reason, "invalid UTF-8");
        assert_eq!(parse(b"[\"\xc3\"]").unwrap_err().reason, "invalid UTF-8");
    }

    #[test]
    fn error_positions() {
        let e = refused("{\n  \"a\": x\n}");
        assert_eq!((e.line, e.column), (2, 8));
        let e = refused("[1,");
        assert_eq!((e.line, e.column), (1, 3));
        let e = refused("x");
        assert_eq!((e.line, e.column), (1, 1));
    }

    #[test]
    fn escapes_and_surrogates() {
        assert_eq!(
            ok(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC""#).as_str(),
            Some("\"\\/\u{8}\u{c}\n\r\tAé€")
        );
        assert_eq!(ok(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(ok(r#""\uD83D\uDE00x""#).as_str(), Some("😀x"));
        assert_eq!(ok("\"é😀\u{7f}\"").as_str(), Some("é😀\u{7f}"));
        assert_eq!(ok(r#""\u0000""#).as_str(), Some("\0"));
        for s in [
            r#""\ud83d""#,
            r#""\ud83dx""#,
            r#""\ud83d\n""#,
            r#""\ud83d\u0041""#,
            r#""\ud83d\ud83d""#,
            r#""\ude00""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\x41""#,
            r#""\U0041""#,
            r#""\a""#,
            "\"\\",
            "\"\\u",
            "\"a\nb\"",
            "\"\t\"",
            "\"\u{1f}\"",
        ] {
            refused(s);
        }
        assert_eq!(
            refused(r#""\ude00""#).reason,
            "lone trailing surrogate in a \\u escape"
        );
        assert_eq!(
            refused(r#""\ud800""#).reason,
            "lone leading surrogate in a \\u escape"
        );
    }

    #[test]
    fn depth_limit_matches_serde_json() {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let deepest = format!("{}1{}", open.repeat(MAX_DEPTH), close.repeat(MAX_DEPTH));
            ok(&deepest);
            assert!(serde_json::from_str::<serde_json::Value>(&deepest).is_ok());
            let deeper = format!(
                "{}1{}",
                open.repeat(MAX_DEPTH + 1),
                close.repeat(MAX_DEPTH + 1)
            );
            assert_eq!(refused(&deeper).reason, "nested too deeply");
            assert!(serde_json::from_str::<serde_json::Value>(&deeper).is_err());
        }
        // Very deep input is refused without using the stack.
        refused(&"[".repeat(1_000_000));
        // Depth counts nesting, not how many arrays there are.
        ok(&format!("[{}]", vec!["[[]]"; 1000].join(",")));
    }

    #[test]
    fn heap_sort_sorts() {
        let mut state = 0x2545_f491_u32;
        for len in [0, 1, 2, 3, 7, 64, 257] {
            let mut v: Vec<u32> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state % 50
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            heap_sort(&mut v);
            assert_eq!(v, want, "length {len}");
        }
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let v = ok(r#"{"a":1,"b":2,"a":3}"#);
        assert_eq!(v.get("a").and_then(Json::as_u64), Some(3));
        assert_eq!(v.as_object().map(<[(String, Json)]>::len), Some(3));
        assert_eq!(v.to_text(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn numbers() {
        for (s, u) in [
            ("0", Some(0)),
            ("42", Some(42)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("-1", None),
            ("-0", None),
            ("1.0", None),
            ("1e2", None),
        ] {
            assert_eq!(num(s).as_u64(), u, "{s}");
            assert_eq!(num(s).as_str(), s);
        }
        use WholePart::*;
        for (s, w) in [
            ("0", Value(0)),
            ("-0", Value(0)),
            ("-0.0e7", Value(0)),
            ("3599", Value(3599)),
            ("3599.0", Value(3599)),
            ("3599.9", Value(3599)),
            ("0.5", Value(0)),
            ("1e3", Value(1000)),
            ("12.5E+1", Value(125)),
            ("125e-1", Value(12)),
            ("0.00012e5", Value(12)),
            ("1e-400", Value(0)),
            ("-1e-400", Value(0)),
            ("-1e-300", Negative),
            ("-0.5", Negative),
            ("-1", Negative),
            ("18446744073709551615", Value(u64::MAX)),
            ("18446744073709551615.9", Value(u64::MAX)),
            ("18446744073709551616", TooLarge),
            ("1e19", Value(10_000_000_000_000_000_000)),
            ("1e20", TooLarge),
            ("1e300", TooLarge),
        ] {
            assert_eq!(num(s).whole_part(), w, "{s}");
        }
        // Finite as an f64 or refused, like serde_json.
        for s in [
            "1e308",
            "1.7976931348623157e308",
            "-1.7976931348623157e308",
            "0e999999999999999999999",
            "1e-999999999999999999999",
            "0.000000001e317",
        ] {
            num(s);
            assert!(serde_json::from_str::<serde_json::Value>(s).is_ok(), "{s}");
        }
        // Just below the least decimal that rounds to infinity: finite here, while serde_json's
        // approximate conversion (without `float_roundtrip`) already overflows there.
        num("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.99");
        for s in [
            "1e309",
            "-1e309",
            "1.8e308",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
            "1e999999999999999999999",
            "10000000000e300",
        ] {
            assert_eq!(refused(s).reason, "number out of range", "{s}");
            assert!(serde_json::from_str::<serde_json::Value>(s).is_err(), "{s}");
        }
    }

    #[test]
    fn to_text_like_serde_json() {
        for s in [
            r#"{"b":[1,-2,true,null],"a":{"y":"\u0001\"\\/\n","x":{}}," ":"é😀\u007f"}"#,
            r#"[[],{},"",0,-0.5e-3]"#,
            r#""\b\f\n\r\t\u001f\u0020""#,
        ] {
            let serde: serde_json::Value = serde_json::from_str(s).unwrap();
            let text = ok(s).to_text();
            if s.contains("-0.5") {
                assert_eq!(text, r#"[[],{},"",0,-0.5e-3]"#);
            } else {
                assert_eq!(text, serde.to_string(), "{s}");
            }
        }
        let mut out = String::new();
        write_string(&mut out, "a\"\\\u{0}\u{1f}\u{7f}é");
        assert_eq!(
            out,
            serde_json::to_string("a\"\\\u{0}\u{1f}\u{7f}é").unwrap()
        );
    }

    /// Whether a parsed value equals serde_json's reading of the same text.
    fn same(mine: &Json, theirs: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (mine, theirs) {
            (Json::Null, Value::Null) => true,
            (Json::Bool(a), Value::Bool(b)) => a == b,
            (Json::String(a), Value::String(b)) => a == b,
            (Json::Number(a), Value::Number(b)) => {
                if let Some(u) = b.as_u64() {
                    a.as_u64() == Some(u)
                } else if let Some(i) = b.as_i64() {
                    a.as_u64().is_none() && a.as_str().parse::<i64>() == Ok(i)
                } else {
                    let (Ok(x), Some(y)) = (a.as_str().parse::<f64>(), b.as_f64()) else {
                        return false;
                    };
                    // serde_json's float parsing (without `float_roundtrip`) may be an ulp off.
                    a.as_u64().is_none()
                        && (x == y || ((x - y) / y).abs() < 1e-14)
                        && x.is_sign_negative() == y.is_sign_negative()
                }
            }
            (Json::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (Json::Object(a), Value::Object(b)) => {
                let last: BTreeMap<&str, &Json> = a.iter().map(|(k, v)| (k.as_str(), v)).collect();
                last.len() == b.len()
                    && last
                        .iter()
                        .all(|(k, v)| b.get(*k).is_some_and(|w| same(v, w)))
            }
            _ => false,
        }
    }

    /// Pieces that make JSON-ish text: valid tokens, near misses and junk.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec![
                "[", "]", "{", "}", ",", ":", "\"", "\"a\"", "\"\"", " ", "\n", "\t", "\r",
                "null", "true", "false", "nul", "tru", "-", "0", "1", "-0", "01", "1.5",
                "1e5", "1E+2", "2e-3", ".", "e", "1e400", "-1e999", "1e-400", "\\", "\\u",
                "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\n\"",
                "\"\\x\"", "\"\\/\"", "\u{0}", "\u{1f}", "é", "😀", "\u{a0}", "\u{feff}",
                "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
                "123456789012345678901234567890", "0.1234567890123456789",
            ])
            .prop_map(str::to_owned),
            1 => "[ -~]{0,3}",
            1 => "[0-9.eE+-]{1,6}",
        ]
    }

    fn jsonish() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
    }

    /// Valid documents (with random white space), to test agreement on values too.
    fn document() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            (any::<i32>(), 0u32..1000, -30i32..30).prop_map(|(i, f, e)| format!("{i}.{f}e{e}")),
            any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            r#"(\\["\\/bfnrt]|\\u00[0-9a-fA-F]{2}|[a-z ]){0,6}"#.prop_map(|s| format!("\"{s}\"")),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(" , "))),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..6).prop_map(|v| {
                    let m: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\":\n{x}")).collect();
                    format!("{{ {} }}", m.join(","))
                }),
            ]
        })
    }

    fn agree(s: &str) -> Result<(), TestCaseError> {
        let mine = parse(s.as_bytes());
        let theirs = serde_json::from_slice::<serde_json::Value>(s.as_bytes());
        match (&mine, &theirs) {
            (Ok(m), Ok(t)) => prop_assert!(same(m, t), "{s:?}: {m:?} vs {t:?}"),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{s:?}: {mine:?} vs {theirs:?}"),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn accepts_exactly_what_serde_json_accepts(s in jsonish()) {
            agree(&s)?;
        }

        #[test]
        fn reads_documents_like_serde_json(s in document()) {
            prop_assert!(parse(s.as_bytes()).is_ok(), "{s:?}");
            agree(&s)?;
        }

        #[test]
        fn mutated_documents_agree(s in document(), at in any::<prop::sample::Index>(), junk in piece()) {
            let mut cut = at.index(s.len() + 1);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            agree(&format!("{}{junk}{}", &s[..cut], &s[cut..]))?;
            agree(&s[..cut])?;
        }

        #[test]
        fn arbitrary_bytes_agree(b in prop::collection::vec(any::<u8>(), 0..32)) {
            let mine = parse(&b).is_ok();
            let theirs = serde_json::from_slice::<serde_json::Value>(&b).is_ok();
            prop_assert_eq!(mine, theirs, "{:?}", b);
        }
    }
}
