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
    // Runs of characters that need no escape are copied whole; every escaped one is ASCII, so
    // byte offsets are character boundaries.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
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
#[path = "json_tests.rs"]
mod tests;
