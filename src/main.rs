/// mimalloc: the model is millions of small allocations (YAML scalars, entries, nginx
/// directives); glibc's malloc rounds each up to 32 bytes with a header, mimalloc packs them in
/// size classes without one. See bench/results.md for the peak-memory and time difference.
/// `--features system-allocator` builds with glibc's, for heap profilers that see only
/// `malloc` (valgrind's DHAT and massif; see bench/README.md).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    small_pages_only();
    std::process::exit(lint_manifests::cli::main());
}

/// No transparent huge pages for this process. mimalloc asks for them on its arenas, and a run
/// touches each page once, briefly: every 2 MiB fault zeroes a whole huge page (and may wait
/// for the kernel to compact memory to find one). On the 10,000-app benchmark repository this
/// took 1.2-1.5 s of system time against 0.6-0.7 s with 4 KiB pages, and 450 MB of peak
/// memory against 408 MB (bench/results.md).
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes no memory; a kernel
    // without it returns an error, which changes nothing either.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
