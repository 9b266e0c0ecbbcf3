//! Scenario text (TOML, or JSON when it starts with `{`) through loading,
//! `--set` overrides and validation: any input must give Ok or an
//! InputError whose message is one line, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line, if it starts with "--set ", is an override.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (sets, body) = match text.strip_prefix("--set ") {
        Some(rest) => {
            let (set, body) = rest.split_once('\n').unwrap_or((rest, ""));
            (vec![set.to_string()], body)
        }
        None => (Vec::new(), text),
    };
    let json = body.trim_start().starts_with('{');
    let file = if json { "fuzz.json" } else { "fuzz.toml" };
    let res = cdnsim::scenario::load_str(file, body.to_string(), json, &sets)
        .and_then(|l| cdnsim::scenario::validate(&l));
    if let Err(e) = res {
        assert!(!e.to_string().contains('\n'), "multi-line error: {e}");
    }
});
