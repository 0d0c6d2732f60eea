//! The `ferroflow-edge` binary: see `ferroflow-edge --help` and `demos/edge/README.md`.

use std::io::Write;
use std::process::ExitCode;

use ferroflow_edge::cli::{self, Command, USAGE};
use ferroflow_edge::run::{self, Outcome};

fn main() -> ExitCode {
    // A panic is a bug, but it still reports as one line (exit status 101, as Rust's default).
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "ferroflow-edge: error: internal error (a bug): {}{at}",
            msg.replace('\n', " ")
        );
    }));
    let args = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            // Ignore a closed pipe (`--help | head`).
            let _ = writeln!(std::io::stdout().lock(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(a)) => a,
        Err(e) => {
            eprintln!("ferroflow-edge: error: {e} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run::run(&args) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Mismatch) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ferroflow-edge: error: {}", e.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}
