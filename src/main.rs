use clap::Parser;

/// Errors end the process with status 1 and their whole chain on one line,
/// never a backtrace: what went wrong is for the person at the terminal.
fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match keyward::cli::run(keyward::config::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
