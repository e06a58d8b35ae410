#![no_main]
//! Device-flow responses from the network: the device authorization response and the poll
//! answers must parse or fail with a typed error, never panic, and the poller must stay
//! consistent (a poll time in the future, `Done` once finished) whatever it is fed.
use mailoauth::device::{
    parse_device_authorization_response, parse_device_poll_response, DeviceAction,
    DeviceAuthorization, DevicePoller, PollResult,
};
use mailoauth::http::HttpResponse;
use mailoauth::Secret;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]) % 1000, rest),
        _ => (200, data),
    };
    let now = 1_800_000_000;
    let resp = HttpResponse::new(status, body.to_vec()).with_header("Retry-After", "7");
    if let Ok(a) = parse_device_authorization_response(&resp, now) {
        assert!(!a.device_code.is_empty());
        assert!(a.expires_at >= now);
    }
    for interval in [0, 5, u64::MAX] {
        if let Ok(PollResult::Pending { interval: i, next_poll_at }) =
            parse_device_poll_response(&resp, now, interval)
        {
            assert!(i >= interval);
            assert!(next_poll_at >= now);
        }
    }
    // Feed the same answer to a poller until it finishes or the code expires.
    let auth = DeviceAuthorization {
        device_code: Secret::new("dc"),
        user_code: "U".into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        verification_uri_complete: None,
        expires_at: now + 900,
        interval: 5,
        message: None,
    };
    let Ok(mut poller) =
        DevicePoller::new("https://login.microsoftonline.com/common/oauth2/v2.0/token", "c", &auth, now)
    else {
        panic!("a valid poller");
    };
    let mut t = now;
    for _ in 0..400 {
        match poller.next_action(t) {
            DeviceAction::PollAt(at) => {
                assert!(at > t);
                t = at;
            }
            DeviceAction::Send(_) => poller.receive_response(&resp, t).expect("a request is out"),
            DeviceAction::Done(_) => {
                assert!(poller.outcome().is_some());
                break;
            }
        }
    }
    assert!(matches!(poller.next_action(now + 900), DeviceAction::Done(_)));
});
