//! The model: every resource and nginx config of the linted set, indexed, with the links
//! between them resolved once (Ingress -> Service port -> BackendConfig -> workloads ->
//! containers -> mounted nginx config -> location), and realtime inference with its evidence.
//!
//! Built from [`crate::load::Loaded`] without any I/O. Rules read it and nothing else.

pub mod k8s;
pub mod links;
pub mod nginx;
pub mod realtime;
pub mod scope;

use foldhash::{HashMap, HashMapExt};
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;
use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Location};
use crate::load::Loaded;
use crate::parse::yaml::{Entry, Node, Tree};
use crate::settings::Settings;
use crate::source::{to_u32, FileId, SourceFile, Span};

pub use links::Links;
pub use nginx::{ConfId, DirId, NginxModel};
pub use realtime::{Evidence, Realtime};

/// Above this many manifest files a directory is a collection, not an app.
pub const APP_DIR_MAX_FILES: usize = 64;

/// Index of a resource in [`Workspace::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId(pub u32);

/// One Kubernetes object (a document, or an item of a `List`).
#[derive(Debug)]
pub struct Resource {
    pub id: ResId,
    pub file: FileId,
    // Short strings stored inline (a whole repository's resources are in memory at once).
    pub api_version: CompactString,
    pub kind: CompactString,
    pub name: CompactString,
    /// `metadata.namespace`, or `default`.
    pub namespace: CompactString,
    /// Whether `metadata.namespace` was written (links are lenient with unset namespaces:
    /// the same files are often applied with `kubectl -n`).
    pub namespace_explicit: bool,
    /// The document's tree (shared by the items of a `List`) and the resource's node in it.
    tree: Arc<Tree>,
    root: u32,
    /// Typed views that many rules ask for, read from `node` on first use.
    pub(crate) views: k8s::Views,
}

impl Resource {
    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// The API group: `networking.k8s.io` from `networking.k8s.io/v1`, `` for `v1`.
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The resource's YAML.
    pub fn node(&self) -> Node<'_> {
        self.tree.node(self.root)
    }

    pub fn location(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    pub fn metadata(&self) -> Option<Node<'_>> {
        self.node().get("metadata")
    }

    /// The `metadata.name` value node, for pointing at the resource.
    pub fn name_node(&self) -> Option<Node<'_>> {
        self.node().at(&["metadata", "name"])
    }

    /// Where a finding about the resource as a whole points: its name, else its kind.
    pub fn anchor(&self) -> Span {
        self.name_node()
            .or_else(|| self.node().get("kind"))
            .map_or(self.node().span, |n| n.span)
    }

    /// `metadata.annotations`, which rules ask for again and again.
    fn annotations_node(&self) -> Option<Node<'_>> {
        self.views
            .annotations
            .get(self.node(), &["metadata", "annotations"])
    }

    pub fn annotations(&self) -> impl Iterator<Item = Entry<'_>> {
        self.annotations_node().into_iter().flat_map(Node::entries)
    }

    pub fn annotation(&self, key: &str) -> Option<Entry<'_>> {
        self.annotations_node()?.entry(key)
    }

    pub fn annotation_str(&self, key: &str) -> Option<&str> {
        self.annotation(key)?.value.as_str()
    }

    pub fn spec(&self) -> Option<Node<'_>> {
        self.node().get("spec")
    }

    /// `Kind/namespace/name`: the identity used in fingerprints.
    pub fn identity(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }

    /// Namespaces match, or one side did not say (see `namespace_explicit`).
    pub fn same_namespace(&self, other: &Resource) -> bool {
        self.namespace == other.namespace || !self.namespace_explicit || !other.namespace_explicit
    }
}

/// Everything the rules see.
#[derive(Debug)]
pub struct Workspace {
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    pub nginx: NginxModel,
    pub links: Links,
    pub realtime: Realtime,
    pub settings: Settings,
    /// Findings made while building the model (LM002 in embedded configs, LM003).
    pub model_diagnostics: Vec<Diagnostic>,
    index: Index,
    /// Per file: its app group (see [`Workspace::app_group`]), computed on first use.
    app_groups: std::sync::OnceLock<Vec<u32>>,
}

impl Workspace {
    pub fn build(loaded: Loaded, settings: Settings) -> Workspace {
        Workspace::build_for(loaded, settings, None)
    }

    /// [`Workspace::build`] for a run that reports only the findings in `reported` files (a
    /// pre-commit run): nginx inside ConfigMaps is parsed only where it can change those
    /// findings ([`scope`]).
    pub fn build_for(
        loaded: Loaded,
        settings: Settings,
        reported: Option<&foldhash::HashSet<FileId>>,
    ) -> Workspace {
        let Loaded {
            files,
            manifests,
            nginx: nginx_files,
            included_only,
            includes,
            diagnostics: _,
            explicit: _,
            input_of_file: _,
        } = loaded;
        // One task per file; ids are given in file order afterwards.
        let per_file: Vec<Vec<Resource>> = manifests
            .into_par_iter()
            .map(|(file, stream)| resources_in(file, stream))
            .collect();
        let mut resources = Vec::with_capacity(per_file.iter().map(Vec::len).sum());
        for found in per_file {
            for mut resource in found {
                resource.id = ResId(to_u32(resources.len()));
                resources.push(resource);
            }
        }
        // The index and the nginx of the ConfigMaps are independent: built side by side (both
        // are serial steps of ~15 ms on 10,000 apps). A pre-commit run needs the index first to
        // choose which ConfigMaps to parse.
        let mut model_diagnostics = Vec::new();
        let mut nginx_files = Some(nginx_files);
        let (index, nginx) = match reported {
            None => rayon::join(
                || Index::of(&resources),
                || {
                    Some(NginxModel::build(
                        &files,
                        nginx_files.take().unwrap_or_default(),
                        &included_only,
                        &includes,
                        &resources,
                        None,
                        &mut model_diagnostics,
                    ))
                },
            ),
            Some(_) => (Index::of(&resources), None),
        };
        let mut ws = Workspace {
            files,
            resources,
            nginx: nginx.unwrap_or_default(),
            links: Links::default(),
            realtime: Realtime::default(),
            settings,
            model_diagnostics,
            index,
            app_groups: std::sync::OnceLock::new(),
        };
        if let Some(reported) = reported {
            let only_config_maps = scope::config_maps_for(&ws, reported);
            ws.nginx = NginxModel::build(
                &ws.files,
                nginx_files.take().unwrap_or_default(),
                &included_only,
                &includes,
                &ws.resources,
                Some(&only_config_maps),
                &mut ws.model_diagnostics,
            );
        }
        ws.links = Links::build(&ws);
        ws.realtime = Realtime::build(&ws);
        ws
    }

    pub fn resource(&self, id: ResId) -> &Resource {
        &self.resources[id.0 as usize]
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// All resources of a kind, in file order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.index
            .by_kind
            .get(kind)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&id| self.resource(id))
    }

    /// The resource `kind`/`name` in the namespace of `from` (lenient when a namespace is
    /// unset on either side).
    pub fn find(&self, kind: &str, name: &str, from: &Resource) -> Option<&Resource> {
        let candidates = self.index.by_name.get(kind)?.get(name)?;
        if let [only] = candidates[..] {
            // Nothing to choose between (the usual case): no paths to compare.
            let r = self.resource(only);
            return r.same_namespace(from).then_some(r);
        }
        // Exact namespace matches first, then lenient ones (a side without a namespace); among
        // equals, the one whose file is closest to `from`'s (longest common path prefix), so
        // that a monorepo's `frontend` links to the `frontend` next to it.
        let from_path = self.file(from.file).path.to_string_lossy();
        let closeness = |r: &Resource| {
            let path = self.file(r.file).path.to_string_lossy();
            from_path
                .chars()
                .zip(path.chars())
                .take_while(|(a, b)| a == b)
                .count()
        };
        let rank = |r: &Resource| {
            if r.namespace == from.namespace
                && (r.namespace_explicit == from.namespace_explicit || r.namespace_explicit)
            {
                Some(2)
            } else if r.same_namespace(from) {
                Some(1)
            } else {
                None
            }
        };
        candidates
            .iter()
            .map(|&id| self.resource(id))
            .filter_map(|r| Some(((rank(r)?, closeness(r), std::cmp::Reverse(r.id)), r)))
            .max_by_key(|(key, _)| *key)
            .map(|(_, r)| r)
    }

    /// Which app a file belongs to, as a group number: files of one directory holding at most
    /// [`APP_DIR_MAX_FILES`] manifest files (files with resources) are one app; a file of a
    /// bigger directory (a collection of unrelated examples, a flattened export, where names
    /// collide by chance) is an app of its own.
    pub fn app_group(&self, file: FileId) -> u32 {
        self.app_groups.get_or_init(|| self.compute_app_groups())[file.0 as usize]
    }

    /// Whether two resources belong to one app (see [`Workspace::app_group`]).
    pub fn same_app(&self, a: &Resource, b: &Resource) -> bool {
        a.file == b.file || self.app_group(a.file) == self.app_group(b.file)
    }

    fn compute_app_groups(&self) -> Vec<u32> {
        use std::ffi::OsStr;
        let mut has_resources = vec![false; self.files.len()];
        for r in &self.resources {
            has_resources[r.file.0 as usize] = true;
        }
        // Directories as written (paths are normalized by the loader): compared as strings,
        // which hashes far faster than `Path`'s component-wise hash.
        fn dir_of(file: &SourceFile) -> Option<&OsStr> {
            file.path.parent().map(Path::as_os_str)
        }
        let mut files_per_dir: HashMap<&OsStr, usize> = HashMap::new();
        for (file, _) in self
            .files
            .iter()
            .zip(&has_resources)
            .filter(|(_, has)| **has)
        {
            if let Some(dir) = dir_of(file) {
                *files_per_dir.entry(dir).or_insert(0) += 1;
            }
        }
        // App directories first, numbered in order of appearance; then one group per other
        // file, numbered after every directory number there can be (there are fewer
        // directories than files), so the two never collide.
        let first_file_group = to_u32(self.files.len());
        let mut dir_group: HashMap<&OsStr, u32> = HashMap::new();
        self.files
            .iter()
            .enumerate()
            .map(|(i, file)| match dir_of(file) {
                Some(d) if files_per_dir.get(d).is_none_or(|&n| n <= APP_DIR_MAX_FILES) => {
                    let next = to_u32(dir_group.len());
                    *dir_group.entry(d).or_insert(next)
                }
                _ => first_file_group + to_u32(i),
            })
            .collect()
    }

    /// Resources of `kind` that `from` sees by namespace ([`Resource::same_namespace`]: the same
    /// namespace, or either side without one), in resource order. An index lookup, not a scan
    /// of every resource of the kind: rules ask this once per resource.
    pub fn of_kind_in_namespace_of<'a>(&'a self, kind: &str, from: &Resource) -> Vec<&'a Resource> {
        if !from.namespace_explicit {
            return self.of_kind(kind).collect();
        }
        let explicit = self
            .index
            .by_namespace
            .get(kind)
            .and_then(|namespaces| namespaces.get(from.namespace.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let unset = self
            .index
            .without_namespace
            .get(kind)
            .map_or(&[][..], Vec::as_slice);
        let mut ids: Vec<ResId> = explicit.iter().chain(unset).copied().collect();
        if !explicit.is_empty() && !unset.is_empty() {
            ids.sort_unstable();
        }
        ids.into_iter().map(|id| self.resource(id)).collect()
    }

    /// Resources of `kind` named `name` in any namespace (for "did you mean" and notes).
    pub fn named<'a>(&'a self, kind: &str, name: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.index
            .by_name
            .get(kind)
            .and_then(|names| names.get(name))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&id| self.resource(id))
    }

    /// The source text of a span.
    pub fn text(&self, location: Location) -> &str {
        self.file(location.file).slice(location.span)
    }
}

/// Resources by kind, name and namespace.
#[derive(Debug)]
struct Index {
    by_kind: HashMap<CompactString, Vec<ResId>>,
    /// Kind -> name -> resources: looked up with borrowed strings, no allocation per lookup.
    by_name: HashMap<CompactString, HashMap<CompactString, Vec<ResId>>>,
    /// Kind -> explicit namespace -> resources, and kind -> resources without a namespace:
    /// what [`Workspace::of_kind_in_namespace_of`] reads instead of scanning a whole kind.
    by_namespace: HashMap<CompactString, HashMap<CompactString, Vec<ResId>>>,
    without_namespace: HashMap<CompactString, Vec<ResId>>,
}

impl Index {
    fn of(resources: &[Resource]) -> Index {
        let mut index = Index {
            by_kind: HashMap::new(),
            by_name: HashMap::new(),
            by_namespace: HashMap::new(),
            without_namespace: HashMap::new(),
        };
        for r in resources {
            if r.namespace_explicit {
                index
                    .by_namespace
                    .entry(r.kind.clone())
                    .or_default()
                    .entry(r.namespace.clone())
                    .or_default()
                    .push(r.id);
            } else {
                index
                    .without_namespace
                    .entry(r.kind.clone())
                    .or_default()
                    .push(r.id);
            }
            index.by_kind.entry(r.kind.clone()).or_default().push(r.id);
            index
                .by_name
                .entry(r.kind.clone())
                .or_default()
                .entry(r.name.clone())
                .or_default()
                .push(r.id);
        }
        index
    }
}

/// A document is a resource when it has `apiVersion` and `kind`; a `List` contributes its
/// items.
/// The resources of one file's documents (the items of a `List` each on their own), numbered
/// `ResId(0)` until the workspace numbers them.
pub fn resources_in(file: FileId, stream: crate::parse::yaml::YamlStream) -> Vec<Resource> {
    let mut found = Vec::with_capacity(stream.documents.len());
    for document in stream.documents {
        let tree = Arc::new(document.tree);
        collect_resources(file, &tree, tree.root(), &mut found);
    }
    found
}

fn collect_resources(file: FileId, tree: &Arc<Tree>, root: Node<'_>, out: &mut Vec<Resource>) {
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    if kind.is_empty() || api_version.is_empty() {
        return;
    }
    if kind == "List" || kind.ends_with("List") && root.get("items").is_some_and(Node::is_sequence)
    {
        for item in root.get("items").into_iter().flat_map(Node::items) {
            collect_resources(file, tree, item, out);
        }
        return;
    }
    let name = root
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let ns_node = root.at(&["metadata", "namespace"]).and_then(Node::as_str);
    out.push(Resource {
        // Numbered by the caller, in file order.
        id: ResId(0),
        file,
        api_version: api_version.into(),
        kind: kind.into(),
        name: name.into(),
        namespace: ns_node.unwrap_or("default").into(),
        namespace_explicit: ns_node.is_some(),
        tree: Arc::clone(tree),
        root: root.index(),
        views: k8s::Views::default(),
    });
}
