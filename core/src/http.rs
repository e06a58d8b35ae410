//! HTTP as plain values.
//!
//! The core never sends anything. Each network step of the OAuth flows is a `build_*` function that
//! returns an [`HttpRequest`] for the caller to send with its own client (`fetch`, `urllib`,
//! `URLSession`, `reqwest`, ...), and a `parse_*` function that takes the [`HttpResponse`] back.
//! The same shape as oauth2-rs: requests are data, so tests can assert them exactly.
//!
//! Bodies carry secrets (client secrets, codes, refresh tokens, access tokens), so `Debug` of both
//! types shows only the body's length, and redacts `Authorization` headers.

use std::fmt;

/// The content type of every token-endpoint request (RFC 6749 section 4).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The HTTP method of a request the core builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "HttpMethod"))]
pub enum Method {
    /// `GET` (authorize and consent URLs, which the browser opens).
    Get,
    /// `POST` (every token-endpoint and device-code request).
    Post,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request for the caller to send. Plain owned data.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (for POSTs: `application/x-www-form-urlencoded`). May hold secrets.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` of a form (`application/x-www-form-urlencoded`, UTF-8) with an `Accept: application/json` header.
    pub fn form_post<K: AsRef<str>, V: AsRef<str>>(
        url: impl Into<String>,
        fields: &[(K, V)],
    ) -> Self {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            ser.append_pair(k.as_ref(), v.as_ref());
        }
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: vec![
                ("Content-Type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
            ],
            body: ser.finish().into_bytes(),
        }
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body decoded as a form, in order (for tests and logging hosts; values may be secrets).
    pub fn form_fields(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

/// A response the caller received, handed back to a `parse_*` function.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values (names in any case).
    pub headers: Vec<(String, String)>,
    /// The raw body. May hold tokens.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Retry-After` in seconds, when the header holds delta-seconds (RFC 9110 section 10.2.3).
    /// An HTTP-date yields `None` here: use [`HttpResponse::retry_after_at`], which knows `now`.
    pub fn retry_after(&self) -> Option<u64> {
        self.header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
    }

    /// How many seconds to wait, from `now` (Unix seconds), before trying again, from
    /// `Retry-After` (RFC 9110 section 10.2.3): delay-seconds as they are, or an HTTP-date
    /// ([`parse_http_date`]) as the seconds from `now` until then (0 when it has passed).
    /// `None` when the header is missing or holds neither.
    ///
    /// ```
    /// use mailoauth::http::HttpResponse;
    /// let r = HttpResponse::new(503, "").with_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
    /// assert_eq!(r.retry_after_at(1_445_412_400), Some(80));
    /// ```
    pub fn retry_after_at(&self, now: u64) -> Option<u64> {
        let value = self.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(secs);
        }
        parse_http_date(value, now).map(|at| at.saturating_sub(now))
    }
}

/// Reads an HTTP-date (RFC 9110 section 5.6.7) as Unix seconds: the preferred IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms a recipient must accept, the
/// RFC 850 date (`Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is read as the latest
/// year with those digits that is not more than 50 years after `now`) and asctime
/// (`Sun Nov  6 08:49:37 1994`). The day name is not checked against the date (as the RFC
/// allows); anything else that does not fit, or a date before 1970, is `None`.
pub fn parse_http_date(text: &str, now: u64) -> Option<u64> {
    let text = text.trim();
    let (day_name, rest) = text.split_once([',', ' '])?;
    if day_name.len() < 3 || !day_name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if text.as_bytes().get(day_name.len()) == Some(&b',') {
        // IMF-fixdate "06 Nov 1994 08:49:37 GMT" or rfc850 "06-Nov-94 08:49:37 GMT".
        let date = rest.strip_prefix(' ')?.strip_suffix(" GMT")?;
        let parts: Vec<&str> = date.split(' ').collect();
        match parts.as_slice() {
            [d, m, y, t] => finish(d, m, y, t, 4, now),
            [dmy, t] => match dmy.split('-').collect::<Vec<_>>().as_slice() {
                [d, m, y] if d.len() == 2 => finish(d, m, y, t, 2, now),
                _ => None,
            },
            _ => None,
        }
    } else {
        // asctime "Nov  6 08:49:37 1994" (the day is space padded).
        let mut it = rest.split(' ').filter(|p| !p.is_empty());
        let (m, d, t, y) = (it.next()?, it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        finish(d, m, y, t, 4, now)
    }
}

/// Assembles a date from its parts; `year_digits` is 4, or 2 for the RFC 850 form.
fn finish(
    day: &str,
    month: &str,
    year: &str,
    time: &str,
    year_digits: usize,
    now: u64,
) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| -> Option<u64> {
        if n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let day = digits(day, 1..=2)?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut year = digits(year, year_digits..=year_digits)?;
    let mut hms = time.split(':');
    let (h, mi, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() {
        return None;
    }
    let (h, mi, s) = (digits(h, 2..=2)?, digits(mi, 2..=2)?, digits(s, 2..=2)?);
    if h > 23
        || mi > 59
        || s > 60
        || day == 0
        || day > days_in_month(year, month) && year_digits == 4
    {
        return None;
    }
    if year_digits == 2 {
        // RFC 9110 section 5.6.7: more than 50 years in the future means the past century.
        let this_year = 1970 + now / 31_556_952;
        year += (this_year + 50 - year) / 100 * 100;
        while year > this_year + 50 {
            year -= 100;
        }
        if day > days_in_month(year, month) {
            return None;
        }
    }
    if year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + h * 3_600 + mi * 60 + s)
}

fn is_leap(y: u64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date on or after it (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field(
                "body",
                &format_args!("[{} bytes redacted]", self.body.len()),
            )
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (k, v) in self.0 {
            let sensitive = k.eq_ignore_ascii_case("authorization")
                || k.eq_ignore_ascii_case("cookie")
                || k.eq_ignore_ascii_case("set-cookie");
            if sensitive {
                list.entry(&(k, "[redacted]"));
            } else {
                list.entry(&(k, v));
            }
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_post_encodes_and_decodes() {
        let r = HttpRequest::form_post("https://x/token", &[("a", "b c"), ("scope", "x/y&z")]);
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.header("content-type"), Some(FORM_CONTENT_TYPE));
        assert_eq!(
            String::from_utf8(r.body.clone()).unwrap(),
            "a=b+c&scope=x%2Fy%26z"
        );
        assert_eq!(
            r.form_fields(),
            vec![("a".into(), "b c".into()), ("scope".into(), "x/y&z".into())]
        );
    }

    #[test]
    fn debug_redacts_bodies_and_authorization() {
        let mut r = HttpRequest::form_post("https://x/token", &[("client_secret", "s3cr3t")]);
        r.headers
            .push(("Authorization".into(), "Basic s3cr3t".into()));
        let d = format!("{r:?}");
        assert!(!d.contains("s3cr3t"), "{d}");
        let resp = HttpResponse::new(200, "{\"access_token\":\"tok3n\"}")
            .with_header("Set-Cookie", "tok3n");
        assert!(!format!("{resp:?}").contains("tok3n"));
    }

    #[test]
    fn http_dates_of_rfc_9110() {
        // The three forms of RFC 9110 section 5.6.7 name the same instant.
        let t = 784_111_777; // 1994-11-06T08:49:37Z
        let now = 1_800_000_000;
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(s, now), Some(t), "{s}");
        }
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(0)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT", now),
            Some(1_835_481_599)
        );
        // A two-digit year more than 50 years ahead is the last century's.
        assert_eq!(
            parse_http_date("Tuesday, 01-Jan-80 00:00:00 GMT", now),
            Some(315_532_800)
        );
        assert_eq!(
            parse_http_date("Tuesday, 01-Jan-70 00:00:00 GMT", now),
            Some(3_155_760_000)
        );
        assert_eq!(
            parse_http_date("Saturday, 01-Jan-50 00:00:00 GMT", now),
            Some(2_524_608_000)
        );
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nvo 1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37 94",
            "Sun, 06 Nov 1994 08:49 GMT",
            "12, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_date_is_a_delay_from_now() {
        let r =
            HttpResponse::new(503, "").with_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(r.retry_after_at(784_111_777 - 90), Some(90));
        assert_eq!(r.retry_after_at(784_111_777 + 5), Some(0));
        let n = HttpResponse::new(429, "").with_header("Retry-After", "120");
        assert_eq!(n.retry_after_at(5), Some(120));
        assert_eq!(HttpResponse::new(429, "").retry_after_at(5), None);
        let junk = HttpResponse::new(429, "").with_header("Retry-After", "soon");
        assert_eq!(junk.retry_after_at(5), None);
    }

    #[test]
    fn retry_after_seconds_only() {
        assert_eq!(
            HttpResponse::new(429, "")
                .with_header("Retry-After", " 30 ")
                .retry_after(),
            Some(30)
        );
        let date =
            HttpResponse::new(503, "").with_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(date.retry_after(), None);
    }
}
