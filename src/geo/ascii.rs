//! ASCII folding of place names: `São Paulo` -> `Sao Paulo`, `Köln` -> `Koln`.
//!
//! The shipped GeoNames extract has no `asciiname` column, so the table
//! builder folds names itself: canonical decomposition (NFD), combining marks
//! dropped, and a short table for letters that do not decompose (`ß`, `ł`,
//! `ø`, `æ`, typographic quotes, ...). Lookups fold the query the same way,
//! so `São Paulo` and `Sao Paulo` find the same city.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` to ASCII; `None` if some character has no folding.
pub fn fold(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        let rep = match c {
            'ß' => "ss",
            'æ' => "ae",
            'Æ' => "AE",
            'œ' => "oe",
            'Œ' => "OE",
            'ø' => "o",
            'Ø' => "O",
            'ð' => "d",
            'Ð' | 'Đ' => "D",
            'đ' => "d",
            'þ' => "th",
            'Þ' => "Th",
            'ħ' => "h",
            'Ħ' => "H",
            'ı' => "i",
            'ł' => "l",
            'Ł' => "L",
            'ə' => "a",
            'Ə' => "A",
            'ŀ' => "l",
            'ŉ' => "n",
            '\u{2018}' | '\u{2019}' | '\u{02BB}' | '\u{02BC}' | '\u{02BF}' | '\u{02BE}'
            | '\u{00B4}' => "'",
            '\u{2013}' | '\u{2014}' | '\u{2010}' => "-",
            '\u{00A0}' => " ",
            _ => return None,
        };
        out.push_str(rep);
    }
    Some(out)
}

/// Folds and lower-cases, keeping unfoldable characters as they are: the
/// key used for case- and accent-insensitive name lookup.
pub fn key(s: &str) -> String {
    fold(s).unwrap_or_else(|| s.to_string()).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_common_names() {
        assert_eq!(fold("São Paulo").as_deref(), Some("Sao Paulo"));
        assert_eq!(fold("Xi’an").as_deref(), Some("Xi'an"));
        assert_eq!(fold("Kraków").as_deref(), Some("Krakow"));
        assert_eq!(fold("Łódź").as_deref(), Some("Lodz"));
        assert_eq!(fold("Cần Thơ").as_deref(), Some("Can Tho"));
        assert_eq!(fold("İzmir").as_deref(), Some("Izmir"));
        assert_eq!(fold("Düsseldorf").as_deref(), Some("Dusseldorf"));
        assert_eq!(fold("東京"), None);
        assert_eq!(key("BOGOTÁ"), "bogota");
    }
}
