//! The `shopdb` binary: everything lives in the library; see `cli`.

// musl's allocator is slow under threads, and glibc's spent a sixth of a
// GET by id in malloc/free: every build uses mimalloc, so benchmarks of
// the glibc build measure what the static build ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shopdb::cli::main()
}
