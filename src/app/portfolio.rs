//! The portfolio folder of a run with several events: the whole summary with its aggregate
//! section, the AAR and CAAR tables with every test, one row per event, and three charts.

use crate::chart;
use crate::error::Result;
use crate::export::{self, csv as csv_out, json, write_atomic};
use crate::options::{ChartsMode, RunOptions};
use crate::report::Summary;

/// Writes `<out>/<portfolio name>/`.
pub fn write(options: &RunOptions, summary: &Summary) -> Result<()> {
    let Some(aggregate) = &summary.aggregate else {
        return Ok(());
    };
    let dir = options.out_dir.join(&options.portfolio_name);
    export::ensure_dir(&dir)?;
    write_atomic(
        &dir.join("summary.json"),
        (json::summary_json(summary)? + "\n").as_bytes(),
    )?;
    write_atomic(
        &dir.join("aar.csv"),
        &csv_out::to_csv(&mut csv_out::aggregate_days_frame(aggregate)?)?,
    )?;
    write_atomic(
        &dir.join("caar.csv"),
        &csv_out::to_csv(&mut csv_out::aggregate_car_frame(aggregate)?)?,
    )?;
    write_atomic(
        &dir.join("events.csv"),
        &csv_out::to_csv(&mut csv_out::events_frame(&summary.events)?)?,
    )?;
    if options.charts != ChartsMode::None {
        chart::render_portfolio_charts(
            &dir,
            summary,
            &options.mv_window.to_string(),
            options.chart_size,
        )?;
    }
    Ok(())
}
