fn main() {
    std::process::exit(lint_manifests::cli::main());
}
