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
    /// Notes on events or symbols not said yet, grouped by their shared sentence
    /// ([`Note::shared_sentence`]) in the order they came: [`Console::flush`] says each group
    /// once, so sixty events without a share count make one line, not sixty.
    pending: Mutex<Vec<NoteGroup>>,
}

/// One note that one or more events (or symbols) share.
#[derive(Debug)]
struct NoteGroup {
    sentence: String,
    /// `events` or `symbols`: what the subjects are.
    noun: &'static str,
    /// The first subject's own warning, said as is when it is the only one.
    first: Warning,
    /// The first few subjects (a large run's millions are counted, not kept).
    named: Vec<String>,
    count: usize,
}

/// How many subjects a shared warning names before "and N more".
const NAMED_SUBJECTS: usize = 5;

impl NoteGroup {
    fn line(&self) -> String {
        let n = self.count;
        if n == 1 {
            return self.first.to_string();
        }
        let mut named = self.named.join(", ");
        if n > NAMED_SUBJECTS {
            named.push_str(&format!(" and {} more", n - NAMED_SUBJECTS));
        }
        format!("{} ({n} {}: {named})", self.sentence, self.noun)
    }
}

impl Console {
    pub fn new(quiet: bool) -> Self {
        Console {
            quiet,
            interactive: std::io::stderr().is_terminal(),
            said: Mutex::new(Vec::new()),
            pending: Mutex::new(Vec::new()),
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

    /// A note on one event (`subject` is its display name), said at the next
    /// [`Console::flush`] with every other event's that shares its sentence; a run-wide note
    /// is said once, on its own, at once.
    pub fn note_on_event(&self, subject: &str, note: &Note) {
        self.note(subject, note, "events");
    }

    /// A note on one symbol, as [`Console::note_on_event`].
    pub fn note_on_symbol(&self, symbol: &str, note: &Note) {
        self.note(symbol, note, "symbols");
    }

    fn note(&self, subject: &str, note: &Note, noun: &'static str) {
        if note.is_run_wide() {
            return self.warn(&Warning::RunWide(note.clone()));
        }
        let sentence = note.shared_sentence();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending
            .iter_mut()
            .find(|g| g.sentence == sentence && g.noun == noun)
        {
            Some(group) => {
                group.count += 1;
                if group.named.len() < NAMED_SUBJECTS {
                    group.named.push(subject.to_string());
                }
            }
            None => pending.push(NoteGroup {
                sentence,
                noun,
                first: Warning::Symbol {
                    symbol: subject.to_string(),
                    note: note.clone(),
                },
                named: vec![subject.to_string()],
                count: 1,
            }),
        }
    }

    /// Says the notes gathered since the last flush, one line per shared sentence.
    pub fn flush(&self) {
        let groups = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if self.quiet {
            return;
        }
        for group in groups {
            eprintln!("warning: {}", group.line());
        }
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

impl Drop for Console {
    /// A note gathered and never flushed is still said.
    fn drop(&mut self) {
        self.flush();
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

    fn step(&self) {
        self.0.inc(1);
    }

    fn waiting_for(&self, symbol: &Ticker) {
        // Before the bar is drawn: a plain line (the bar exists only on a terminal).
        eprintln!("waiting for another eventstudy to release {symbol} in the store");
    }
}
