#![no_main]
//! Server lines fed to the relay's upstream preamble (`relay::UpstreamPreamble`) of the protocol
//! the first byte picks, with or without STARTTLS. Never a panic; every `Send` is one CR LF line;
//! after an error or `Done` no further line is accepted.
use mailoauth::cloud::Protocol;
use mailoauth::relay::{PreambleAction, UpstreamPreamble};

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
    let mut m = UpstreamPreamble::new(protocol, "relay.test", flags & 4 != 0).expect("a valid start");
    for line in rest.split_inclusive(|&b| b == b'\n') {
        loop {
            match m.next_action() {
                PreambleAction::Send(bytes) => {
                    assert!(bytes.ends_with(b"\r\n"));
                    assert!(!bytes[..bytes.len() - 2].iter().any(|&b| b == b'\r' || b == b'\n'));
                }
                PreambleAction::StartTls => m.tls_started().expect("after StartTls"),
                PreambleAction::NeedLine => break,
                PreambleAction::Done(_) => {
                    assert!(m.receive_line(line).is_err());
                    return;
                }
            }
        }
        if let Err(e) = m.receive_line(line) {
            assert_eq!(e.code(), "unexpected_reply", "{e}");
            assert!(m.receive_line(b"+OK\r\n").is_err());
            return;
        }
    }
});
