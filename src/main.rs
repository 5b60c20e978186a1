//! The `eventstudy` binary: parse arguments, run the library, report errors once.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use eventstudy::app;
use eventstudy::cli::{Cli, Command, FetchArgs, StoreCommand, StoreListArgs};
use eventstudy::error::{exit, Result};
use eventstudy::options::{OutputFormat, RunOptions};

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
    let result = match cli.command {
        Command::Run(args) => args.into_options().and_then(|o| study(&o)),
        Command::Batch(args) => args.into_options().and_then(|o| study(&o)),
        Command::Fetch(args) => fetch(args),
        Command::Store {
            command: StoreCommand::List(args),
        } => store_list(args),
    };
    let code = result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        e.exit_code()
    });
    ExitCode::from(code as u8)
}

/// `run` and `batch`: the study, then stdout in the chosen format.
fn study(options: &RunOptions) -> Result<i32> {
    let outcome = app::run(options)?;
    if !(options.quiet && options.format == OutputFormat::Table) {
        print_stdout(&app::render_stdout(&outcome.summary, options.format)?);
    }
    Ok(outcome.exit_code)
}

fn fetch(args: FetchArgs) -> Result<i32> {
    let options = args.into_options()?;
    let (rows, code) = app::fetch(&options)?;
    if !(options.quiet && options.format == OutputFormat::Table) {
        print_stdout(&app::render_fetch(&rows, options.format)?);
    }
    Ok(code)
}

fn store_list(args: StoreListArgs) -> Result<i32> {
    let format: OutputFormat = args.format.parse()?;
    let entries = app::list_store(&args.store.data_dir)?;
    print_stdout(&app::render_store_list(
        &args.store.data_dir,
        &entries,
        format,
    )?);
    Ok(exit::OK)
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
