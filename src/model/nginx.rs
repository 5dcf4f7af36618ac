//! nginx configs in the model: each config (a file with its includes spliced in, or an
//! nginx.conf inside a ConfigMap) as an arena of directives with parent links, plus the
//! evaluation nginx itself does: which `server` takes a port, which `location` takes a path,
//! and the effective value of a directive after inheritance.
//!
//! Spans always point into real files: for embedded configs they were mapped back into the
//! YAML file when the config was built.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::borrow::Cow;

use compact_str::CompactString;
use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Level, Location};
use crate::load::IncludeTarget;
use crate::parse::embedded::OffsetMap;
use crate::parse::nginx::{self as parser, Arg};
use crate::parse::yaml::{Node, ScalarStyle};
use crate::source::{to_u32, FileId, SourceFile, Span};

use super::{ResId, Resource};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConfId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DirId(pub u32);

/// Where a config comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(FileId),
    /// `data.<key>` of a ConfigMap.
    ConfigMap {
        resource: ResId,
        key: String,
        file: FileId,
        /// Literal block scalars take inserted lines as they are; other styles would need
        /// re-quoting, so fixes there are display-only.
        editable: bool,
    },
}

/// One directive in a config's arena. Every directive of every config of a repository is in
/// memory until the rules ran: arguments are an exact-size boxed slice (no capacity word, no
/// growth slack), children a range of the config's table of children.
#[derive(Clone, Debug)]
pub struct Dir {
    pub name: CompactString,
    pub args: Box<[Arg]>,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    /// `{` and `}` of a block directive.
    pub block: Option<(Span, Span)>,
    pub parent: Option<DirId>,
    /// Where the children's ids are in the config's [`Conf::children`] table.
    children: ChildRange,
}

/// A block's children: consecutive ids in its config's table of children.
#[derive(Clone, Copy, Debug, Default)]
struct ChildRange {
    start: u32,
    len: u32,
}

impl Dir {
    /// Whether this is a `name` directive (rules scan a config's directives by name over and
    /// over).
    #[inline]
    pub fn is(&self, name: &str) -> bool {
        crate::names::same_name(self.name.as_bytes(), name.as_bytes())
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }

    pub fn location(&self) -> Location {
        Location::new(self.file, self.span)
    }

    /// The `location` modifier and path: (`=`, `/x`), (`~*`, `\.php$`), (``, `/`).
    pub fn location_match(&self) -> Option<(&str, &str)> {
        match &self.args[..] {
            [path] => Some(("", path.value.as_str())),
            [modifier, path, ..] => Some((modifier.value.as_str(), path.value.as_str())),
            [] => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Conf {
    pub id: ConfId,
    pub origin: Origin,
    pub dirs: Vec<Dir>,
    pub top: Vec<DirId>,
    /// The children of every block, each block's consecutive: one table rather than one
    /// allocation per block.
    child_ids: Box<[DirId]>,
}

impl Conf {
    pub fn dir(&self, id: DirId) -> &Dir {
        &self.dirs[id.0 as usize]
    }

    pub fn file(&self) -> FileId {
        match &self.origin {
            Origin::File(f) => *f,
            Origin::ConfigMap { file, .. } => *file,
        }
    }

    /// Fixes that insert text are applicable only where inserted lines stay what they are.
    pub fn editable(&self) -> bool {
        match &self.origin {
            Origin::File(_) => true,
            Origin::ConfigMap { editable, .. } => *editable,
        }
    }

    pub fn children(&self, id: Option<DirId>) -> &[DirId] {
        match id {
            Some(id) => {
                let ChildRange { start, len } = self.dir(id).children;
                &self.child_ids[start as usize..(start + len) as usize]
            }
            None => &self.top,
        }
    }

    /// Every directive named `name`, at any depth, in source order.
    ///
    /// The arena is in source order already: `splice` pushes each directive before its block's
    /// children and an included file's directives right after the `include`, so a scan of the
    /// arena is the tree walk without the walking.
    pub fn all(&self, name: &str) -> Vec<DirId> {
        self.dirs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is(name))
            .map(|(i, _)| DirId(to_u32(i)))
            .collect()
    }

    /// Children of `parent` named `name`.
    pub fn child_named(&self, parent: Option<DirId>, name: &str) -> Vec<DirId> {
        self.children(parent)
            .iter()
            .copied()
            .filter(|&c| self.dir(c).is(name))
            .collect()
    }

    /// The `http` block, if the config has one.
    pub fn http(&self) -> Option<DirId> {
        self.top.iter().copied().find(|&d| self.dir(d).is("http"))
    }

    /// A fragment holds `server` blocks at top level (a conf.d file, included inside `http`).
    pub fn is_fragment(&self) -> bool {
        self.http().is_none() && !self.top.iter().any(|&d| self.dir(d).is("events"))
    }

    /// All `server` blocks in the http context.
    pub fn servers(&self) -> Vec<DirId> {
        let parent = self.http();
        if parent.is_none() && !self.is_fragment() {
            return Vec::new();
        }
        self.child_named(parent, "server")
    }

    /// The effective directive `name` at `at`: the nearest level (the directive itself, then
    /// its ancestors) that defines it at least once, with all its occurrences there. That is
    /// nginx's inheritance for both single-value directives and array directives like
    /// `proxy_set_header`, which are inherited only when a level defines none.
    pub fn effective(&self, at: DirId, name: &str) -> Option<(Option<DirId>, Vec<DirId>)> {
        let mut level = Some(at);
        loop {
            let found = self.child_named(level, name);
            if !found.is_empty() {
                return Some((level, found));
            }
            level = self.dir(level?).parent;
            // The top level of a fragment has no directives of its own to inherit from here.
            if level.is_none() {
                let top = self.child_named(None, name);
                return (!top.is_empty()).then_some((None, top));
            }
        }
    }

    /// The single effective value of `name` at `at` (the last occurrence wins).
    pub fn effective_one(&self, at: DirId, name: &str) -> Option<DirId> {
        self.effective(at, name)
            .and_then(|(_, v)| v.last().copied())
    }

    /// Ancestors of `id`, nearest first, itself excluded.
    pub fn ancestors(&self, id: DirId) -> impl Iterator<Item = DirId> + '_ {
        std::iter::successors(self.dir(id).parent, move |&p| self.dir(p).parent)
    }

    /// Every `location` block, at any depth.
    pub fn locations(&self) -> Vec<DirId> {
        self.all("location")
    }

    /// The server blocks that take connections on `port`: those whose `listen` names it
    /// (a server without `listen` listens on 80).
    pub fn servers_on_port(&self, port: i64) -> Vec<DirId> {
        let mut matching: Vec<(bool, DirId)> = Vec::new();
        for server in self.servers() {
            let listens = self.child_named(Some(server), "listen");
            if listens.is_empty() {
                if port == 80 {
                    matching.push((false, server));
                }
                continue;
            }
            for l in listens {
                let d = self.dir(l);
                if d.arg(0).and_then(listen_port) == Some(port) {
                    let default = d
                        .args
                        .iter()
                        .any(|a| a.value == "default_server" || a.value == "default");
                    matching.push((default, server));
                }
            }
        }
        // The default server first, then in order.
        matching.sort_by_key(|&(default, _)| !default);
        let mut out: Vec<DirId> = matching.into_iter().map(|(_, s)| s).collect();
        out.dedup();
        out
    }

    /// The `location` nginx picks for `path` in `server` (nested locations included):
    /// exact `=` match; else the longest prefix, unless it is `^~`, goes through the regex
    /// locations in order; the first matching regex wins, else the longest prefix.
    pub fn select_location(&self, server: DirId, path: &str) -> Option<DirId> {
        self.select_in(Some(server), path, 0).map(|(loc, _)| loc)
    }

    /// nginx's `ngx_http_core_find_location` for the locations under `parent`: the chosen
    /// location, and whether the choice is final (an exact or regex match, which ends the
    /// search) or a prefix match (the enclosing level's regexes still go first).
    fn select_in(&self, parent: Option<DirId>, path: &str, depth: usize) -> Option<(DirId, bool)> {
        let mut best_prefix: Option<(usize, DirId, bool)> = None;
        let mut regexes = Vec::new();
        for loc in self.child_named(parent, "location") {
            let Some((modifier, pattern)) = self.dir(loc).location_match() else {
                continue;
            };
            match modifier {
                "=" if pattern == path => return Some((loc, true)),
                "~" | "~*" => regexes.push((loc, modifier == "~*", pattern)),
                "^~" | ""
                    if !pattern.starts_with('@')
                        && path.starts_with(pattern)
                        && best_prefix.is_none_or(|(len, _, _)| pattern.len() > len) =>
                {
                    best_prefix = Some((pattern.len(), loc, modifier == "^~"));
                }
                "^~" | "" => {}
                _ => {}
            }
        }
        // Inside the longest prefix, nested locations are looked up first: an exact or regex
        // match there is final; a nested prefix match only replaces the outer prefix.
        let mut chosen = None;
        let mut noregex = false;
        if let Some((_, loc, no_regex)) = best_prefix {
            noregex = no_regex;
            chosen = Some(loc);
            if depth < 8 {
                match self.select_in(Some(loc), path, depth + 1) {
                    Some((nested, true)) => return Some((nested, true)),
                    Some((nested, false)) => chosen = Some(nested),
                    None => {}
                }
            }
        }
        if !noregex {
            for (loc, case_insensitive, pattern) in regexes {
                let compiled = regex::RegexBuilder::new(pattern)
                    .case_insensitive(case_insensitive)
                    .size_limit(1 << 20)
                    .build();
                if compiled.is_ok_and(|re| re.is_match(path)) {
                    return Some((loc, true));
                }
            }
        }
        chosen.map(|loc| (loc, false))
    }

    /// The source text to indent an inserted child of `block` with: the indentation of its
    /// first child, else the block's own plus four spaces.
    pub fn child_indent(&self, files: &[SourceFile], block: DirId) -> String {
        let d = self.dir(block);
        let file = &files[d.file.0 as usize];
        let reference = self
            .children(Some(block))
            .first()
            .map(|&c| self.dir(c))
            .filter(|c| c.file == d.file)
            .map(|c| indentation_at(file, c.span.start));
        reference.unwrap_or_else(|| format!("{}    ", indentation_at(file, d.span.start)))
    }

    /// Where to insert a new first child of `block`: the start of the line after `{`.
    pub fn insertion_point(&self, files: &[SourceFile], block: DirId) -> Option<u32> {
        let d = self.dir(block);
        let (open, _) = d.block?;
        let file = &files[d.file.0 as usize];
        let after = &file.text[open.end as usize..];
        let newline = after.find('\n')?;
        // Only when nothing but blanks or a comment follows `{` on its line.
        let rest = after[..newline].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return None;
        }
        Some(open.end + to_u32(newline + 1))
    }
}

/// The leading blanks of the line holding `offset`.
pub fn indentation_at(file: &SourceFile, offset: u32) -> String {
    let line = file.line_col(offset).line;
    let text = file.line_text(line);
    text[..text.len() - text.trim_start().len()].to_string()
}

/// The port of a `listen` argument: `80`, `*:80`, `127.0.0.1:8080`, `[::]:80`.
pub fn listen_port(arg: &str) -> Option<i64> {
    if arg.starts_with("unix:") {
        return None;
    }
    match arg.rsplit_once(':') {
        // `[::]:80`, `*:8080`, `127.0.0.1:8080`, `localhost:80`
        Some((_, p)) if !arg.ends_with(']') => p.parse().ok(),
        // `[::]`: an address only, port 80
        Some(_) => Some(80),
        // `8080`, or an address only (`127.0.0.1`, `localhost`, `*`): port 80
        None => Some(arg.parse().unwrap_or(80)),
    }
}

#[derive(Debug, Default)]
pub struct NginxModel {
    pub confs: Vec<Conf>,
    /// ConfigMap resource and key -> its config.
    pub by_config_map: HashMap<(ResId, String), ConfId>,
    /// Unresolved includes: the directive and why (LM003).
    pub unresolved_includes: Vec<(Location, String)>,
}

impl NginxModel {
    pub fn conf(&self, id: ConfId) -> &Conf {
        &self.confs[id.0 as usize]
    }

    pub fn build(
        files: &[SourceFile],
        parsed: Vec<(FileId, parser::Config)>,
        included_only: &[FileId],
        includes: &HashMap<(FileId, Span), IncludeTarget>,
        resources: &[Resource],
        only_config_maps: Option<&HashSet<ResId>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> NginxModel {
        let mut model = NginxModel::default();
        let by_file: HashMap<FileId, &parser::Config> =
            parsed.iter().map(|(f, c)| (*f, c)).collect();
        let included: foldhash::HashSet<FileId> = includes
            .values()
            .filter_map(|t| match t {
                IncludeTarget::Files(ids) => Some(ids.iter().copied()),
                IncludeTarget::Unresolved(_) => None,
            })
            .flatten()
            .chain(included_only.iter().copied())
            .collect();
        // Roots: files nobody includes; then, for include cycles that no root reaches, the
        // first file of the cycle (so the loop is reported, not silently dropped).
        let mut edges: HashMap<FileId, Vec<FileId>> = HashMap::new();
        for ((from, _), target) in includes {
            if let IncludeTarget::Files(ids) = target {
                edges.entry(*from).or_default().extend(ids.iter().copied());
            }
        }
        let mut reached: foldhash::HashSet<FileId> = foldhash::HashSet::default();
        let mut roots = Vec::new();
        let visit = |start: FileId, reached: &mut foldhash::HashSet<FileId>| {
            let mut stack = vec![start];
            while let Some(f) = stack.pop() {
                if reached.insert(f) {
                    stack.extend(edges.get(&f).into_iter().flatten().copied());
                }
            }
        };
        for (file, _) in &parsed {
            if !included.contains(file) {
                roots.push(*file);
                visit(*file, &mut reached);
            }
        }
        let included_only: HashSet<FileId> = included_only.iter().copied().collect();
        for (file, _) in &parsed {
            if !reached.contains(file) && !included_only.contains(file) {
                roots.push(*file);
                visit(*file, &mut reached);
            }
        }
        let root_set: HashSet<FileId> = roots.iter().copied().collect();
        for (file, config) in parsed.iter().filter(|(f, _)| root_set.contains(f)) {
            let id = ConfId(to_u32(model.confs.len()));
            let mut builder = Builder {
                dirs: Vec::with_capacity(count_directives(&config.directives)),
                child_ids: Vec::new(),
                includes,
                by_file: &by_file,
                unresolved: &mut model.unresolved_includes,
            };
            let top = builder.splice(
                *file,
                Directives::Shared(&config.directives),
                None,
                &mut vec![*file],
            );
            let (dirs, child_ids) = builder.finish();
            model.confs.push(Conf {
                id,
                origin: Origin::File(*file),
                dirs,
                top,
                child_ids,
            });
        }
        // Embedded configs: parsed and built in parallel (one task per ConfigMap value), then
        // numbered in resource order so the result does not depend on scheduling.
        // Telling nginx values from others reads every ConfigMap value: in parallel too.
        let candidates: Vec<(&Resource, &str, Node<'_>)> = resources
            .par_iter()
            .filter(|r| r.is("ConfigMap"))
            .filter(|r| only_config_maps.is_none_or(|only| only.contains(&r.id)))
            .flat_map_iter(|r| {
                r.node()
                    .get("data")
                    .into_iter()
                    .flat_map(Node::entries)
                    .filter_map(move |e| Some((r, e.key.as_str()?, e.value)))
            })
            .filter(|(_, _, v)| v.scalar().is_some_and(|s| looks_like_nginx("", s.text)))
            .collect();
        let built: Vec<Embedded> = candidates
            .par_iter()
            .map(|&(r, key, value)| build_embedded(files, r, key, value, includes, &by_file))
            .collect();
        for (&(r, key, _), outcome) in candidates.iter().zip(built) {
            match outcome {
                Embedded::Skip => {}
                Embedded::Failed(d) => diagnostics.push(d),
                Embedded::Built {
                    dirs,
                    top,
                    child_ids,
                    unresolved,
                    editable,
                } => {
                    let id = ConfId(to_u32(model.confs.len()));
                    model.unresolved_includes.extend(unresolved);
                    model.confs.push(Conf {
                        id,
                        origin: Origin::ConfigMap {
                            resource: r.id,
                            key: key.to_string(),
                            file: r.file,
                            editable,
                        },
                        dirs,
                        top,
                        child_ids,
                    });
                    model.by_config_map.insert((r.id, key.to_string()), id);
                }
            }
        }
        model
    }
}

/// What one ConfigMap value turned out to be.
enum Embedded {
    Skip,
    Failed(Diagnostic),
    Built {
        dirs: Vec<Dir>,
        top: Vec<DirId>,
        child_ids: Box<[DirId]>,
        unresolved: Vec<(Location, String)>,
        editable: bool,
    },
}

fn build_embedded(
    files: &[SourceFile],
    r: &Resource,
    key: &str,
    value: Node<'_>,
    includes: &HashMap<(FileId, Span), IncludeTarget>,
    by_file: &HashMap<FileId, &parser::Config>,
) -> Embedded {
    let Some(scalar) = value.scalar() else {
        return Embedded::Skip;
    };
    let file = &files[r.file.0 as usize];
    let map = OffsetMap::build(&file.text, value.span, scalar.style, scalar.text);
    match parser::parse(scalar.text) {
        Ok(mut config) => {
            if !has_nginx_blocks(&config) {
                return Embedded::Skip;
            }
            remap(&mut config.directives, &map);
            let mut unresolved = Vec::new();
            let mut builder = Builder {
                dirs: Vec::with_capacity(count_directives(&config.directives)),
                child_ids: Vec::new(),
                includes,
                by_file,
                unresolved: &mut unresolved,
            };
            // The parsed config is used once: its directives move into the arena.
            let top = builder.splice(
                r.file,
                Directives::Owned(config.directives),
                None,
                &mut Vec::new(),
            );
            let (dirs, child_ids) = builder.finish();
            Embedded::Built {
                dirs,
                top,
                child_ids,
                unresolved,
                editable: scalar.style == ScalarStyle::Literal,
            }
        }
        Err(e) if reads_like_nginx(scalar.text) => Embedded::Failed(
            Diagnostic::new(
                "LM002",
                Level::Error,
                Location::new(r.file, map.span(e.span)),
                format!(
                    "invalid nginx config in ConfigMap `{}` key `{key}`: {}",
                    r.name, e.message
                ),
            )
            .with_identity(format!("{}/data/{key}", r.identity())),
        ),
        Err(_) => Embedded::Skip,
    }
}

/// A ConfigMap value may be nginx config when it has blocks and semicolons; whether it is
/// is decided by its directives (many `.conf` files are not nginx: redis.conf,
/// nsswitch.conf).
fn looks_like_nginx(_key: &str, text: &str) -> bool {
    text.contains('{') && text.contains(';') && text.contains('}')
}

/// Directives only nginx configs have, for values that fail to parse.
fn reads_like_nginx(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        [
            "server {",
            "http {",
            "events {",
            "location ",
            "upstream ",
            "proxy_pass ",
            "server_name ",
        ]
        .iter()
        .any(|kw| t.starts_with(kw))
    })
}

fn has_nginx_blocks(config: &parser::Config) -> bool {
    config.directives.iter().any(|d| {
        d.block.is_some()
            && matches!(
                d.name.as_str(),
                "http" | "server" | "events" | "location" | "upstream" | "map" | "stream"
            )
    })
}

fn remap(directives: &mut [parser::Directive], map: &OffsetMap) {
    let mut stack: Vec<&mut parser::Directive> = directives.iter_mut().collect();
    while let Some(d) = stack.pop() {
        d.span = map.span(d.span);
        d.name_span = map.span(d.name_span);
        for a in &mut d.args {
            a.span = map.span(a.span);
        }
        if let Some(block) = &mut d.block {
            block.open = map.span(block.open);
            block.close = map.span(block.close);
            block.raw = block.raw.map(|r| map.span(r));
            stack.extend(block.directives.iter_mut());
        }
    }
}

/// Directives and their blocks, block directives included, at any depth.
fn count_directives(directives: &[parser::Directive]) -> usize {
    let mut count = 0;
    let mut stack = vec![directives];
    while let Some(level) = stack.pop() {
        count += level.len();
        stack.extend(
            level
                .iter()
                .filter_map(|d| d.block.as_ref())
                .map(|b| &b.directives[..]),
        );
    }
    count
}

/// Parsed directives to splice into an arena.
enum Directives<'p> {
    /// From a config used once (an embedded one): moved, their allocations reused.
    Owned(Vec<parser::Directive>),
    /// From a file's config, which several `include`s may splice: copied.
    Shared(&'p [parser::Directive]),
}

impl<'p> Directives<'p> {
    fn len(&self) -> usize {
        match self {
            Directives::Owned(d) => d.len(),
            Directives::Shared(d) => d.len(),
        }
    }

    fn into_iter(self) -> Box<dyn Iterator<Item = Cow<'p, parser::Directive>> + 'p> {
        match self {
            Directives::Owned(d) => Box::new(d.into_iter().map(Cow::Owned)),
            Directives::Shared(d) => Box::new(d.iter().map(Cow::Borrowed)),
        }
    }
}

/// A directive's part of the arena, and the directives of its block to splice under it (none
/// for Lua blocks, whose body is raw text).
fn arena_part(
    d: Cow<'_, parser::Directive>,
    file: FileId,
    parent: Option<DirId>,
) -> (Dir, Option<Directives<'_>>) {
    match d {
        Cow::Owned(parser::Directive {
            name,
            name_span,
            args,
            block,
            span,
            line: _,
        }) => {
            let dir = Dir {
                name,
                // The parser gives arguments an exact-size vector: boxing it does not copy.
                args: args.into_boxed_slice(),
                file,
                span,
                name_span,
                block: block.as_ref().map(|b| (b.open, b.close)),
                parent,
                children: ChildRange::default(),
            };
            let nested = block
                .filter(|b| b.raw.is_none())
                .map(|b| Directives::Owned(b.directives));
            (dir, nested)
        }
        Cow::Borrowed(d) => {
            let dir = Dir {
                name: d.name.clone(),
                args: d.args.as_slice().into(),
                file,
                span: d.span,
                name_span: d.name_span,
                block: d.block.as_ref().map(|b| (b.open, b.close)),
                parent,
                children: ChildRange::default(),
            };
            let nested = d
                .block
                .as_ref()
                .filter(|b| b.raw.is_none())
                .map(|b| Directives::Shared(&b.directives[..]));
            (dir, nested)
        }
    }
}

struct Builder<'a> {
    dirs: Vec<Dir>,
    child_ids: Vec<DirId>,
    includes: &'a HashMap<(FileId, Span), IncludeTarget>,
    by_file: &'a HashMap<FileId, &'a parser::Config>,
    unresolved: &'a mut Vec<(Location, String)>,
}

impl<'a> Builder<'a> {
    /// The arena, without growth slack (it was sized from the parsed tree, but includes add
    /// to it).
    fn finish(mut self) -> (Vec<Dir>, Box<[DirId]>) {
        self.dirs.shrink_to_fit();
        (self.dirs, self.child_ids.into_boxed_slice())
    }

    /// Add `directives` of `file` under `parent`, splicing included files in place of each
    /// `include` (kept as a leaf for its location). `chain` holds the files being included,
    /// to stop loops. Recursion is bounded by the parser's nesting cap and the include chain.
    fn splice(
        &mut self,
        file: FileId,
        directives: Directives<'a>,
        parent: Option<DirId>,
        chain: &mut Vec<FileId>,
    ) -> Vec<DirId> {
        let mut ids = Vec::with_capacity(directives.len());
        for d in directives.into_iter() {
            let id = DirId(to_u32(self.dirs.len()));
            let (part, nested) = arena_part(d, file, parent);
            self.dirs.push(part);
            ids.push(id);
            if let Some(nested) = nested {
                let children = self.splice(file, nested, Some(id), chain);
                self.dirs[id.0 as usize].children = ChildRange {
                    start: to_u32(self.child_ids.len()),
                    len: to_u32(children.len()),
                };
                self.child_ids.extend(children);
            }
            let d = &self.dirs[id.0 as usize];
            if d.name == "include" {
                let span = d.span;
                match self.includes.get(&(file, span)) {
                    Some(IncludeTarget::Files(targets)) => {
                        for target in targets {
                            if chain.contains(target) || chain.len() > 16 {
                                self.unresolved.push((Location::new(file, span), "include loop: this file is already being included; not followed again".into()));
                                continue;
                            }
                            if let Some(config) = self.by_file.get(target) {
                                chain.push(*target);
                                let spliced = self.splice(
                                    *target,
                                    Directives::Shared(&config.directives),
                                    parent,
                                    chain,
                                );
                                chain.pop();
                                ids.extend(spliced);
                            }
                        }
                    }
                    Some(IncludeTarget::Unresolved(reason)) if !reason.is_empty() => {
                        self.unresolved
                            .push((Location::new(file, span), reason.clone()));
                    }
                    Some(IncludeTarget::Unresolved(_)) => {}
                    None => {
                        // Embedded configs: their includes name paths inside the container.
                        let pattern = d.arg(0).unwrap_or("");
                        if !is_stock_include(pattern) {
                            let reason = format!("`{pattern}` is a path inside the container; its content is not in the linted set");
                            self.unresolved.push((Location::new(file, span), reason));
                        }
                    }
                }
            }
        }
        ids
    }
}

fn is_stock_include(pattern: &str) -> bool {
    let name = pattern.rsplit('/').next().unwrap_or(pattern);
    matches!(
        name,
        "mime.types"
            | "fastcgi_params"
            | "fastcgi.conf"
            | "scgi_params"
            | "uwsgi_params"
            | "proxy_params"
            | "koi-utf"
            | "koi-win"
            | "win-utf"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileKind;
    use crate::load::{load, Input, Limits};
    use crate::model::Workspace;
    use crate::settings::Settings;

    /// A workspace from in-memory files: `.yaml` as manifests, anything else as nginx.
    fn workspace(files: &[(&str, &str)]) -> Workspace {
        let inputs = files
            .iter()
            .map(|(path, text)| Input {
                path: std::path::PathBuf::from(path),
                kind: if path.ends_with(".yaml") {
                    FileKind::Manifest
                } else {
                    FileKind::Nginx
                },
                explicit: true,
                content: Some(text.as_bytes().to_vec()),
            })
            .collect();
        let loaded = load(
            inputs,
            std::path::Path::new("/nonexistent-lint-root"),
            &Limits::default(),
        );
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        Workspace::build(loaded, Settings::default())
    }

    /// The one config of a single nginx file.
    fn conf(text: &str) -> (Workspace, ConfId) {
        let ws = workspace(&[("nginx.conf", text)]);
        assert_eq!(ws.nginx.confs.len(), 1);
        (ws, ConfId(0))
    }

    /// `location` arguments joined with a space, for readable assertions.
    fn label(conf: &Conf, loc: Option<DirId>) -> Option<String> {
        loc.map(|l| {
            let args: Vec<&str> = conf.dir(l).args.iter().map(|a| a.value.as_str()).collect();
            args.join(" ")
        })
    }

    /// Every directive of every config of a repository is in memory at once: keep them small.
    #[test]
    fn dir_size() {
        assert_eq!(std::mem::size_of::<Arg>(), 40);
        assert_eq!(std::mem::size_of::<Dir>(), 96);
    }

    #[test]
    fn listen_ports() {
        assert_eq!(listen_port("80"), Some(80));
        assert_eq!(listen_port("*:8080"), Some(8080));
        assert_eq!(listen_port("[::]:443"), Some(443));
        assert_eq!(listen_port("[::1]:8443"), Some(8443));
        assert_eq!(listen_port("127.0.0.1:8080"), Some(8080));
        assert_eq!(listen_port("localhost:81"), Some(81));
        assert_eq!(listen_port("unix:/tmp/s"), None);
        // An address without a port listens on 80.
        assert_eq!(listen_port("127.0.0.1"), Some(80));
        assert_eq!(listen_port("[::]"), Some(80));
        assert_eq!(listen_port("localhost"), Some(80));
        assert_eq!(listen_port("*"), Some(80));
    }

    #[test]
    fn servers_on_port_default_server_first() {
        let (ws, id) = conf(
            "http {\n  server { listen 8080; server_name a; }\n  server { server_name b; }\n  server { listen [::]:8080 default_server; server_name c; }\n  server { listen 127.0.0.1; server_name d; }\n}\n",
        );
        let c = ws.nginx.conf(id);
        let names = |port| -> Vec<String> {
            c.servers_on_port(port)
                .into_iter()
                .map(|s| {
                    let n = c.child_named(Some(s), "server_name")[0];
                    c.dir(n).arg(0).unwrap().to_string()
                })
                .collect()
        };
        assert_eq!(names(8080), ["c", "a"]);
        assert_eq!(names(80), ["b", "d"]);
        assert!(names(443).is_empty());
    }

    #[test]
    fn select_location_follows_nginx_order() {
        let (ws, id) = conf(
            r#"http { server {
    listen 80;
    location = /health { return 200; }
    location / { }
    location /static/ { }
    location ^~ /static/assets/ { }
    location ~* \.(png|jpg)$ { }
    location ~ ^/socket\.io/ { }
    location /socket.io/ { }
    location /app/ {
        location /app/nested/ { }
        location ~ \.json$ { }
    }
    location ~ \.php$ { }
    location @fallback { }
} }
"#,
        );
        let c = ws.nginx.conf(id);
        let server = c.servers()[0];
        let pick = |path: &str| label(c, c.select_location(server, path));
        // Exact match wins over everything.
        assert_eq!(pick("/health").as_deref(), Some("= /health"));
        // `=` matches only the exact path; the longest prefix takes the rest.
        assert_eq!(pick("/health/x").as_deref(), Some("/"));
        assert_eq!(pick("/static/app.css").as_deref(), Some("/static/"));
        // A regex beats the longest plain prefix...
        assert_eq!(
            pick("/static/logo.PNG").as_deref(),
            Some("~* \\.(png|jpg)$")
        );
        // ...but not a `^~` prefix.
        assert_eq!(
            pick("/static/assets/logo.png").as_deref(),
            Some("^~ /static/assets/")
        );
        // Regexes are tried in order: the first match wins over a longer literal prefix.
        assert_eq!(
            pick("/socket.io/?EIO=4").as_deref(),
            Some("~ ^/socket\\.io/")
        );
        // Nested locations are searched inside the longest prefix: a nested regex is final.
        assert_eq!(pick("/app/data.json").as_deref(), Some("~ \\.json$"));
        assert_eq!(pick("/app/nested/x").as_deref(), Some("/app/nested/"));
        // A nested prefix match still loses to a regex of the enclosing level.
        assert_eq!(pick("/app/nested/index.php").as_deref(), Some("~ \\.php$"));
        // Named locations never take a request; `/` takes what nothing else does.
        assert_eq!(pick("/fallback").as_deref(), Some("/"));
    }

    #[test]
    fn select_location_without_match() {
        let (ws, id) = conf("http { server { location /api/ { } location = / { } } }\n");
        let c = ws.nginx.conf(id);
        let server = c.servers()[0];
        assert_eq!(c.select_location(server, "/health"), None);
        assert_eq!(
            label(c, c.select_location(server, "/")).as_deref(),
            Some("= /")
        );
    }

    #[test]
    fn effective_array_directives_inherit_only_when_undefined() {
        let (ws, id) = conf(
            r#"http {
    proxy_set_header X-Http 1;
    proxy_http_version 1.1;
    server {
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        location /inherits/ { proxy_pass http://a; }
        location /own/ { proxy_set_header Host $host; proxy_http_version 1.0; }
        location /outer/ {
            location /outer/inner/ { }
        }
    }
    server { location / { } }
}
"#,
        );
        let c = ws.nginx.conf(id);
        let servers = c.servers();
        let loc = |s: DirId, path: &str| c.select_location(s, path).unwrap();
        let headers = |at: DirId| -> Vec<String> {
            c.effective(at, "proxy_set_header")
                .map(|(_, v)| {
                    v.iter()
                        .map(|&h| c.dir(h).arg(0).unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        // No own headers: the whole set of the nearest level that has some.
        assert_eq!(
            headers(loc(servers[0], "/inherits/")),
            ["Upgrade", "Connection"]
        );
        let (level, _) = c
            .effective(loc(servers[0], "/inherits/"), "proxy_set_header")
            .unwrap();
        assert_eq!(level, Some(servers[0]));
        // Nested locations inherit through their parent location.
        assert_eq!(
            headers(loc(servers[0], "/outer/inner/x")),
            ["Upgrade", "Connection"]
        );
        // One own header replaces all inherited ones.
        assert_eq!(headers(loc(servers[0], "/own/")), ["Host"]);
        // A server without headers inherits those of `http`.
        assert_eq!(headers(loc(servers[1], "/")), ["X-Http"]);
        // Single-value directives: the nearest level wins.
        let version = |at: DirId| {
            c.effective_one(at, "proxy_http_version")
                .and_then(|v| c.dir(v).arg(0).map(str::to_string))
        };
        assert_eq!(version(loc(servers[0], "/own/")).as_deref(), Some("1.0"));
        assert_eq!(
            version(loc(servers[0], "/inherits/")).as_deref(),
            Some("1.1")
        );
        assert_eq!(c.effective(loc(servers[1], "/"), "proxy_buffering"), None);
    }

    #[test]
    fn effective_in_a_fragment_reads_the_top_level() {
        let (ws, id) = conf(
            "proxy_set_header Upgrade $http_upgrade;\nserver { location /ws { proxy_pass http://a; } }\n",
        );
        let c = ws.nginx.conf(id);
        assert!(c.is_fragment());
        let l = c.locations()[0];
        let (level, set) = c.effective(l, "proxy_set_header").unwrap();
        assert_eq!(level, None);
        assert_eq!(set.len(), 1);
    }

    /// Line and column (1-based) of the `proxy_pass` argument of the embedded config, and the
    /// text at that span in the YAML file.
    fn embedded_proxy_pass(yaml: &str) -> (u32, u32, String) {
        let ws = workspace(&[("cm.yaml", yaml)]);
        assert_eq!(ws.nginx.confs.len(), 1, "no embedded config in {yaml}");
        let c = ws.nginx.conf(ConfId(0));
        let pass = c.all("proxy_pass")[0];
        let arg = c.dir(pass).args[0].span;
        let file = ws.file(c.file());
        let lc = file.line_col(arg.start);
        (lc.line, lc.column, file.text[arg.range()].to_string())
    }

    const CM_HEAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx\ndata:\n";

    #[test]
    fn embedded_literal_block_points_into_the_yaml() {
        let yaml = format!(
            "{CM_HEAD}  default.conf: |\n    server {{\n        listen 80;\n        location /ws {{\n            proxy_pass http://app:3000;\n        }}\n    }}\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (10, 24, "http://app:3000".into())
        );
    }

    #[test]
    fn embedded_folded_and_strip_blocks_point_into_the_yaml() {
        let yaml = format!(
            "{CM_HEAD}  default.conf: |-\n  \n    server {{\n      location /ws {{ proxy_pass http://app:3000; }}\n    }}\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (9, 33, "http://app:3000".into())
        );
        let yaml = format!(
            "{CM_HEAD}  default.conf: >\n    server {{\n      location /ws {{ proxy_pass http://app:3000; }}\n    }}\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (8, 33, "http://app:3000".into())
        );
    }

    #[test]
    fn embedded_double_quoted_points_into_the_yaml() {
        let yaml = format!(
            "{CM_HEAD}  default.conf: \"server {{\\n  location /ws {{\\n    proxy_pass \\\"http://app:3000\\\";\\n  }}\\n}}\\n\"\n"
        );
        let (line, column, text) = embedded_proxy_pass(&yaml);
        // The span starts at the escaped quote (its end stops inside the closing `\"`).
        assert_eq!(line, 6);
        assert!(text.starts_with("\\\"http://app:3000"), "{text}");
        let at = yaml.lines().nth(5).unwrap().find("\\\"http").unwrap();
        assert_eq!(column as usize, at + 1);
        // Folded over lines.
        let yaml = format!(
            "{CM_HEAD}  default.conf: \"server {{ location /ws {{\n    proxy_pass http://app:3000; }} }}\"\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (7, 16, "http://app:3000".into())
        );
    }

    #[test]
    fn embedded_single_quoted_and_plain_point_into_the_yaml() {
        let yaml = format!(
            "{CM_HEAD}  default.conf: 'server {{ location /ws {{\n    proxy_pass http://app:3000; }} }}'\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (7, 16, "http://app:3000".into())
        );
        let yaml = format!(
            "{CM_HEAD}  default.conf: server {{ location /ws {{ proxy_pass http://app:3000; }} }}\n"
        );
        assert_eq!(
            embedded_proxy_pass(&yaml),
            (6, 52, "http://app:3000".into())
        );
    }
}
