//! nginx configs in the model: each config (a file with its includes spliced in, or an
//! nginx.conf inside a ConfigMap) as an arena of directives with parent links, plus the
//! evaluation nginx itself does: which `server` takes a port, which `location` takes a path,
//! and the effective value of a directive after inheritance.
//!
//! Spans always point into real files: for embedded configs they were mapped back into the
//! YAML file when the config was built.

use std::collections::{HashMap, HashSet};

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

#[derive(Clone, Debug)]
pub struct Dir {
    pub name: String,
    pub args: Vec<Arg>,
    pub file: FileId,
    pub span: Span,
    pub name_span: Span,
    /// `{` and `}` of a block directive.
    pub block: Option<(Span, Span)>,
    pub parent: Option<DirId>,
    pub children: Vec<DirId>,
}

impl Dir {
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }

    pub fn location(&self) -> Location {
        Location::new(self.file, self.span)
    }

    /// The `location` modifier and path: (`=`, `/x`), (`~*`, `\.php$`), (``, `/`).
    pub fn location_match(&self) -> Option<(&str, &str)> {
        match self.args.as_slice() {
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
            Some(id) => &self.dir(id).children,
            None => &self.top,
        }
    }

    /// Every directive named `name`, at any depth, in source order.
    pub fn all(&self, name: &str) -> Vec<DirId> {
        let mut out = Vec::new();
        let mut stack: Vec<DirId> = self.top.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            let d = self.dir(id);
            if d.name == name {
                out.push(id);
            }
            stack.extend(d.children.iter().rev());
        }
        out
    }

    /// Children of `parent` named `name`.
    pub fn child_named(&self, parent: Option<DirId>, name: &str) -> Vec<DirId> {
        self.children(parent)
            .iter()
            .copied()
            .filter(|&c| self.dir(c).name == name)
            .collect()
    }

    /// The `http` block, if the config has one.
    pub fn http(&self) -> Option<DirId> {
        self.top
            .iter()
            .copied()
            .find(|&d| self.dir(d).name == "http")
    }

    /// A fragment holds `server` blocks at top level (a conf.d file, included inside `http`).
    pub fn is_fragment(&self) -> bool {
        self.http().is_none() && !self.top.iter().any(|&d| self.dir(d).name == "events")
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
        self.select_in(Some(server), path, 0)
    }

    fn select_in(&self, parent: Option<DirId>, path: &str, depth: usize) -> Option<DirId> {
        let mut best_prefix: Option<(usize, DirId, bool)> = None;
        let mut regexes = Vec::new();
        for loc in self.child_named(parent, "location") {
            let Some((modifier, pattern)) = self.dir(loc).location_match() else {
                continue;
            };
            match modifier {
                "=" if pattern == path => return Some(loc),
                "=" => {}
                "~" | "~*" => regexes.push((loc, modifier == "~*", pattern)),
                "@" => {}
                "^~" | "" if modifier.is_empty() && pattern.starts_with('@') => {}
                "^~" | ""
                    if path.starts_with(pattern)
                        && best_prefix.is_none_or(|(len, _, _)| pattern.len() > len) =>
                {
                    best_prefix = Some((pattern.len(), loc, modifier == "^~"));
                }
                _ => {}
            }
        }
        let descend = |loc: DirId| {
            if depth < 8 {
                self.select_in(Some(loc), path, depth + 1).or(Some(loc))
            } else {
                Some(loc)
            }
        };
        if let Some((_, loc, true)) = best_prefix {
            return descend(loc);
        }
        if let Some((_, loc, false)) = best_prefix {
            // nginx looks for a nested match inside the longest prefix before the regexes.
            if let Some(nested) = self
                .select_in(Some(loc), path, depth + 1)
                .filter(|_| depth < 8)
            {
                return Some(nested);
            }
        }
        for (loc, case_insensitive, pattern) in regexes {
            let compiled = regex::RegexBuilder::new(pattern)
                .case_insensitive(case_insensitive)
                .size_limit(1 << 20)
                .build();
            if compiled.is_ok_and(|re| re.is_match(path)) {
                return Some(loc);
            }
        }
        best_prefix.map(|(_, loc, _)| loc)
    }

    /// The source text to indent an inserted child of `block` with: the indentation of its
    /// first child, else the block's own plus four spaces.
    pub fn child_indent(&self, files: &[SourceFile], block: DirId) -> String {
        let d = self.dir(block);
        let file = &files[d.file.0 as usize];
        let reference = d
            .children
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
    let port = match arg.rsplit_once(':') {
        Some((_, p)) if !arg.ends_with(']') => p,
        _ => arg,
    };
    port.parse()
        .ok()
        .or_else(|| (!arg.contains(':') && arg.contains('.')).then_some(80))
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
        diagnostics: &mut Vec<Diagnostic>,
    ) -> NginxModel {
        let mut model = NginxModel::default();
        let by_file: HashMap<FileId, &parser::Config> =
            parsed.iter().map(|(f, c)| (*f, c)).collect();
        let included: std::collections::HashSet<FileId> = includes
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
        let mut reached: std::collections::HashSet<FileId> = std::collections::HashSet::new();
        let mut roots = Vec::new();
        let visit = |start: FileId, reached: &mut std::collections::HashSet<FileId>| {
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
                dirs: Vec::new(),
                includes,
                by_file: &by_file,
                unresolved: &mut model.unresolved_includes,
            };
            let top = builder.splice(*file, &config.directives, None, &mut vec![*file]);
            model.confs.push(Conf {
                id,
                origin: Origin::File(*file),
                dirs: builder.dirs,
                top,
            });
        }
        // Embedded configs: parsed and built in parallel (one task per ConfigMap value), then
        // numbered in resource order so the result does not depend on scheduling.
        let candidates: Vec<(&Resource, &str, &Node)> = resources
            .iter()
            .filter(|r| r.is("ConfigMap"))
            .flat_map(|r| {
                r.node
                    .get("data")
                    .map_or(&[][..], Node::entries)
                    .iter()
                    .filter_map(move |e| Some((r, e.key.as_str()?, &e.value)))
            })
            .filter(|(_, _, v)| v.scalar().is_some_and(|s| looks_like_nginx("", &s.text)))
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
        unresolved: Vec<(Location, String)>,
        editable: bool,
    },
}

fn build_embedded(
    files: &[SourceFile],
    r: &Resource,
    key: &str,
    value: &Node,
    includes: &HashMap<(FileId, Span), IncludeTarget>,
    by_file: &HashMap<FileId, &parser::Config>,
) -> Embedded {
    let Some(scalar) = value.scalar() else {
        return Embedded::Skip;
    };
    let file = &files[r.file.0 as usize];
    let map = OffsetMap::build(&file.text, value.span, scalar.style, &scalar.text);
    match parser::parse(&scalar.text) {
        Ok(mut config) => {
            if !has_nginx_blocks(&config) {
                return Embedded::Skip;
            }
            remap(&mut config.directives, &map);
            let mut unresolved = Vec::new();
            let mut builder = Builder {
                dirs: Vec::new(),
                includes,
                by_file,
                unresolved: &mut unresolved,
            };
            let top = builder.splice(r.file, &config.directives, None, &mut Vec::new());
            let dirs = builder.dirs;
            Embedded::Built {
                dirs,
                top,
                unresolved,
                editable: scalar.style == ScalarStyle::Literal,
            }
        }
        Err(e) if reads_like_nginx(&scalar.text) => Embedded::Failed(
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

struct Builder<'a> {
    dirs: Vec<Dir>,
    includes: &'a HashMap<(FileId, Span), IncludeTarget>,
    by_file: &'a HashMap<FileId, &'a parser::Config>,
    unresolved: &'a mut Vec<(Location, String)>,
}

impl Builder<'_> {
    /// Add `directives` of `file` under `parent`, splicing included files in place of each
    /// `include` (kept as a leaf for its location). `chain` holds the files being included,
    /// to stop loops. Recursion is bounded by the parser's nesting cap and the include chain.
    fn splice(
        &mut self,
        file: FileId,
        directives: &[parser::Directive],
        parent: Option<DirId>,
        chain: &mut Vec<FileId>,
    ) -> Vec<DirId> {
        let mut ids = Vec::with_capacity(directives.len());
        for d in directives {
            let id = DirId(to_u32(self.dirs.len()));
            self.dirs.push(Dir {
                name: d.name.clone(),
                args: d.args.clone(),
                file,
                span: d.span,
                name_span: d.name_span,
                block: d.block.as_ref().map(|b| (b.open, b.close)),
                parent,
                children: Vec::new(),
            });
            ids.push(id);
            if let Some(block) = &d.block {
                if block.raw.is_none() {
                    let children = self.splice(file, &block.directives, Some(id), chain);
                    self.dirs[id.0 as usize].children = children;
                }
            }
            if d.name == "include" {
                match self.includes.get(&(file, d.span)) {
                    Some(IncludeTarget::Files(targets)) => {
                        for target in targets {
                            if chain.contains(target) || chain.len() > 16 {
                                self.unresolved.push((Location::new(file, d.span), "include loop: this file is already being included; not followed again".into()));
                                continue;
                            }
                            if let Some(config) = self.by_file.get(target) {
                                chain.push(*target);
                                let spliced =
                                    self.splice(*target, &config.directives, parent, chain);
                                chain.pop();
                                ids.extend(spliced);
                            }
                        }
                    }
                    Some(IncludeTarget::Unresolved(reason)) if !reason.is_empty() => {
                        self.unresolved
                            .push((Location::new(file, d.span), reason.clone()));
                    }
                    Some(IncludeTarget::Unresolved(_)) => {}
                    None => {
                        // Embedded configs: their includes name paths inside the container.
                        let pattern = d.arg(0).unwrap_or("");
                        if !is_stock_include(pattern) {
                            self.unresolved.push((
                                Location::new(file, d.span),
                                format!("`{pattern}` is a path inside the container; its content is not in the linted set"),
                            ));
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

    #[test]
    fn listen_ports() {
        assert_eq!(listen_port("80"), Some(80));
        assert_eq!(listen_port("*:8080"), Some(8080));
        assert_eq!(listen_port("[::]:443"), Some(443));
        assert_eq!(listen_port("127.0.0.1"), Some(80));
        assert_eq!(listen_port("unix:/tmp/s"), None);
    }
}
