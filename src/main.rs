/// mimalloc: the model is millions of small allocations (YAML scalars, entries, nginx
/// directives); glibc's malloc rounds each up to 32 bytes with a header, mimalloc packs them in
/// size classes without one. See bench/results.md for the peak-memory and time difference.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(lint_manifests::cli::main());
}
