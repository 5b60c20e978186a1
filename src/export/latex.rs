//! `--format latex` (the tables, for a paper's body) and each run folder's `report.tex` (a
//! standalone article that compiles with pdflatex): booktabs tables with every LaTeX special
//! character escaped. Numbers are right-aligned text (`r` columns), as the other readable
//! outputs print them (percent with two decimals, t with two, p with four, dollars in billions),
//! so no package beyond booktabs and graphicx is needed; stars are superscripts.

use std::fmt::Write;

use crate::export::numbers::{fixed, pct, stat};
use crate::export::output::Output;
use crate::export::table;
use crate::report::{AggregateReport, EventReport, Summary, TestsReport};

/// `text` with LaTeX's special characters escaped: `\ { } $ & # ^ _ % ~` (and `<`, `>`, `|`,
/// which the default font encoding does not have).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' => out.push_str("\\$"),
            '&' => out.push_str("\\&"),
            '#' => out.push_str("\\#"),
            '^' => out.push_str("\\textasciicircum{}"),
            '_' => out.push_str("\\_"),
            '%' => out.push_str("\\%"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            c => out.push(c),
        }
    }
    out
}

/// A cell: escaped, its significance stars (`-5.05***`) as a superscript.
fn cell(text: &str) -> String {
    let stars = text.len() - text.trim_end_matches('*').len();
    let (body, marks) = text.split_at(text.len() - stars);
    match stars {
        0 => escape(body),
        _ => format!("{}\\textsuperscript{{{marks}}}", escape(body)),
    }
}

/// A booktabs table: `align` one letter per column; `wide` shrinks it to the text width.
fn tabular(
    caption: &str,
    align: &str,
    header: &[&str],
    rows: &[Vec<String>],
    wide: bool,
) -> String {
    let mut out = String::from("\\begin{table}[htbp]\n\\centering\n");
    if !caption.is_empty() {
        let _ = writeln!(out, "\\caption{{{}}}", escape(caption));
    }
    // A wide table shrinks to the text width (never grows: `\width` is its natural width).
    out.push_str("\\small\n");
    if wide {
        out.push_str("\\resizebox{\\ifdim\\width>\\textwidth\\textwidth\\else\\width\\fi}{!}{\n");
    }
    let _ = writeln!(out, "\\begin{{tabular}}{{{align}}}");
    out.push_str("\\toprule\n");
    let head: Vec<String> = header.iter().map(|h| escape(h)).collect();
    let _ = writeln!(out, "{} \\\\", head.join(" & "));
    out.push_str("\\midrule\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "{} \\\\", cells.join(" & "));
    }
    out.push_str("\\bottomrule\n\\end{tabular}\n");
    if wide {
        out.push_str("}\n");
    }
    out.push_str("\\end{table}\n");
    out
}

const STARS: &str = "Stars: * p < 0.10, ** p < 0.05, *** p < 0.01 (two-sided).";

/// An event's tables: its abnormal returns by day, its CAR windows and (with `--bhar`) its
/// buy-and-hold windows.
pub fn event_tables(e: &EventReport) -> String {
    let name = e.display_name(false);
    let days: Vec<Vec<String>> = e.days.iter().map(|d| table::day_line(d).to_vec()).collect();
    let mut out = String::new();
    if !days.is_empty() {
        out += &tabular(
            &format!("{name}: daily abnormal returns ({} model)", e.model),
            "rlrrrrrr",
            &[
                "day",
                "date",
                "return",
                &e.benchmark,
                "AR",
                "t",
                "CAR",
                "abnormal MV",
            ],
            &days,
            false,
        );
    }
    let p_head = if e.adjust.is_some() {
        "p (adjusted)"
    } else {
        "p"
    };
    let cars: Vec<Vec<String>> = e
        .car
        .iter()
        .map(|c| table::car_line(c, e.event_window).to_vec())
        .collect();
    out += &tabular(
        &format!("{name}: cumulative abnormal returns. {STARS}"),
        "llrrrrrrr",
        &[
            "window",
            "dates",
            "days",
            "CAR",
            "t",
            p_head,
            "t simple",
            "MV change",
            "abnormal MV",
        ],
        &cars,
        true,
    );
    if !e.bhar.is_empty() {
        let rows: Vec<Vec<String>> = e
            .bhar
            .iter()
            .map(|b| table::bhar_line(b).to_vec())
            .collect();
        out += &tabular(
            &format!("{name}: buy-and-hold abnormal returns"),
            "llrrrrr",
            &[
                "window",
                "dates",
                "days",
                &e.ticker,
                &e.benchmark,
                "BHAR",
                "abnormal MV",
            ],
            &rows,
            false,
        );
    }
    out
}

fn tests_row(first: Vec<String>, t: &TestsReport) -> Vec<String> {
    first
        .into_iter()
        .chain(t.named().iter().map(|(_, test)| stat(test)))
        .collect()
}

/// The portfolio's tables: AAR and CAAR with every test, the events, and the BHAR and
/// cross-sectional tables when the run has them.
pub fn portfolio_tables(summary: &Summary, a: &AggregateReport) -> String {
    let mut header = vec!["", "N", "AAR", "CAAR"];
    header.extend(TestsReport::LABELS);
    let align = format!("r{}", "r".repeat(header.len() - 1));
    let days: Vec<Vec<String>> = a
        .days
        .iter()
        .map(|d| {
            let first = vec![
                format!("{:+}", d.rel),
                d.n.to_string(),
                pct(d.aar),
                pct(d.caar),
            ];
            tests_row(first, &d.tests)
        })
        .collect();
    header[0] = "day";
    let mut out = tabular(
        &format!(
            "Portfolio of {} events: average abnormal returns by day. {STARS}",
            a.n
        ),
        &align,
        &header,
        &days,
        true,
    );
    header[0] = "window";
    let cars: Vec<Vec<String>> = a
        .car
        .iter()
        .map(|c| {
            let first = vec![
                c.window.clone(),
                c.n.to_string(),
                String::new(),
                pct(c.caar),
            ];
            tests_row(first, &c.tests)
        })
        .collect();
    out += &tabular(
        &format!(
            "Portfolio of {} events: cumulative average abnormal returns. {STARS}",
            a.n
        ),
        &format!("l{}", "r".repeat(header.len() - 1)),
        &header,
        &cars,
        true,
    );
    let events: Vec<Vec<String>> = summary
        .events
        .iter()
        .take(table::LISTED_EVENTS)
        .map(|e| table::event_line(e).to_vec())
        .collect();
    let first_car = summary
        .events
        .first()
        .and_then(|e| e.car.first())
        .map_or(String::new(), |c| format!("CAR {}", c.window));
    out += &tabular(
        "The events",
        "rlllrrrr",
        &[
            "id",
            "event",
            "date",
            "day 0",
            "AR(0)",
            "t",
            &first_car,
            "abnormal MV",
        ],
        &events,
        true,
    );
    if !a.bhar.is_empty() {
        let rows: Vec<Vec<String>> = a
            .bhar
            .iter()
            .map(|b| {
                vec![
                    b.window.clone(),
                    b.n.to_string(),
                    pct(b.mean_bhar),
                    pct(b.median_bhar),
                    stat(&b.t),
                    stat(&b.t_sa),
                    fixed(b.bootstrap_p, 4),
                ]
            })
            .collect();
        out += &tabular(
            &format!("Buy-and-hold abnormal returns. {STARS}"),
            "lrrrrrr",
            &[
                "window",
                "N",
                "mean BHAR",
                "median",
                "t",
                "skewness-adjusted t",
                "bootstrap p",
            ],
            &rows,
            false,
        );
    }
    for r in &a.cross_section {
        let rows: Vec<Vec<String>> = r
            .coefficients
            .iter()
            .map(|c| table::coefficient_line(c).to_vec())
            .collect();
        out += &tabular(
            &format!(
                "CAR {} on the events' characteristics: N {}, R2 {}, {} standard errors",
                r.window,
                r.n,
                fixed(r.r2, 3),
                r.se_kind.as_str().to_ascii_uppercase()
            ),
            "lrrrr",
            &["", "estimate", "s.e.", "t", "p"],
            &rows,
            false,
        );
    }
    out
}

/// The events whose own tables `--format latex` prints after the portfolio's: a paper shows a
/// few events' detail; a batch's every event is in its tables and `report.tex` files.
const EVENTS_WITH_TABLES: usize = 10;

/// What `--format latex` prints: a study's tables (the portfolio's, then each of the first
/// [`EVENTS_WITH_TABLES`] events'); any other output as verbatim text.
pub fn render(output: Output<'_>) -> String {
    match output {
        Output::Study(summary) => {
            let mut out = String::new();
            if let Some(a) = &summary.aggregate {
                out += &portfolio_tables(summary, a);
            }
            for e in summary.events.iter().take(EVENTS_WITH_TABLES) {
                out += &event_tables(e);
            }
            out
        }
        Output::Text(text) => text.to_string(),
        other => format!(
            "\\begin{{verbatim}}\n{}\\end{{verbatim}}\n",
            table::render(other)
        ),
    }
}

fn preamble(title: &str) -> String {
    format!(
        "\\documentclass[11pt]{{article}}\n\\usepackage[T1]{{fontenc}}\n\\usepackage[utf8]{{inputenc}}\n\\IfFileExists{{lmodern.sty}}{{\\usepackage{{lmodern}}}}{{}}\n\\usepackage[margin=2cm]{{geometry}}\n\\usepackage{{booktabs}}\n\\usepackage{{graphicx}}\n\\title{{{}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n",
        escape(title)
    )
}

/// A chart, when it was drawn (a chart skipped for its data leaves the document compiling).
fn figure(file: &str, caption: &str) -> String {
    format!(
        "\\IfFileExists{{{file}}}{{\\begin{{figure}}[htbp]\n\\centering\n\\includegraphics[width=\\textwidth]{{{file}}}\n\\caption{{{}}}\n\\end{{figure}}}}{{}}\n",
        escape(caption)
    )
}

/// Each chart the run may have drawn, in order: those not drawn leave nothing.
fn figures(charts: &[(&str, &str)]) -> String {
    charts
        .iter()
        .map(|(file, caption)| figure(file, caption))
        .collect()
}

fn conventions(summary: &Summary) -> String {
    format!(
        "\\section*{{Conventions and data}}\n{}.\n\nPrices: {}.\n",
        escape(&summary.conventions.describe()),
        escape(&summary.source)
    )
}

/// `report.tex` of one event: its tables, its charts, the conventions and the source.
pub fn event_document(summary: &Summary, e: &EventReport) -> String {
    let title = match &e.label {
        Some(label) => format!("{} on {}: {label}", e.ticker, e.event_date),
        None => format!("{} on {}", e.ticker, e.event_date),
    };
    let mut out = preamble(&title);
    out += &event_tables(e);
    let _ = writeln!(
        out,
        "Model: alpha {}, beta {}, sigma {}, {} estimation returns from {} to {}.\n",
        escape(&fixed(e.alpha, 5)),
        escape(&fixed(e.beta, 3)),
        escape(&pct(e.sigma)),
        e.n_estimation,
        e.estimation_start,
        e.estimation_end
    );
    for note in &e.notes {
        let _ = writeln!(out, "Note: {}\n", escape(&note.to_string()));
    }
    if summary.layout.event_charts {
        out += &figures(&[
            ("price.png", "Price, rebased to 100 at day -1"),
            ("abnormal_returns.png", "Daily abnormal returns"),
            ("car.png", "Cumulative abnormal return"),
            ("volume.png", "Shares traded and their normal range"),
            ("bhar.png", "Buy-and-hold returns and their gap"),
            ("market_value.png", "Change in market value"),
        ]);
    }
    out += &conventions(summary);
    out.push_str("\\end{document}\n");
    out
}

/// `report.tex` of the portfolio.
pub fn portfolio_document(summary: &Summary, a: &AggregateReport) -> String {
    let mut out = preamble(&format!("Portfolio of {} events", a.n));
    out += &portfolio_tables(summary, a);
    if summary.layout.portfolio_charts {
        out += &figures(&[
            ("caar.png", "Cumulative average abnormal return"),
            (
                "abnormal_returns_heatmap.png",
                "Daily abnormal returns by event",
            ),
            (
                "market_value_by_ticker.png",
                "Change in market value by event",
            ),
            ("abnormal_volume.png", "Abnormal volume and volatility"),
            ("bhar.png", "Mean buy-and-hold abnormal return"),
            ("calendar_time.png", "Calendar-time portfolios"),
            ("car_distribution.png", "CARs by group"),
        ]);
    }
    out += &conventions(summary);
    out.push_str("\\end{document}\n");
    out
}

/// `report.tex` from a `report.md` of this tool (an intraday study's): its headings, paragraphs,
/// lists, quotes, pipe tables (as booktabs, aligned as the Markdown says) and charts. Only the
/// Markdown the reports write is read: `#` headings, `|` tables, `![alt](file)`, `> `, `- `,
/// `**bold**`, `` `code` `` and `\*`.
pub fn markdown_document(markdown: &str) -> String {
    let mut lines = markdown.lines().peekable();
    let mut title = String::from("Event study");
    let mut body = String::new();
    let mut titled = false;
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("# ") {
            match titled {
                false => (title, titled) = (unescape_md(h), true),
                true => {
                    let _ = writeln!(body, "\\section*{{{}}}", inline(h));
                }
            }
        } else if let Some(h) = line.strip_prefix("## ") {
            let _ = writeln!(body, "\\subsection*{{{}}}", inline(h));
        } else if line.starts_with('|') {
            let mut table = vec![line];
            while let Some(next) = lines.next_if(|l| l.starts_with('|')) {
                table.push(next);
            }
            body += &markdown_table(&table);
        } else if let Some(image) = line.strip_prefix("![") {
            if let Some((alt, file)) = image.split_once("](") {
                let file = file.trim_end_matches(')');
                // pdflatex reads PNG, not SVG.
                if file.ends_with(".png") {
                    body += &figure(file, &unescape_md(alt));
                }
            }
        } else if let Some(quote) = line.strip_prefix("> ") {
            let _ = writeln!(body, "\\begin{{quote}}\n{}\n\\end{{quote}}", inline(quote));
        } else if line.starts_with("- ") {
            body.push_str("\\begin{itemize}\n");
            let mut item = Some(line);
            while let Some(l) = item {
                let _ = writeln!(body, "\\item {}", inline(&l[2..]));
                item = lines.next_if(|l| l.starts_with("- "));
            }
            body.push_str("\\end{itemize}\n");
        } else if line.trim().is_empty() {
            body.push('\n');
        } else {
            let _ = writeln!(body, "{}", inline(line));
        }
    }
    let mut out = preamble(&title);
    out += &body;
    out.push_str("\\end{document}\n");
    out
}

/// Markdown's `\*` as `*`.
fn unescape_md(text: &str) -> String {
    text.replace("\\*", "*")
}

/// A line of Markdown text: escaped, `**bold**` and `` `code` `` kept as such.
fn inline(text: &str) -> String {
    let text = unescape_md(text);
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "\\texttt{{{}}}", escape(part));
            continue;
        }
        for (j, piece) in part.split("**").enumerate() {
            match j % 2 {
                1 => {
                    let _ = write!(out, "\\textbf{{{}}}", escape(piece));
                }
                _ => out += &escape(piece),
            }
        }
    }
    out
}

/// A Markdown pipe table (header, alignment row, rows) as a booktabs table.
fn markdown_table(lines: &[&str]) -> String {
    let cells = |line: &str| -> Vec<String> {
        let line = line.trim().trim_start_matches('|').trim_end_matches('|');
        line.split('|').map(|c| unescape_md(c.trim())).collect()
    };
    let header = cells(lines[0]);
    let align: String = match lines.get(1) {
        Some(rule) => cells(rule)
            .iter()
            .map(|r| match (r.starts_with(':'), r.ends_with(':')) {
                (true, true) => 'c',
                (false, true) => 'r',
                _ => 'l',
            })
            .collect(),
        None => "l".repeat(header.len()),
    };
    let rows: Vec<Vec<String>> = lines.iter().skip(2).map(|l| cells(l)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    tabular("", &align, &header, &rows, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_are_escaped() {
        assert_eq!(escape("^GSPC"), "\\textasciicircum{}GSPC");
        assert_eq!(escape("-13.36%"), "-13.36\\%");
        assert_eq!(
            escape("AT&T_1 $5 #2 {x} ~"),
            "AT\\&T\\_1 \\$5 \\#2 \\{x\\} \\textasciitilde{}"
        );
        assert_eq!(escape("a\\b"), "a\\textbackslash{}b");
    }

    #[test]
    fn a_markdown_report_becomes_a_document() {
        let md = "# FIRM: 1m bars around 10:47\n\nFIRM fell **3.24%** in `bar 0`.\n\n## Windows\n\n| window | CAR | p |\n|---|---:|---:|\n| 0:15m | -3.62% | 0.0010\\*\\*\\* |\n\n![Price](price.png)\n![Car](car.svg)\n\n> a note_1\n- one\n- two\n";
        let tex = markdown_document(md);
        assert!(tex.contains("\\title{FIRM: 1m bars around 10:47}"), "{tex}");
        assert!(
            tex.contains("FIRM fell \\textbf{3.24\\%} in \\texttt{bar 0}."),
            "{tex}"
        );
        assert!(tex.contains("\\subsection*{Windows}"), "{tex}");
        assert!(tex.contains("\\begin{tabular}{lrr}"), "{tex}");
        assert!(tex.contains("window & CAR & p \\\\"), "{tex}");
        assert!(
            tex.contains("0:15m & -3.62\\% & 0.0010\\textsuperscript{***} \\\\"),
            "{tex}"
        );
        assert!(tex.contains("{price.png}"), "{tex}");
        assert!(!tex.contains("car.svg"), "pdflatex reads no SVG");
        assert!(
            tex.contains("\\begin{quote}\na note\\_1\n\\end{quote}"),
            "{tex}"
        );
        assert!(
            tex.contains("\\begin{itemize}\n\\item one\n\\item two\n\\end{itemize}"),
            "{tex}"
        );
        assert!(tex.trim_end().ends_with("\\end{document}"));
    }

    #[test]
    fn stars_become_a_superscript() {
        assert_eq!(cell("-5.05***"), "-5.05\\textsuperscript{***}");
        assert_eq!(cell("0.0371 (0.1113)"), "0.0371 (0.1113)");
        assert_eq!(cell("12.3%**"), "12.3\\%\\textsuperscript{**}");
    }
}
