//! Unit tests of `weburl` (kept beside it so the module itself stays readable).

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
    let fragment = prop::option::weighted(0.2, "[ -~\u{e9}]{0,8}".prop_map(|f| format!("#{f}")));
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

#[test]
fn module_examples() {
    let u = Url::parse("HTTPS://Login.Example:443/T/token?x=1").unwrap();
    assert_eq!(u.as_str(), "https://login.example/T/token?x=1");
    assert_eq!(u.host(), Some(&Host::Domain("login.example".into())));
    assert_eq!(u.port_or_known_default(), Some(443));
    assert_eq!(
        Url::parse("http://127.1/").unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        Url::parse("msauth.com.contoso.app://auth")
            .unwrap()
            .as_str(),
        "msauth.com.contoso.app://auth"
    );
}
