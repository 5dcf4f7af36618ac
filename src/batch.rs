//! Large runs in batches, so that memory follows the largest group of related files rather
//! than the whole repository.
//!
//! Rules link resources across files, so a run keeps every file's tree, nginx model and links
//! in memory until the rules ran: on a 10,000-app monorepo that was six times the input. But
//! Kubernetes links resources within a namespace (an Ingress names a Service of its own
//! namespace, a Service selects the pods of its own namespace, a pod mounts ConfigMaps of its
//! own namespace), so files that share no namespace cannot change each other's findings. When
//! that holds for a whole repository, its files are split into groups that share nothing, and
//! the groups are loaded, modeled and linted a few megabytes at a time; only the file texts
//! and the findings stay for the report.
//!
//! Files are joined into one group when they share:
//! - a namespace;
//! - a directory (files of one directory are one app to the rules, see
//!   [`crate::model::Workspace::app_group`]);
//! - a Service name that a ConfigMap's nginx may reach through `proxy_pass` (`name.namespace`
//!   reaches another namespace): every word of a ConfigMap's text that is the name of a Service
//!   anywhere joins the two;
//! - a BackendConfig name that a Service's backend-config annotation holds (rules look for a
//!   missing BackendConfig in other namespaces, to say where it is).
//!
//! The split is all or nothing: a repository is linted in one piece as soon as one resource
//! does not name its namespace (links are lenient with those, so it may be linked to any
//! namespace), when it holds an IngressClass or the ingress-nginx controller's ConfigMap (both
//! apply to Ingresses of every namespace), a Service whose name is not a DNS label (the word
//! match above relies on it; a BackendConfig whose name is not a DNS subdomain, likewise), or
//! a file that is not a manifest (nginx files are linked by their
//! paths and `include`s). Finding where the groups are takes a second YAML parse of every file
//! (the trees of the first are dropped as soon as they are read).
//! `tests/batches_agree.rs` checks that a batched run reports exactly what a run in one piece
//! reports.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use crate::discover::FileKind;
use crate::load::{self, Input, Limits};
use crate::model::k8s;
use crate::model::links::BACKEND_CONFIG_KEYS;
use crate::model::{self, Resource};
use crate::parse::yaml::Node;
use crate::source::{to_u32, FileId};

/// Below this many bytes of input a run is never split: its model fits in a few hundred
/// megabytes at most, and the second parse would cost more than the smaller working set saves.
pub const MIN_BYTES: usize = 16 << 20;

/// A batch is closed once its files hold this many bytes: small enough that a batch's model
/// is a small part of a run's memory, large enough that every batch keeps both cores busy.
pub const BATCH_BYTES: usize = 2 << 20;

/// How to split a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Batching {
    /// In batches of [`BATCH_BYTES`] when the run reads [`MIN_BYTES`] or more and can be
    /// split.
    #[default]
    Auto,
    /// In one piece.
    Never,
    /// Whenever the run can be split, in batches of at most this many bytes (tests).
    Always { batch_bytes: usize },
}

/// Where a file may go.
enum Place {
    /// Anywhere: nothing in it links to another file (not a manifest, or one that does not
    /// parse). It stays with the files of its directory.
    Anywhere,
    /// With every file of one of its `namespaces`; with every file that has a `names` key that
    /// one of its `mentions` holds; and every file that has a name, with the others that have
    /// it and with those that mention it, once anyone mentions it (rules that follow a name
    /// look at every resource of that name, in any namespace). A mention that names nothing
    /// joins nothing: two ConfigMaps that both say `http` are not related. Keys are hashes:
    /// two keys that collide only join more.
    Joined {
        namespaces: Vec<u64>,
        names: Vec<u64>,
        mentions: Vec<u64>,
    },
    /// Nowhere but in one piece with everything.
    Whole,
}

/// One batch: its inputs in path order, and the position of each among all the run's inputs.
pub struct Batch {
    pub inputs: Vec<Input>,
    pub positions: Vec<u32>,
}

/// The inputs in batches, or all of them back (with what was read kept in their `content`)
/// when the run is linted in one piece.
pub fn plan(
    mut inputs: Vec<Input>,
    limits: &Limits,
    batching: Batching,
) -> Result<Vec<Batch>, Vec<Input>> {
    let (batch_bytes, min_bytes) = match batching {
        Batching::Never => return Err(inputs),
        Batching::Auto => (BATCH_BYTES, MIN_BYTES),
        Batching::Always { batch_bytes } => (batch_bytes, 0),
    };
    if inputs.iter().any(|i| i.kind != FileKind::Manifest) {
        return Err(inputs);
    }
    load::truncate_to_limit(&mut inputs, limits);
    // The run reads every file anyway: read them first, to know the size of the run.
    inputs
        .par_iter_mut()
        .for_each(|input| load::prefetch(input, limits));
    let bytes: usize = inputs
        .iter()
        .map(|i| i.content.as_ref().map_or(0, Vec::len))
        .sum();
    if bytes < min_bytes {
        return Err(inputs);
    }
    // Once one file rules a split out, the others are not parsed.
    let whole = AtomicBool::new(false);
    let places: Vec<Place> = inputs
        .par_iter_mut()
        .map(|input| {
            if whole.load(Ordering::Relaxed) {
                return Place::Whole;
            }
            let place = load::peek_manifest(input, limits, |stream| {
                place_of(&model::resources_in(FileId(0), stream))
            })
            .unwrap_or(Place::Anywhere);
            if matches!(place, Place::Whole) {
                whole.store(true, Ordering::Relaxed);
            }
            place
        })
        .collect();
    if whole.load(Ordering::Relaxed) {
        return Err(inputs);
    }
    let groups = groups(&inputs, &places);
    if groups.len() < 2 {
        return Err(inputs);
    }
    Ok(pack(inputs, groups, batch_bytes))
}

/// The keys a file's resources join on, or [`Place::Whole`].
fn place_of(resources: &[Resource]) -> Place {
    let mut namespaces = Vec::new();
    let mut names = Vec::new();
    let mut mentions = Vec::new();
    for r in resources {
        if !r.namespace_explicit
            || r.is("IngressClass")
            || r.is("ConfigMap") && k8s::is_ingress_nginx_controller_config(&r.name)
        {
            return Place::Whole;
        }
        namespaces.push(key(Key::Namespace, &r.namespace));
        if r.is("Service") {
            if !is_dns_label(&r.name) {
                return Place::Whole;
            }
            names.push(key(Key::Service, &r.name));
            for annotation in BACKEND_CONFIG_KEYS {
                let Some(value) = r.annotation_str(annotation) else {
                    continue;
                };
                // JSON escapes could spell a name the words below do not hold.
                if value.contains('\\') {
                    return Place::Whole;
                }
                mentions.extend(
                    value
                        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.')))
                        .filter(|w| !w.is_empty())
                        .map(|w| key(Key::BackendConfig, w)),
                );
            }
        } else if r.is("BackendConfig") {
            if !is_dns_subdomain(&r.name) {
                return Place::Whole;
            }
            names.push(key(Key::BackendConfig, &r.name));
        } else if r.is("ConfigMap") {
            for text in scalars(r.node()) {
                mentions.extend(words(text).map(|w| key(Key::Service, w)));
            }
        }
    }
    if namespaces.is_empty() {
        return Place::Anywhere;
    }
    for keys in [&mut namespaces, &mut names, &mut mentions] {
        keys.sort_unstable();
        keys.dedup();
    }
    Place::Joined {
        namespaces,
        names,
        mentions,
    }
}

#[derive(Hash)]
enum Key {
    Namespace,
    Service,
    BackendConfig,
}

fn key(kind: Key, name: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one((kind, name))
}

/// The words of a text that could be Service names: runs of letters, digits, `-` and `_`
/// that are DNS labels. A Service name that nginx reaches is one of them: the model takes a
/// host's name up to the first `.`, `:` or `/`, after `://` or the start of an argument, and a
/// DNS label has no escapes to undo. (Most words of an nginx config are not DNS labels:
/// `proxy_pass`, `X-Forwarded-For`, `3600s`, `$host`; they are never hashed.)
fn words(text: &str) -> impl Iterator<Item = &str> {
    // Bytes, not chars: a ConfigMap's text is most of what the planner reads, and a word is
    // ASCII (any other byte ends one, at a character boundary).
    let is_word_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            while at < bytes.len() && !is_word_byte(bytes[at]) {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && is_word_byte(bytes[at]) {
                at += 1;
            }
            let word = &text[start..at];
            if is_dns_label(word) {
                return Some(word);
            }
        }
        None
    })
}

/// Every scalar's text under `node` (a ConfigMap: its nginx may be in any value).
fn scalars(node: Node<'_>) -> Vec<&str> {
    let mut out = Vec::new();
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        if let Some(text) = node.as_str() {
            out.push(text);
        }
        pending.extend(node.items());
        for entry in node.entries() {
            pending.push(entry.key);
            pending.push(entry.value);
        }
    }
    out
}

/// DNS labels joined by dots, at most 253 characters: what a BackendConfig name must be (an
/// RFC 1123 subdomain).
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_rfc_1123_label)
}

/// A letter first: what a Service name must be (an RFC 1035 label).
fn is_dns_label(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase()) && is_rfc_1123_label(name)
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
fn is_rfc_1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// The inputs grouped (indices, ascending) so that no key and no directory is shared by two
/// groups; groups in the order of their first file.
fn groups(inputs: &[Input], places: &[Place]) -> Vec<Vec<usize>> {
    let mut sets = DisjointSets::new(inputs.len());
    let mut first_in_dir: HashMap<&std::ffi::OsStr, usize> = HashMap::new();
    let mut first_in_namespace: HashMap<u64, usize> = HashMap::new();
    let mut first_named: HashMap<u64, usize> = HashMap::new();
    let mut named: Vec<(u64, usize)> = Vec::new();
    for (i, (input, place)) in inputs.iter().zip(places).enumerate() {
        let dir = input.path.parent().unwrap_or(Path::new("")).as_os_str();
        let first = *first_in_dir.entry(dir).or_insert(i);
        sets.union(first, i);
        if let Place::Joined {
            namespaces, names, ..
        } = place
        {
            for namespace in namespaces {
                let first = *first_in_namespace.entry(*namespace).or_insert(i);
                sets.union(first, i);
            }
            for name in names {
                first_named.entry(*name).or_insert(i);
                named.push((*name, i));
            }
        }
    }
    let mut mentioned: HashSet<u64> = HashSet::new();
    for (i, place) in places.iter().enumerate() {
        if let Place::Joined { mentions, .. } = place {
            for mention in mentions {
                if let Some(&first) = first_named.get(mention) {
                    sets.union(first, i);
                    mentioned.insert(*mention);
                }
            }
        }
    }
    for (name, i) in named {
        if mentioned.contains(&name) {
            sets.union(first_named[&name], i);
        }
    }
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..inputs.len() {
        let root = sets.find(i);
        let next = groups.len();
        let group = *group_of_root.entry(root).or_insert(next);
        if group == next {
            groups.push(Vec::new());
        }
        groups[group].push(i);
    }
    groups
}

/// Groups into batches of about `batch_bytes`, each batch's inputs in path order.
fn pack(inputs: Vec<Input>, groups: Vec<Vec<usize>>, batch_bytes: usize) -> Vec<Batch> {
    let mut batch_of = vec![0usize; inputs.len()];
    let mut batches = 0;
    let mut bytes = 0;
    for group in &groups {
        if bytes >= batch_bytes || batches == 0 {
            batches += 1;
            bytes = 0;
        }
        for &i in group {
            batch_of[i] = batches - 1;
            bytes += inputs[i].content.as_ref().map_or(0, Vec::len);
        }
    }
    let mut out: Vec<Batch> = (0..batches)
        .map(|_| Batch {
            inputs: Vec::new(),
            positions: Vec::new(),
        })
        .collect();
    for (position, (input, batch)) in inputs.into_iter().zip(batch_of).enumerate() {
        out[batch].inputs.push(input);
        out[batch].positions.push(to_u32(position));
    }
    out
}

/// Union-find over input indices.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(len: usize) -> DisjointSets {
        DisjointSets {
            parent: (0..len).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller index is the root: a group is named by its first file.
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_are_rfc_1035_labels() {
        for name in ["chat", "a", "chat-api-2", &"a".repeat(63)] {
            assert!(is_dns_label(name), "{name}");
        }
        for name in [
            "",
            "2chat",
            "-chat",
            "chat-",
            "Chat",
            "chat_api",
            "chat.api",
            &"a".repeat(64),
        ] {
            assert!(!is_dns_label(name), "{name}");
        }
    }

    #[test]
    fn backend_config_names_are_rfc_1123_subdomains() {
        for name in ["chat-config", "2fa", "team.shared", "a.b-c.d"] {
            assert!(is_dns_subdomain(name), "{name}");
        }
        for name in [
            "",
            "Shared",
            "a..b",
            ".a",
            "a.",
            "-a",
            "a-.b",
            "a_b",
            &"a".repeat(254),
        ] {
            assert!(!is_dns_subdomain(name), "{name}");
        }
    }

    #[test]
    fn words_split_like_chars_do() {
        let by_chars = |text: &str| -> Vec<String> {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .filter(|w| is_dns_label(w))
                .map(String::from)
                .collect()
        };
        for text in [
            "",
            "chat",
            "  chat-api;é chat\u{e9}x ünïcode-ok wörd a_b c--d -e f- 9g h9 ",
            "proxy_pass http://café.team:80/; server 名前:1; x",
            "\"web\"'api'{auth}[feed](jobs)",
        ] {
            let by_bytes: Vec<String> = words(text).map(String::from).collect();
            assert_eq!(by_bytes, by_chars(text), "{text:?}");
        }
    }

    #[test]
    fn words_are_the_hosts_nginx_names() {
        let conf = "proxy_pass http://chat.team-b.svc:3000/x; server api:80; set $u \"web\";";
        let found: Vec<&str> = words(conf).collect();
        for host in [
            "chat", "team-b", "svc", "api", "web", "http", "set", "x", "u",
        ] {
            assert!(found.contains(&host), "{host} in {found:?}");
        }
        // Not Service names: never hashed.
        for other in ["proxy_pass", "3000", "80", "$u"] {
            assert!(!found.contains(&other), "{other} in {found:?}");
        }
    }
}
