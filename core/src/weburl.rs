//! A small, strict parser for the absolute URLs the core checks: OAuth endpoint URLs and redirect
//! URIs ([RFC 3986](https://www.rfc-editor.org/rfc/rfc3986) syntax).
//!
//! [`Url::parse`] accepts `scheme:[//[userinfo@]host[:port]]path[?query][#fragment]` and
//! serializes what it accepts exactly as the [WHATWG URL Standard](https://url.spec.whatwg.org/)
//! (and so browsers and the `url` crate) does: scheme lower-cased; for the special schemes
//! `http`, `https`, `ws`, `wss` and `ftp` the host lower-cased, the default port removed and an
//! empty path written `/`; non-ASCII characters in the path, query and fragment percent-encoded
//! as UTF-8 (and `'` in the query of a special scheme). Other schemes (mobile redirect URIs such
//! as `msauth.com.contoso.app://auth` or `com.example.app:/callback`, `urn:...`) keep their host
//! as written.
//!
//! The path, query and fragment are taken as the WHATWG parser takes them: besides non-ASCII,
//! the few ASCII characters it percent-encodes (`"`, `<`, `>`, and `` ` ``, `{`, `}` in a path,
//! `` ` `` in a fragment) are encoded the same way, anything else (a stray `%` too) is kept.
//! Where the WHATWG parser would repair or reinterpret the input, this one refuses it with
//! [`Error::InvalidInput`] naming the value and the reason:
//!
//! - white space, control characters and backslashes anywhere;
//! - a special scheme not followed by `//`, and `file:` URLs;
//! - a host that is empty, non-ASCII, percent-encoded, an internationalised (`xn--`) label, or
//!   with characters other than letters, digits, `-` and `.` (no empty label); an IPv4 address
//!   that is not four decimal numbers 0–255 without leading zeros (no `127.1`, `0x7f.0.0.1`,
//!   `010.0.0.1`); an IPv6 address that [`Ipv6Addr`] does not parse, or with a zone;
//! - an empty port, a port with leading zeros or above 65535;
//! - an empty user name or password, user info with `;`, `=`, a second `:` or `@`, or non-ASCII;
//! - `.` and `..` path segments (also as `%2e`).
//!
//! Internal to the crate (the fuzz targets see it through the `fuzzing` feature); its examples
//! are the unit test `module_examples` in `weburl_tests.rs`.

use crate::error::{excerpt, Error, Result};
use core::net::{Ipv4Addr, Ipv6Addr};
use std::fmt;
use std::str::FromStr;

/// An absolute URL, parsed strictly and kept in its serialized form (see the [module](self)).
///
/// `Debug` and `Display` show the whole URL: it is meant for endpoints and redirect URIs, not
/// for a redirect that carries an authorization code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Url {
    serialization: String,
    /// Index of the `:` after the scheme.
    scheme_end: usize,
    /// Start and end of the user name and of the password (without `:` and `@`), when present.
    username: Option<Span>,
    password: Option<Span>,
    /// The host and where its text is in the serialization.
    host: Option<(Host, usize, usize)>,
    /// An explicit port that is not the scheme's default.
    port: Option<u16>,
    path_start: usize,
    /// Index of the `?` and of the `#`, when present.
    query_start: Option<usize>,
    fragment_start: Option<usize>,
}

/// The host of a [`Url`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A registered name: lower-cased for the special schemes (`http`, `https`, ...), as written
    /// for other schemes (whose hosts are opaque, dotted numbers included).
    Domain(String),
    /// An IPv4 address (special schemes only).
    Ipv4(Ipv4Addr),
    /// An IPv6 address, written `[...]` in the URL.
    Ipv6(Ipv6Addr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(ip) => write!(f, "{ip}"),
            Host::Ipv6(ip) => {
                f.write_str("[")?;
                write_ipv6(f, ip)?;
                f.write_str("]")
            }
        }
    }
}

/// Schemes with an authority, a host that is a domain or an IP address, and a default port.
const SPECIAL: [(&str, u16); 5] = [
    ("http", 80),
    ("https", 443),
    ("ws", 80),
    ("wss", 443),
    ("ftp", 21),
];

fn default_port(scheme: &str) -> Option<u16> {
    SPECIAL.iter().find(|(s, _)| *s == scheme).map(|(_, p)| *p)
}

impl Url {
    /// Parses an absolute URL. Fails with [`Error::InvalidInput`] naming the value and the reason
    /// for anything this strict parser refuses (see the [module](self) documentation).
    pub fn parse(input: &str) -> Result<Url> {
        Url::parse_detail(input).map_err(|why| {
            Error::invalid_input(format!(
                "{} is not a valid absolute URL: {why}",
                crate::error::quoted_excerpt(input, 200)
            ))
        })
    }

    /// [`Url::parse`] with only the reason as the error, for callers that name the value.
    pub(crate) fn parse_detail(input: &str) -> std::result::Result<Url, String> {
        parse(input)
    }

    /// The URL as text (its serialization).
    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    /// The URL as an owned `String`.
    pub fn into_string(self) -> String {
        self.serialization
    }

    fn slice(&self, start: usize, end: usize) -> &str {
        self.serialization.get(start..end).unwrap_or_default()
    }

    /// The scheme, lower-cased, without the `:`.
    pub fn scheme(&self) -> &str {
        self.slice(0, self.scheme_end)
    }

    /// Whether the scheme is one of the special schemes `http`, `https`, `ws`, `wss`, `ftp`.
    pub fn is_special(&self) -> bool {
        default_port(self.scheme()).is_some()
    }

    /// Whether the URL has user info (`user[:password]@`).
    pub fn has_userinfo(&self) -> bool {
        self.username.is_some()
    }

    /// The user name, empty when there is none (as written, percent-encoding kept).
    pub fn username(&self) -> &str {
        self.username.map_or("", |(s, e)| self.slice(s, e))
    }

    /// The password, when there is one (as written, percent-encoding kept).
    pub fn password(&self) -> Option<&str> {
        self.password.map(|(s, e)| self.slice(s, e))
    }

    /// The host, when the URL has an authority (`//`).
    pub fn host(&self) -> Option<&Host> {
        self.host.as_ref().map(|(h, _, _)| h)
    }

    /// The host as written in the URL (IPv6 addresses in brackets), when there is one.
    pub fn host_str(&self) -> Option<&str> {
        self.host.as_ref().map(|(_, s, e)| self.slice(*s, *e))
    }

    /// The port, when given and not the scheme's default (`https://x:443/` has none).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, or the scheme's default port (80 for `http`, 443 for `https`, ...).
    pub fn port_or_known_default(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme()))
    }

    /// The path: `/` at least for the special schemes; may be empty or not start with `/` for
    /// others (`urn:ietf:wg:oauth:2.0:oob` has the path `ietf:wg:oauth:2.0:oob`).
    pub fn path(&self) -> &str {
        let end = self
            .query_start
            .or(self.fragment_start)
            .unwrap_or(self.serialization.len());
        self.slice(self.path_start, end)
    }

    /// The path's segments (split on `/`, after the leading one); `None` when the path does not
    /// start with `/`.
    pub fn path_segments(&self) -> Option<std::str::Split<'_, char>> {
        self.path().strip_prefix('/').map(|p| p.split('/'))
    }

    /// The query without the `?`, when there is one (percent-encoding kept).
    pub fn query(&self) -> Option<&str> {
        let end = self.fragment_start.unwrap_or(self.serialization.len());
        self.query_start.map(|q| self.slice(q + 1, end))
    }

    /// The query decoded as `application/x-www-form-urlencoded` name/value pairs, in order.
    pub fn query_pairs(&self) -> form_urlencoded::Parse<'_> {
        form_urlencoded::parse(self.query().unwrap_or_default().as_bytes())
    }

    /// The fragment without the `#`, when there is one.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment_start
            .map(|f| self.slice(f + 1, self.serialization.len()))
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialization)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Url").field(&self.serialization).finish()
    }
}

impl FromStr for Url {
    type Err = Error;

    fn from_str(s: &str) -> Result<Url> {
        Url::parse(s)
    }
}

impl AsRef<str> for Url {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<Url> for String {
    fn from(u: Url) -> String {
        u.into_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The parser.

type Why = String;

fn parse(input: &str) -> std::result::Result<Url, Why> {
    if input.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "it holds white space or a control character ({c}): percent-encode it or remove it",
            c = crate::error::quoted_char(c)
        ));
    }
    if input.contains('\\') {
        return Err("it holds a backslash".into());
    }
    let Some((scheme, rest)) = input.split_once(':') else {
        return Err("it has no scheme (such as https:)".into());
    };
    let valid_scheme = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid_scheme {
        return Err(format!(
            "the scheme {} is not a letter followed by letters, digits, +, - or .",
            crate::error::quoted_excerpt(scheme, 40)
        ));
    }
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "file" {
        return Err("file URLs are not supported".into());
    }
    let default = default_port(&scheme);
    let special = default.is_some();

    let mut out = String::with_capacity(input.len() + 1);
    out.push_str(&scheme);
    out.push(':');
    let scheme_end = scheme.len();

    // Split off the fragment, then the query.
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };

    let mut username = None;
    let mut password = None;
    let mut host = None;
    let mut port = None;
    let path = if let Some(after) = rest.strip_prefix("//") {
        let (authority, path) = match after.find('/') {
            Some(i) => after.split_at(i),
            None => (after, ""),
        };
        out.push_str("//");
        let hostport = match authority.split_once('@') {
            Some((userinfo, hostport)) => {
                let (u, p) = write_userinfo(&mut out, userinfo)?;
                username = Some(u);
                password = p;
                out.push('@');
                hostport
            }
            None => authority,
        };
        if hostport.contains('@') {
            return Err(
                "the authority holds more than one @: percent-encode the user info's".into(),
            );
        }
        let (host_text, port_text) = split_port(hostport)?;
        let h = parse_host(host_text, special)?;
        let start = out.len();
        out.push_str(&h.to_string());
        host = Some((h, start, out.len()));
        if let Some(p) = port_text {
            let p = parse_port(p)?;
            if Some(p) != default {
                port = Some(p);
                out.push(':');
                out.push_str(&p.to_string());
            }
        }
        path
    } else if special {
        return Err(format!("an {scheme}: URL must go on with // and the host"));
    } else {
        rest
    };

    let path_start = out.len();
    let part = if path.starts_with('/') || host.is_some() {
        if let Some(seg) = path.split('/').find(|s| is_dot_segment(s)) {
            return Err(format!(
                "the path has a {seg} segment: give the path without . and .. segments",
                seg = crate::error::quoted(seg)
            ));
        }
        if path.is_empty() && special {
            out.push('/');
        }
        Part::Path
    } else {
        Part::OpaquePath
    };
    write_component(&mut out, path, part);
    let query_start = query.map(|q| {
        let start = out.len();
        out.push('?');
        write_component(&mut out, q, Part::Query { special });
        start
    });
    let fragment_start = fragment.map(|f| {
        let start = out.len();
        out.push('#');
        write_component(&mut out, f, Part::Fragment);
        start
    });
    Ok(Url {
        serialization: out,
        scheme_end,
        username,
        password,
        host,
        port,
        path_start,
        query_start,
        fragment_start,
    })
}

/// RFC 3986 `unreserved` and `sub-delims`.
fn is_unreserved_or_sub_delim(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// Whether `s` starts with `%` and two hex digits.
fn is_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3
        && b.get(1..3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
}

/// Which characters of a component the WHATWG serializer percent-encodes (besides non-ASCII,
/// and the control characters and spaces this parser refuses before).
#[derive(Clone, Copy)]
enum Part {
    /// A path after a host or starting with `/`: `"`, `<`, `>`, `` ` ``, `{`, `}`.
    Path,
    /// A path that does not start with `/` (`urn:...`): nothing.
    OpaquePath,
    /// A query: `"`, `<`, `>`, and `'` for the special schemes.
    Query { special: bool },
    /// A fragment: `"`, `<`, `>`, `` ` ``.
    Fragment,
}

impl Part {
    fn encodes(self, b: u8) -> bool {
        match self {
            Part::Path => matches!(b, b'"' | b'<' | b'>' | b'`' | b'{' | b'}'),
            Part::OpaquePath => false,
            Part::Query { special } => matches!(b, b'"' | b'<' | b'>') || (special && b == b'\''),
            Part::Fragment => matches!(b, b'"' | b'<' | b'>' | b'`'),
        }
    }
}

/// Appends a path, query or fragment percent-encoded as the WHATWG serializer does: non-ASCII
/// characters as UTF-8, and the few ASCII characters of its encode set for `part`; everything
/// else (escapes included, even a stray `%`) as written.
fn write_component(out: &mut String, s: &str, part: Part) {
    for c in s.chars() {
        if c.is_ascii() && !part.encodes(c as u8) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
}

/// `.`, `..` and their percent-encoded spellings.
fn is_dot_segment(seg: &str) -> bool {
    [".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"]
        .iter()
        .any(|d| seg.eq_ignore_ascii_case(d))
}

/// Start and end of a component in the serialization.
type Span = (usize, usize);

/// Appends `user[:password]`; returns where the user name and the password are in `out`.
fn write_userinfo(
    out: &mut String,
    userinfo: &str,
) -> std::result::Result<(Span, Option<Span>), Why> {
    let (user, pass) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let check = |part: &str, what: &str| -> std::result::Result<(), Why> {
        for (i, b) in part.bytes().enumerate() {
            let ok = if b == b'%' {
                is_escape(part.get(i..).unwrap_or_default())
            } else {
                is_unreserved_or_sub_delim(b) && !matches!(b, b';' | b'=')
            };
            if !ok {
                return Err(format!(
                    "the {what} in the user info holds a character that must be percent-encoded (or a stray %, : or @)"
                ));
            }
        }
        Ok(())
    };
    if user.is_empty() && pass.is_none_or(str::is_empty) {
        return Err("the user info before @ is empty".into());
    }
    check(user, "user name")?;
    let u_start = out.len();
    out.push_str(user);
    let u = (u_start, out.len());
    let p = match pass {
        Some("") => return Err("the password after : in the user info is empty".into()),
        Some(p) => {
            check(p, "password")?;
            out.push(':');
            let start = out.len();
            out.push_str(p);
            Some((start, out.len()))
        }
        None => None,
    };
    Ok((u, p))
}

/// Splits `host[:port]`, `[v6][:port]`.
fn split_port(hostport: &str) -> std::result::Result<(&str, Option<&str>), Why> {
    if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return Err("the IPv6 host has no closing ]".into());
        };
        let (host, after) = hostport.split_at(end + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host, Some(p))),
                None => Err("the IPv6 host's ] is not followed by : and the port".into()),
            },
        };
    }
    Ok(match hostport.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hostport, None),
    })
}

fn parse_port(p: &str) -> std::result::Result<u16, Why> {
    if p.is_empty() {
        return Err("the port after : is empty".into());
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
        return Err(format!(
            "the port {} is not a decimal number without leading zeros",
            crate::error::quoted_excerpt(p, 20)
        ));
    }
    p.parse::<u16>().map_err(|_| {
        format!(
            "the port {} is above 65535",
            crate::error::quoted_excerpt(p, 20)
        )
    })
}

fn parse_host(h: &str, special: bool) -> std::result::Result<Host, Why> {
    if h.is_empty() {
        return Err("the host is empty".into());
    }
    if let Some(inner) = h.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        let ok = inner
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
        return match inner.parse::<Ipv6Addr>() {
            Ok(ip) if ok => Ok(Host::Ipv6(ip)),
            _ => Err(format!(
                "the host [{}] is not an IPv6 address (zones are not supported)",
                excerpt(inner, 60)
            )),
        };
    }
    if !h.is_ascii() {
        return Err(format!(
            "the host {} is not ASCII: internationalised domain names are not supported",
            crate::error::quoted_excerpt(h, 100)
        ));
    }
    if h.contains('%') {
        return Err(format!(
            "the host {} is percent-encoded: write it as plain letters, digits, - and .",
            crate::error::quoted_excerpt(h, 100)
        ));
    }
    let labels_ok = h
        .split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !labels_ok {
        return Err(format!(
            "the host {} is not a name of letters, digits and - in non-empty labels separated by .",
            crate::error::quoted_excerpt(h, 100)
        ));
    }
    if !special {
        return Ok(Host::Domain(h.to_owned()));
    }
    // The WHATWG parser reads a host whose last label is a number as an IPv4 address, in
    // shorthand, octal or hex forms too; only the plain dotted quad is accepted here.
    let last = h.rsplit('.').next().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.len() >= 2
            && last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"))
            && last.bytes().skip(2).all(|b| b.is_ascii_hexdigit()));
    if numeric {
        return parse_ipv4(h).map(Host::Ipv4).ok_or_else(|| {
            format!(
                "the host {} is not an IPv4 address of four decimal numbers 0-255 without leading zeros (such as 127.0.0.1)",
                crate::error::quoted_excerpt(h, 100)
            )
        });
    }
    if h.split('.')
        .any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
    {
        return Err(format!(
            "the host {} has an internationalised (xn--) label: not supported",
            crate::error::quoted_excerpt(h, 100)
        ));
    }
    Ok(Host::Domain(h.to_ascii_lowercase()))
}

/// Exactly four decimal parts 0–255, no leading zeros.
fn parse_ipv4(h: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u8; 4];
    let mut n = 0;
    for p in h.split('.') {
        let ok = !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && !(p.len() > 1 && p.starts_with('0'));
        if !ok {
            return None;
        }
        *parts.get_mut(n)? = p.parse().ok()?;
        n += 1;
    }
    (n == 4).then(|| Ipv4Addr::from(parts))
}

/// RFC 5952 text (lower-case hex, the first longest run of two or more zero groups as `::`),
/// as the WHATWG serializer writes it: never the dotted IPv4 form.
fn write_ipv6(f: &mut fmt::Formatter<'_>, ip: &Ipv6Addr) -> fmt::Result {
    let g = ip.segments();
    // The first longest run of zeros, at least two long.
    let (mut best, mut best_len) = (None, 1);
    let mut i = 0;
    while i < g.len() {
        let run = g.iter().skip(i).take_while(|s| **s == 0).count();
        if run > best_len {
            best = Some(i);
            best_len = run;
        }
        i += run.max(1);
    }
    let mut i = 0;
    let mut first = true;
    while i < g.len() {
        if Some(i) == best {
            f.write_str("::")?;
            i += best_len;
            first = true;
            continue;
        }
        if !first {
            f.write_str(":")?;
        }
        write!(f, "{:x}", g.get(i).copied().unwrap_or_default())?;
        first = false;
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
#[path = "weburl_tests.rs"]
mod tests;
