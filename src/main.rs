//! The `eventstudy` binary: parse arguments, run the library, report errors once.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use eventstudy::app;
use eventstudy::cli::{Cli, Command};
use eventstudy::error::exit;
use eventstudy::options::OutputFormat;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info} (please report this)");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE as u8 } else { 0 });
        }
    };
    let code = match cli.command {
        Command::Run(args) => run(args),
    };
    ExitCode::from(code as u8)
}

fn run(args: eventstudy::cli::RunArgs) -> i32 {
    let result = args.into_options().and_then(|options| {
        let outcome = app::run(&options)?;
        let quiet_table = options.quiet && options.format == OutputFormat::Table;
        if !quiet_table {
            print_stdout(&app::render_stdout(&outcome.summary, options.format)?);
        }
        Ok(outcome.exit_code)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
