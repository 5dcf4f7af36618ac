//! Names: equality for the lookups rules make by the million, and edit distance for "did you
//! mean" suggestions (config keys, rule ids, annotation keys, resource names).

/// Whether two names are equal. Names of one length usually differ in their first or last
/// byte (`name`/`kind`/`spec`, `proxy_pass`/`proxy_set_header`, `.../backend-config`/`.../neg`):
/// those are compared inline before the whole name, which saves a call to `memcmp` for most
/// candidates of a lookup.
#[inline]
pub fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
}

/// Edit distance in characters (Levenshtein).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_names_are_equal_bytes() {
        for (a, b) in [("", ""), ("a", "a"), ("spec", "spec"), ("x/neg", "x/neg")] {
            assert!(same_name(a.as_bytes(), b.as_bytes()), "{a} {b}");
        }
        for (a, b) in [
            ("", "a"),
            ("name", "kind"),
            ("abcd", "abce"),
            ("abcd", "xbcd"),
            ("abxd", "abcd"),
        ] {
            assert!(!same_name(a.as_bytes(), b.as_bytes()), "{a} {b}");
        }
    }

    #[test]
    fn distances() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("café", "cafe"), 1);
    }
}
