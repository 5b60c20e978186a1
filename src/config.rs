//! The config file: defaults for any flag of `run`, `batch` and `fetch`, so that a cron line
//! stays short. Keys are the flags' long names (`data-dir`, `shares-file`, `no-charts`);
//! `sec-user-agent` sets the SEC identity.
//!
//! Precedence: command line > environment > config file > built-in default. The file is
//! `--config FILE`, else `EVENTSTUDY_CONFIG`, else `./eventstudy.toml` when present. It is
//! applied by adding its values to the arguments as flags, for the flags neither the command
//! line nor the environment set, then parsing again: every value goes through the same parser
//! as on the command line. An unknown key, or a value its flag refuses, is an input error
//! naming the key and the file.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::error::{Error, Result};

/// The commands a config file sets flags of.
const COMMANDS: [&str; 3] = ["run", "batch", "fetch"];
/// Flags that are per invocation, never defaults.
const NOT_DEFAULTS: [&str; 6] = ["ticker", "date", "events", "help", "version", "config"];
/// The key that sets `EVENTSTUDY_SEC_USER_AGENT`.
const SEC_AGENT_KEY: &str = "sec-user-agent";
const SEC_AGENT_ENV: &str = "EVENTSTUDY_SEC_USER_AGENT";
pub use crate::options::{locate_config as locate, DEFAULT_CONFIG_FILE as DEFAULT_FILE};

/// A config file's settings, as command-line text.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// (key, value) in the file's order.
    pub values: Vec<(String, String)>,
}

/// Why the arguments could not be parsed: clap's own error (help, usage), or ours.
#[derive(Debug)]
pub enum ParseFailure {
    Clap(clap::Error),
    Config(Error),
}

/// Every key a config file may hold.
fn known_keys() -> Vec<String> {
    let cli = Cli::command();
    let mut keys: Vec<String> = COMMANDS
        .iter()
        .filter_map(|name| cli.find_subcommand(name))
        .flat_map(|c| c.get_arguments().filter_map(|a| a.get_long()))
        .filter(|long| !NOT_DEFAULTS.contains(long))
        .map(str::to_string)
        .collect();
    keys.push(SEC_AGENT_KEY.to_string());
    keys.sort();
    keys.dedup();
    keys
}

/// Reads and checks a config file.
pub fn read(path: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(path, format!("cannot read the config file: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        Error::input(path, format!("not valid TOML ({})", e.message()))
    })?;
    let known = known_keys();
    let mut values = Vec::new();
    for (key, value) in table {
        let name = key.replace('_', "-");
        if !known.contains(&name) {
            return Err(Error::input(
                path,
                format!("unknown key '{key}' (keys are the long flags of run, batch and fetch, e.g. data-dir, benchmark, window, car, out; and sec-user-agent)"),
            ));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    toml::Value::Integer(i) => Ok(i.to_string()),
                    toml::Value::Float(f) => Ok(f.to_string()),
                    _ => Err(Error::input(
                        path,
                        format!("key '{key}': a list of strings or numbers is expected"),
                    )),
                })
                .collect::<Result<Vec<_>>>()?
                .join(","),
            _ => {
                return Err(Error::input(
                    path,
                    format!("key '{key}': a string, number, true/false or list is expected"),
                ))
            }
        };
        values.push((name, text));
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        values,
    })
}

/// A value as a message quotes it: at most 60 characters.
fn cut(value: &str) -> String {
    crate::util::cut_for_message(value, 60)
}

/// Where a flag's value came from.
fn set_outside_the_file(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Arguments with the config file's flags added, and which flags came from the file
/// (`--flag`, key).
type WithConfig = (Vec<OsString>, Vec<(String, String)>);

/// The arguments with the config file's values added as flags, for the flags the command line
/// and the environment left unset; and which flags came from the file (flag -> key).
fn with_config(
    argv: &[OsString],
    config: &ConfigFile,
) -> std::result::Result<WithConfig, ParseFailure> {
    let matches = Cli::command()
        .try_get_matches_from(argv)
        .map_err(ParseFailure::Clap)?;
    let Some((name, sub)) = matches.subcommand() else {
        return Ok((argv.to_vec(), Vec::new()));
    };
    let mut out = argv.to_vec();
    let mut from_file = Vec::new();
    if !COMMANDS.contains(&name) {
        return Ok((out, from_file));
    }
    let cli = Cli::command();
    let Some(command) = cli.find_subcommand(name) else {
        return Ok((out, from_file));
    };
    for (key, value) in &config.values {
        let Some(arg) = command.get_arguments().find(|a| a.get_long() == Some(key)) else {
            continue; // a key for another command
        };
        if set_outside_the_file(sub, arg.get_id().as_str()) {
            continue;
        }
        if arg.get_action().takes_values() {
            out.push(format!("--{key}={value}").into());
        } else {
            match value.as_str() {
                "true" => out.push(format!("--{key}").into()),
                "false" => {}
                _ => {
                    return Err(ParseFailure::Config(Error::input(
                        &config.path,
                        format!(
                            "key '{key}': true or false is expected, not '{}'",
                            cut(value)
                        ),
                    )))
                }
            }
        }
        from_file.push((format!("--{key}"), key.clone()));
    }
    Ok((out, from_file))
}

/// Parses the command line with the config file's defaults applied, and sets the SEC identity
/// from the file when the environment has none.
pub fn parse_args(argv: Vec<OsString>) -> std::result::Result<Cli, ParseFailure> {
    // The file is named by --config or EVENTSTUDY_CONFIG: a first parse finds them.
    let first = parse_marked(&argv).map_err(ParseFailure::Clap)?;
    // Only the commands whose flags the file sets read it: a broken file must not break
    // `man`, `completions` or `store list`.
    if !COMMANDS.contains(&first.command.name()) {
        return Ok(first);
    }
    let Some(path) = locate(first.config.clone()) else {
        return Ok(first);
    };
    let config = read(&path).map_err(ParseFailure::Config)?;
    if let Some((_, agent)) = config.values.iter().find(|(k, _)| k == SEC_AGENT_KEY) {
        if std::env::var_os(SEC_AGENT_ENV).is_none() {
            // Single-threaded still: nothing else reads the environment yet.
            std::env::set_var(SEC_AGENT_ENV, agent);
        }
    }
    let (argv, from_file) = with_config(&argv, &config)?;
    parse_marked(&argv).map_err(|e| {
        // A value from the file that its flag refuses: name the key and the file.
        let flag = match e.get(clap::error::ContextKind::InvalidArg) {
            Some(clap::error::ContextValue::String(arg)) => {
                arg.split_whitespace().next().unwrap_or("").to_string()
            }
            _ => String::new(),
        };
        match from_file.iter().find(|(f, _)| *f == flag) {
            Some((_, key)) => {
                let why = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.kind().to_string());
                let value = config
                    .values
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or("", |(_, v)| v.as_str());
                // The parser's reason, with the value when it does not quote it itself.
                let message = if why.contains(value) {
                    format!("key '{key}': {why}")
                } else {
                    format!("key '{key}': '{}' is not accepted ({why})", cut(value))
                };
                ParseFailure::Config(Error::input(&config.path, message))
            }
            None => ParseFailure::Clap(e),
        }
    })
}

/// Parses the arguments and records which flags took their defaults.
fn parse_marked(argv: &[OsString]) -> std::result::Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches_from(argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.mark_defaults(&matches);
    Ok(cli)
}

/// `eventstudy config show`: every setting of `run` with its value and its source.
pub fn show(named: Option<PathBuf>) -> Result<String> {
    let config = locate(named).map(|p| read(&p)).transpose()?;
    let base: Vec<OsString> = ["eventstudy", "run", "--ticker", "X", "--date", "2000-01-03"]
        .iter()
        .map(OsString::from)
        .collect();
    let argv = match &config {
        Some(c) => {
            with_config(&base, c)
                .map_err(|e| match e {
                    ParseFailure::Config(e) => e,
                    ParseFailure::Clap(e) => {
                        Error::usage(e.to_string().lines().next().unwrap_or("").to_string())
                    }
                })?
                .0
        }
        None => base,
    };
    let matches = Cli::command()
        .try_get_matches_from(&argv)
        .map_err(|e| match &config {
            Some(c) => Error::input(
                &c.path,
                e.to_string().lines().next().unwrap_or("").to_string(),
            ),
            None => Error::usage(e.to_string()),
        })?;
    let Some(("run", sub)) = matches.subcommand() else {
        return Err(Error::Internal("config show: no run command".into()));
    };
    let cli = Cli::command();
    let run = cli.find_subcommand("run").expect("the run command exists");
    let file = config
        .as_ref()
        .map_or(String::new(), |c| c.path.display().to_string());
    let mut rows: Vec<(String, String, String)> = Vec::new();
    match &config {
        Some(_) => rows.push(("config file".into(), file.clone(), String::new())),
        None => rows.push((
            "config file".into(),
            "-".into(),
            format!("none ({DEFAULT_FILE} not found)"),
        )),
    }
    for arg in run.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if NOT_DEFAULTS.contains(&long) {
            continue;
        }
        let id = arg.get_id().as_str();
        let value: String = sub
            .get_raw(id)
            .map(|v| {
                v.map(|s| s.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_else(|| match sub.get_flag_or_none(id) {
                Some(true) => "true".into(),
                Some(false) => "false".into(),
                None => "-".into(),
            });
        let source = match sub.value_source(id) {
            Some(ValueSource::CommandLine) => format!("config {file}"),
            Some(ValueSource::EnvVariable) => format!(
                "environment {}",
                arg.get_env()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            Some(ValueSource::DefaultValue) => "default".into(),
            _ => "default".into(),
        };
        rows.push((long.to_string(), value, source));
    }
    let (agent, _) = crate::data::sec::user_agent();
    let agent_source = if std::env::var_os(SEC_AGENT_ENV).is_some() {
        match config
            .as_ref()
            .and_then(|c| c.values.iter().find(|(k, _)| k == SEC_AGENT_KEY))
        {
            Some((_, v)) if std::env::var(SEC_AGENT_ENV).ok().as_deref() == Some(v) => {
                format!("config {file}")
            }
            _ => format!("environment {SEC_AGENT_ENV}"),
        }
    } else {
        "default (generic: SEC may refuse it)".into()
    };
    rows.push((SEC_AGENT_KEY.into(), agent, agent_source));
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).min(40);
    Ok(rows
        .into_iter()
        .map(|(k, v, s)| {
            format!("{k:<width$}  {v:<value_width$}  {s}")
                .trim_end()
                .to_string()
                + "\n"
        })
        .collect())
}

/// `get_flag` for a flag, `None` for an argument that is not one.
trait FlagOrNone {
    fn get_flag_or_none(&self, id: &str) -> Option<bool>;
}

impl FlagOrNone for ArgMatches {
    fn get_flag_or_none(&self, id: &str) -> Option<bool> {
        self.try_get_one::<bool>(id).ok().flatten().copied()
    }
}
