//! The `shopdb` binary: everything lives in the library; see `cli`.

// musl's allocator is slow under threads; mimalloc keeps the static build fast.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shopdb::cli::main()
}
