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
//! ```
//! use mailoauth::weburl::{Host, Url};
//!
//! let u = Url::parse("HTTPS://Login.Example:443/T/token?x=1").unwrap();
//! assert_eq!(u.as_str(), "https://login.example/T/token?x=1");
//! assert_eq!(u.host(), Some(&Host::Domain("login.example".into())));
//! assert_eq!(u.port_or_known_default(), Some(443));
//! assert_eq!(Url::parse("http://127.1/").unwrap_err().code(), "invalid_input");
//! assert_eq!(
//!     Url::parse("msauth.com.contoso.app://auth").unwrap().as_str(),
//!     "msauth.com.contoso.app://auth"
//! );
//! ```

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
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        match Url::parse(s) {
            Ok(u) => u.to_string(),
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn refused(s: &str) -> String {
        match Url::parse(s) {
            Ok(u) => panic!("{s:?} was accepted as {u}"),
            Err(e) => {
                assert_eq!(e.code(), "invalid_input", "{s:?}");
                e.to_string()
            }
        }
    }

    #[test]
    fn accepted_forms_and_their_serialization() {
        for (input, want) in [
            (
                "https://login.microsoftonline.com",
                "https://login.microsoftonline.com/",
            ),
            (
                "HTTPS://Login.MicrosoftOnline.COM/Common/oauth2/v2.0/token",
                "https://login.microsoftonline.com/Common/oauth2/v2.0/token",
            ),
            ("https://x:443/t", "https://x/t"),
            ("http://x:80", "http://x/"),
            ("http://x:443/", "http://x:443/"),
            ("https://x:0/", "https://x:0/"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb"),
            ("http://[::1]:3000/token", "http://[::1]:3000/token"),
            ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
            ("http://[::FFFF:1.2.3.4]/", "http://[::ffff:102:304]/"),
            ("http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/"),
            ("http://[1:0:2:3:4:5:6:7]/", "http://[1:0:2:3:4:5:6:7]/"),
            ("https://x?", "https://x/?"),
            ("https://x#", "https://x/#"),
            (
                "https://x/a?b=c&d=%20e#f?g/h",
                "https://x/a?b=c&d=%20e#f?g/h",
            ),
            ("https://x/?q='", "https://x/?q=%27"),
            ("https://x/it's", "https://x/it's"),
            (
                "https://x/T\u{e9}nant?State=\u{c9}A#\u{e9}",
                "https://x/T%C3%A9nant?State=%C3%89A#%C3%A9",
            ),
            ("https://u:p@x/", "https://u:p@x/"),
            ("https://:p@x/", "https://:p@x/"),
            ("https://my-host.1a/", "https://my-host.1a/"),
            ("https://1.2.3.com/", "https://1.2.3.com/"),
            ("wss://x:443", "wss://x/"),
            ("ftp://x:21/", "ftp://x/"),
            (
                "msauth.com.contoso.app://auth",
                "msauth.com.contoso.app://auth",
            ),
            (
                "MSAuth.Com.Contoso.App://Auth/X?y=1",
                "msauth.com.contoso.app://Auth/X?y=1",
            ),
            ("com.example.app:/callback", "com.example.app:/callback"),
            ("urn:ietf:wg:oauth:2.0:oob", "urn:ietf:wg:oauth:2.0:oob"),
            ("x-app://127.1:80/", "x-app://127.1:80/"),
            ("foo://[::1]", "foo://[::1]"),
            ("foo:", "foo:"),
            ("foo:?a'b", "foo:?a'b"),
            ("https://x/<script>", "https://x/%3Cscript%3E"),
            ("https://x/a|b^[c]", "https://x/a|b^[c]"),
            (
                "https://x/a\"`{}?b\"<>'`{}#c\"<>'`{}#",
                "https://x/a%22%60%7B%7D?b%22%3C%3E%27`{}#c%22%3C%3E'%60{}#",
            ),
            ("foo://x/a\"`?b'<#c`", "foo://x/a%22%60?b'%3C#c%60"),
            ("https://x/%zz?%4#%", "https://x/%zz?%4#%"),
            ("foo:a^b\"<`{", "foo:a^b\"<`{"),
        ] {
            assert_eq!(ok(input), want, "{input:?}");
            // The same as the WHATWG parser.
            assert_eq!(url::Url::parse(input).unwrap().as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn components() {
        let u = Url::parse("HTTP://User:Pw@LocalHost:8080/a/b?c=d+e&f=%26#frag").unwrap();
        assert_eq!(u.scheme(), "http");
        assert!(u.is_special() && u.has_userinfo());
        assert_eq!((u.username(), u.password()), ("User", Some("Pw")));
        assert_eq!(u.host(), Some(&Host::Domain("localhost".into())));
        assert_eq!(u.host_str(), Some("localhost"));
        assert_eq!(
            (u.port(), u.port_or_known_default()),
            (Some(8080), Some(8080))
        );
        assert_eq!(u.path(), "/a/b");
        assert_eq!(u.path_segments().unwrap().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(u.query(), Some("c=d+e&f=%26"));
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [("c".into(), "d e".into()), ("f".into(), "&".into())]
        );
        assert_eq!(u.fragment(), Some("frag"));

        let u = Url::parse("https://[::1]").unwrap();
        assert_eq!(u.host(), Some(&Host::Ipv6(Ipv6Addr::LOCALHOST)));
        assert_eq!(u.host_str(), Some("[::1]"));
        assert_eq!((u.port(), u.port_or_known_default()), (None, Some(443)));
        assert_eq!(
            (u.query(), u.fragment(), u.has_userinfo()),
            (None, None, false)
        );

        let u = Url::parse("http://127.0.0.1/").unwrap();
        assert_eq!(u.host(), Some(&Host::Ipv4(Ipv4Addr::LOCALHOST)));

        let u = Url::parse("urn:ietf:wg:oauth:2.0:oob").unwrap();
        assert_eq!((u.host(), u.path()), (None, "ietf:wg:oauth:2.0:oob"));
        assert!(u.path_segments().is_none() && !u.is_special());
        assert_eq!(u.port_or_known_default(), None);

        let u = Url::parse("msauth.com.contoso.app://auth?code=a%2Bb").unwrap();
        assert_eq!(u.host(), Some(&Host::Domain("auth".into())));
        assert_eq!(u.path(), "");
        assert_eq!(u.query_pairs().next().unwrap().1, "a+b");
        assert_eq!(
            format!("{u:?}"),
            "Url(\"msauth.com.contoso.app://auth?code=a%2Bb\")"
        );
        assert_eq!("foo:/x".parse::<Url>().unwrap().as_ref(), "foo:/x");
    }

    #[test]
    fn refusals_name_the_reason() {
        for (input, why) in [
            ("", "empty"),
            ("/relative/path", "no scheme"),
            ("1http://x/", "scheme"),
            ("ht tp://x/", "white space"),
            (" https://x/", "white space"),
            ("https://x/\n", "control"),
            ("https://x/a b", "white space"),
            ("https:\\\\x\\", "backslash"),
            ("https://x\\y", "backslash"),
            ("https:x", "//"),
            ("https:/x", "//"),
            ("file:///etc/passwd", "file"),
            ("https:///x", "host is empty"),
            ("https://", "host is empty"),
            ("foo:///x", "host is empty"),
            ("https://\u{e9}.example/", "not ASCII"),
            ("https://%41.example/", "percent-encoded"),
            ("https://a..b/", "labels"),
            ("https://example.com./", "labels"),
            ("https://a_b/", "labels"),
            ("https://xn--bcher-kva.example/", "xn--"),
            ("https://127.1/", "IPv4"),
            ("https://0x7f.0.0.1/", "IPv4"),
            ("https://1.2.3.0x4/", "IPv4"),
            ("https://010.0.0.1/", "IPv4"),
            ("https://1.2.3.4.5/", "IPv4"),
            ("https://256.0.0.1/", "IPv4"),
            ("https://a.123/", "IPv4"),
            ("https://a.0x/", "IPv4"),
            ("https://[::1/", "closing ]"),
            ("https://[::1]x/", "followed by :"),
            ("https://[::g]/", "IPv6"),
            ("https://[fe80::1%25eth0]/", "IPv6"),
            ("https://[1:2:3:4:5:6:7:8:9]/", "IPv6"),
            ("https://x:/", "port after : is empty"),
            ("https://x:08/", "leading zeros"),
            ("https://x:+1/", "decimal"),
            ("https://x:65536/", "above 65535"),
            ("https://x:1:2/", "decimal"),
            ("https://@x/", "user info before @ is empty"),
            ("https://:@x/", "user info before @ is empty"),
            ("https://u:@x/", "password"),
            ("https://u:p:q@x/", "user info"),
            ("https://u@v@x/", "more than one @"),
            ("https://u;v@x/", "user info"),
            ("https://\u{e9}@x/", "user info"),
            ("https://x/a/../b", "\"..\" segment"),
            ("https://x/.", "\".\" segment"),
            ("https://x/%2E%2e/", "segment"),
            ("foo://x/./y", "segment"),
            ("foo:/a/../b", "segment"),
        ] {
            let msg = refused(input);
            assert!(msg.contains(why), "{input:?}: {msg}");
        }
        assert!(refused("https://x/a b").contains("\"https://x/a b\""));
    }

    /// The serialization is a fixed point: parsing it again gives the same URL.
    #[test]
    fn reparsing_the_serialization_is_stable() {
        for s in [
            "HTTPS://X:443/T\u{e9}?q='#f",
            "msauth.App://Auth",
            "http://[::FFFF:7f00:1]:8080",
        ] {
            let u = Url::parse(s).unwrap();
            assert_eq!(Url::parse(u.as_str()).unwrap(), u);
        }
    }

    /// What the `url` crate (the WHATWG parser) reads from the input, to compare with [`Url`].
    fn whatwg(input: &str) -> Option<Vec<String>> {
        let w = url::Url::parse(input).ok()?;
        let host = w.host().map(|h| match h {
            url::Host::Domain(d) => Host::Domain(d.to_owned()),
            url::Host::Ipv4(ip) => Host::Ipv4(ip),
            url::Host::Ipv6(ip) => Host::Ipv6(ip),
        });
        let pairs: Vec<(String, String)> = w.query_pairs().into_owned().collect();
        Some(vec![
            w.as_str().to_owned(),
            w.scheme().to_owned(),
            format!("{:?} {:?}", host, w.host_str()),
            format!("{:?} {:?}", w.port(), w.port_or_known_default()),
            w.path().to_owned(),
            format!("{:?} {:?} {pairs:?}", w.query(), w.fragment()),
            format!("{:?} {:?}", w.username(), w.password()),
        ])
    }

    fn ours(u: &Url) -> Vec<String> {
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        vec![
            u.as_str().to_owned(),
            u.scheme().to_owned(),
            format!("{:?} {:?}", u.host().cloned(), u.host_str()),
            format!("{:?} {:?}", u.port(), u.port_or_known_default()),
            u.path().to_owned(),
            format!("{:?} {:?} {pairs:?}", u.query(), u.fragment()),
            format!("{:?} {:?}", u.username(), u.password()),
        ]
    }

    /// Whatever this parser accepts, the WHATWG parser accepts too, with the same serialization
    /// and components; and the serialization parses back to the same URL.
    fn check_against_whatwg(input: &str) -> std::result::Result<(), TestCaseError> {
        if let Ok(u) = Url::parse(input) {
            prop_assert_eq!(whatwg(input), Some(ours(&u)), "input {:?}", input);
            prop_assert_eq!(Url::parse(u.as_str()).ok(), Some(u.clone()));
        }
        Ok(())
    }

    use proptest::prelude::*;

    /// URL-like text: schemes, separators, user info, hosts, ports, paths, queries and fragments
    /// from pieces that are mostly valid and often just not.
    fn url_like() -> impl Strategy<Value = String> {
        let scheme = prop::sample::select(vec![
            "http",
            "https",
            "HTTPS",
            "hTtP",
            "ws",
            "wss",
            "ftp",
            "file",
            "foo",
            "urn",
            "msauth.com.Contoso.app",
            "com.example",
            "x-y+z.1",
            "1a",
            "",
        ]);
        let sep = prop::sample::select(vec![
            "://", "://", "://", "://", "://", "://", ":", ":/", ":///", "//", "",
        ]);
        let userinfo = prop::option::weighted(
            0.15,
            "[a-zA-Z0-9:%;=@!'\u{e9}]{0,5}".prop_map(|u| format!("{u}@")),
        );
        let host = prop_oneof![
            3 => "[a-zA-Z0-9][a-zA-Z0-9-]{0,4}(\\.[a-zA-Z0-9-]{1,4}){0,2}",
            1 => "[a-zA-Z0-9.-]{0,12}",
            1 => "[0-9]{1,3}(\\.[0-9]{1,4}){0,4}\\.?",
            1 => "(0[xX])?[0-9a-fA-F]{0,4}(\\.[0-9xX]{1,4}){0,3}",
            1 => "\\[[0-9a-fA-F:.%]{0,24}\\]?",
            1 => prop::sample::select(vec![
                "localhost", "LocalHost", "127.0.0.1", "[::1]", "xn--bcher-kva.ex", "a..b", "a_b",
                "%41", "\u{e9}.example", "[::ffff:1.2.3.4]", "[1:0:0:2::3:0]", "[0:0::0:0]",
            ])
            .prop_map(str::to_owned),
            1 => "[ -~]{0,4}",
            1 => prop::collection::vec(prop::sample::select(vec!["0", "0", "00", "1", "ABCD", "ffff"]), 8)
                .prop_map(|g| format!("[{}]", g.join(":"))),
        ];
        let port = prop::option::weighted(0.3, "[0-9]{0,6}".prop_map(|p| format!(":{p}")));
        let path = prop_oneof![
            3 => "(/[a-zA-Z0-9._~!$&'()*+,;=:@%-]{0,5}){0,4}",
            1 => "(/[a-zA-Z0-9.%~!$&'()*+,;=:@\"<>`{}|^\\[\\]\u{e9}\\\\-]{0,5}){0,4}",
        ];
        let query = prop::option::weighted(
            0.4,
            "[ -~\u{e9}\u{1f600}]{0,12}".prop_map(|q| format!("?{q}")),
        );
        let fragment =
            prop::option::weighted(0.2, "[ -~\u{e9}]{0,8}".prop_map(|f| format!("#{f}")));
        (scheme, sep, userinfo, host, port, path, query, fragment).prop_map(
            |(s, sep, ui, h, p, path, q, f)| {
                format!(
                    "{s}{sep}{}{h}{}{path}{}{}",
                    ui.unwrap_or_default(),
                    p.unwrap_or_default(),
                    q.unwrap_or_default(),
                    f.unwrap_or_default()
                )
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn accepted_urls_match_the_whatwg_parser(input in url_like()) {
            check_against_whatwg(&input)?;
        }

        #[test]
        fn random_text_matches_the_whatwg_parser_or_is_refused(
            input in prop_oneof!["[ -~]{0,40}", "https?://[ -~]{0,30}", "\\PC{0,30}"],
        ) {
            check_against_whatwg(&input)?;
        }
    }

    /// How much of the generated text the parser accepts: the differential test must compare
    /// real URLs, not only refusals.
    #[test]
    fn the_generator_yields_accepted_urls() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = url_like();
        let accepted = (0..1000)
            .filter(|_| {
                let s = strategy.new_tree(&mut runner).unwrap().current();
                Url::parse(&s).is_ok()
            })
            .count();
        eprintln!("accepted {accepted} of 1000");
        assert!(accepted > 200, "only {accepted} of 1000 accepted");
    }
}
