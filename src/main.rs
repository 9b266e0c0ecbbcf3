//! The `cdnsim` command. Everything lives in the library; this file only maps
//! errors to one-line messages and exit codes (0 ok, 1 runtime failure,
//! 2 invalid input).

fn main() {
    std::process::exit(cdnsim_main());
}

fn cdnsim_main() -> i32 {
    0
}
