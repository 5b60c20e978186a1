//! The terminal side of a run on stderr: warnings, status lines and progress bars.
//!
//! Status lines and bars appear only on a terminal and never under `--quiet`, so cron mail
//! stays clean; warnings are printed unless `--quiet`, one line each.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use std::sync::Mutex;

use crate::data::fetch::{Progress, Silent};
use crate::note::{Note, Warning};
use crate::ticker::Ticker;

#[derive(Debug)]
pub struct Console {
    quiet: bool,
    interactive: bool,
    /// The run-wide notes said already: each is said once, however many events it touches.
    said: Mutex<Vec<Note>>,
}

impl Console {
    pub fn new(quiet: bool) -> Self {
        Console {
            quiet,
            interactive: std::io::stderr().is_terminal(),
            said: Mutex::new(Vec::new()),
        }
    }

    pub fn warn(&self, warning: &Warning) {
        if let Warning::RunWide(note) = warning {
            let mut said = self.said.lock().unwrap_or_else(|e| e.into_inner());
            if said.contains(note) {
                return;
            }
            said.push(note.clone());
        }
        if !self.quiet {
            eprintln!("warning: {warning}");
        }
    }

    /// A note on one event or symbol (`subject`); a run-wide note is said once, on its own.
    pub fn note(&self, subject: &str, note: &Note) {
        self.warn(&if note.is_run_wide() {
            Warning::RunWide(note.clone())
        } else {
            Warning::Symbol {
                symbol: subject.to_string(),
                note: note.clone(),
            }
        });
    }

    /// A progress bar on a terminal, nothing otherwise.
    pub fn progress(&self, what: &str) -> Box<dyn Progress> {
        if self.interactive && !self.quiet {
            Box::new(Bar::new(what))
        } else {
            Box::new(Silent)
        }
    }
}

/// indicatif's bar, counting symbols.
struct Bar(ProgressBar);

impl Bar {
    fn new(what: &str) -> Self {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_string());
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, symbols: usize) {
        self.0.set_length(symbols as u64);
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn done(&self, symbol: &Ticker) {
        self.0.set_message(symbol.to_string());
        self.0.inc(1);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }

    fn waiting_for(&self, symbol: &Ticker) {
        // Before the bar is drawn: a plain line (the bar exists only on a terminal).
        eprintln!("waiting for another eventstudy to release {symbol} in the store");
    }
}
