#![no_main]
// Placeholder: replaced by the real target with its module.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = data;
});
