#![no_main]
//! What a client sends to the relay before login: fed to a `RelaySession` of the protocol the
//! first byte picks, in chunks the input cuts, with the host's verdicts (success, refusal, TLS)
//! chosen by the flags. Never a panic; every `Send` is whole CR LF lines; after `Close` nothing more comes out and `receive` refuses; a login carries a user name.
use mailoauth::cloud::Protocol;
use mailoauth::relay::{LoginRefusal, RelayConfig, RelayOutput, RelaySession, RelayState};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (flags, rest) = match data.split_first() {
        Some((f, r)) => (*f, r),
        None => return,
    };
    let protocol = match flags % 3 {
        0 => Protocol::Imap,
        1 => Protocol::Pop,
        _ => Protocol::Smtp,
    };
    let config = RelayConfig {
        hostname: "relay.test".into(),
        tls_active: flags & 4 != 0,
        starttls: flags & 8 != 0,
        plaintext_login: flags & 16 != 0,
        upstream_capabilities: vec!["IMAP4rev1".into(), "AUTH=XOAUTH2".into(), "SIZE 100".into()],
    };
    let mut s = RelaySession::new(protocol, config).expect("a valid start");
    let mut logins = 0u32;
    // Chunks: split at 0xff bytes, which never matter to the protocols here.
    for chunk in rest.split(|&b| b == 0xff) {
        if s.receive(chunk).is_err() {
            assert!(matches!(
                s.state(),
                RelayState::Closed | RelayState::Relaying | RelayState::StartingTls
            ));
            if s.state() == RelayState::StartingTls {
                s.tls_started().expect("tls_started after StartTls");
            }
            continue;
        }
        while let Some(out) = s.poll_output() {
            match out {
                RelayOutput::Send(bytes) => {
                    assert!(bytes.ends_with(b"\r\n"), "whole lines");
                    for line in bytes[..bytes.len() - 2].split(|&b| b == b'\n') {
                        let body = line.strip_suffix(b"\r").unwrap_or(line);
                        assert!(!body.contains(&b'\r') && !body.contains(&0), "clean lines");
                    }
                }
                RelayOutput::StartTls => {}
                RelayOutput::Login(login) => {
                    assert!(!login.user.is_empty() || protocol == Protocol::Imap);
                    logins += 1;
                    if flags & 32 != 0 && logins == 2 {
                        s.login_succeeded(Some(vec!["IMAP4rev1".into()])).expect("checking");
                        let _ = s.take_pending_input();
                        return;
                    }
                    s.login_failed(&LoginRefusal {
                        code: "bad_credentials".into(),
                        text: "no\r\nway".into(),
                        temporary: flags & 64 != 0,
                    })
                    .expect("checking");
                }
                RelayOutput::Close(_) => {
                    assert_eq!(s.state(), RelayState::Closed);
                    assert_eq!(s.poll_output(), None);
                    assert!(s.receive(b"x").is_err());
                    return;
                }
            }
        }
    }
});
