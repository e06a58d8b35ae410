//! `make bench` (via `tests/bench/run`): criterion throughput of the core's hot paths, plus the
//! heap allocations each operation makes.
//!
//! Every case is one closure, used twice: first run a fixed number of times under a counting
//! global allocator (allocations and bytes per operation), then measured by criterion. The
//! counter only counts while a flag is set, so criterion's timings pay one relaxed load per
//! allocation. When `MAILOAUTH_BENCH_ALLOCS` names a file, the allocation counts are written
//! there as JSON for the report; criterion's own results land in `$CRITERION_HOME`.
//!
//! Run alone: `cargo bench -p mailoauth --bench core` (criterion's usual flags apply after `--`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::panic,
    clippy::disallowed_methods
)]

use criterion::Criterion;
use mailoauth::cloud::{Grant, Protocol};
use mailoauth::diagnose::token_lint::lint_access_token;
use mailoauth::http::HttpResponse;
use mailoauth::imap::{ImapAuth, ImapAuthConfig};
use mailoauth::login::{Action, AuthOutcome, InitialResponse};
use mailoauth::sasl::{Credentials, Mechanism};
use mailoauth::smtp::{SmtpAuth, SmtpAuthConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The system allocator, counting calls and bytes while `COUNTING` is set.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

impl Counting {
    fn note(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(size as u64, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters have no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::note(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::note(new_size);
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and allocated bytes per call of `f`, averaged over `runs` calls after a warm-up.
fn allocations(f: &mut dyn FnMut(), runs: u64) -> (f64, f64) {
    f();
    ALLOCS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..runs {
        f();
    }
    COUNTING.store(false, Ordering::SeqCst);
    let n = runs as f64;
    (
        ALLOCS.load(Ordering::SeqCst) as f64 / n,
        BYTES.load(Ordering::SeqCst) as f64 / n,
    )
}

/// Drives a mail exchange to its end with canned server lines; true if it authenticated.
fn drive(mut next: impl FnMut() -> Action, mut feed: impl FnMut(&[u8]), replies: &[&[u8]]) -> bool {
    let mut replies = replies.iter();
    loop {
        match next() {
            Action::Send(b) => {
                black_box(b);
            }
            Action::NeedLine => feed(replies.next().expect("a canned reply per line asked for")),
            Action::Done(o) => return matches!(o, AuthOutcome::Authenticated(_)),
        }
    }
}

/// A benchmark case: stable id (the report's key), a description, and the operation.
struct Case {
    id: &'static str,
    what: &'static str,
    op: Box<dyn FnMut()>,
}

/// The user and the 2 KB access token every mail case uses (a typical Entra token size).
const USER: &str = "archive@contoso.com";

fn token_2kb() -> String {
    let token = format!("eyJ0eXAiOiJKV1QifQ.{}.c2ln", "A".repeat(2048 - 24));
    assert_eq!(token.len(), 2048);
    token
}

fn cases() -> Vec<Case> {
    let token = token_2kb();
    let mut out = Vec::new();

    let t = token.clone();
    out.push(Case {
        id: "xoauth2_2kb",
        what: "XOAUTH2 initial response (base64) for a 2 KB token",
        op: Box::new(move || {
            black_box(mailoauth::sasl::xoauth2_base64(black_box(USER), black_box(&t)).unwrap());
        }),
    });

    let t = token.clone();
    let caps: Vec<String> = ["IMAP4rev1", "AUTH=XOAUTH2", "SASL-IR"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    out.push(Case {
        id: "imap_login",
        what: "IMAP AUTHENTICATE XOAUTH2 exchange (SASL-IR, tagged OK), in memory",
        op: Box::new(move || {
            let mut m = ImapAuth::new(ImapAuthConfig {
                mechanism: Mechanism::XOAuth2,
                credentials: Credentials::new(USER, t.as_str()),
                tag: "A1".into(),
                capabilities: caps.clone(),
            })
            .unwrap();
            let m = std::cell::RefCell::new(&mut m);
            let ok = drive(
                || m.borrow_mut().next_action(),
                |l| m.borrow_mut().receive_line(l).unwrap(),
                &[b"A1 OK [CAPABILITY IMAP4rev1 IDLE] AUTHENTICATE completed.\r\n"],
            );
            assert!(ok);
        }),
    });

    let t = token.clone();
    let ehlo: Vec<String> = ["AUTH LOGIN XOAUTH2", "8BITMIME", "SMTPUTF8"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    out.push(Case {
        id: "smtp_login",
        what: "SMTP AUTH XOAUTH2 exchange (334 continuation, 235), in memory",
        op: Box::new(move || {
            let mut m = SmtpAuth::new(SmtpAuthConfig {
                mechanism: Mechanism::XOAuth2,
                credentials: Credentials::new(USER, t.as_str()),
                ehlo_keywords: ehlo.clone(),
                initial_response: InitialResponse::Never,
            })
            .unwrap();
            let m = std::cell::RefCell::new(&mut m);
            let ok = drive(
                || m.borrow_mut().next_action(),
                |l| m.borrow_mut().receive_line(l).unwrap(),
                &[b"334 \r\n", b"235 2.7.0 Authentication successful\r\n"],
            );
            assert!(ok);
        }),
    });

    let body = format!(
        "{{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"{token}\",\"refresh_token\":\"{}\"}}",
        "r".repeat(1200)
    );
    let resp = HttpResponse::new(200, body.into_bytes());
    out.push(Case {
        id: "parse_token_response",
        what: "token-endpoint response (2 KB access + 1.2 KB refresh token) parsed",
        op: Box::new(move || {
            black_box(
                mailoauth::token::parse_token_response(black_box(&resp), 1_800_000_000).unwrap(),
            );
        }),
    });

    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSIsImlzcyI6Imh0dHBzOi8vc3RzLndpbmRvd3MubmV0LzExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NS8iLCJ0aWQiOiIxMTExMTExMS0yMjIyLTMzMzMtNDQ0NC01NTU1NTU1NTU1NTUiLCJ1cG4iOiJhbGljZUBjb250b3NvLmNvbSIsInNjcCI6IklNQVAuQWNjZXNzQXNVc2VyLkFsbCBQT1AuQWNjZXNzQXNVc2VyLkFsbCBTTVRQLlNlbmQiLCJleHAiOjE4MDAwMDMwMDAsImlhdCI6MTc5OTk5OTQwMSwiYXBwaWQiOiJhYWFhYWFhYS1iYmJiLWNjY2MtZGRkZC1lZWVlZWVlZWVlZWUifQ.bm90LWEtcmVhbC1zaWduYXR1cmU";
    out.push(Case {
        id: "lint_access_token",
        what: "access-token lint (decode the JWT, check audience, scopes, user, expiry)",
        op: Box::new(move || {
            let lint = lint_access_token(
                black_box(jwt),
                Protocol::Imap,
                Grant::Delegated,
                Some("alice@contoso.com"),
                1_800_000_000,
                None,
            );
            assert!(lint.claims.is_some());
            black_box(lint);
        }),
    });
    out
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut counts = Vec::new();
    for mut case in cases() {
        let (allocs, bytes) = allocations(&mut case.op, 1000);
        println!(
            "{:<24} {allocs:>6.1} allocations/op {bytes:>9.0} bytes/op  ({})",
            case.id, case.what
        );
        counts.push(format!(
            "{{\"id\":\"{}\",\"what\":\"{}\",\"allocs_per_op\":{allocs},\"bytes_per_op\":{bytes}}}",
            case.id, case.what
        ));
        criterion.bench_function(case.id, |b| b.iter(&mut case.op));
    }
    criterion.final_summary();
    if let Some(path) = std::env::var_os("MAILOAUTH_BENCH_ALLOCS") {
        std::fs::write(&path, format!("[{}]\n", counts.join(",")))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.to_string_lossy()));
    }
}
