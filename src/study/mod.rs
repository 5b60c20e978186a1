//! The event study proper: windows, calendar, models, the engine and its statistics.

pub mod adjust;
pub mod aggregate;
pub mod bars;
pub mod bhar;
pub mod calendar;
pub mod calendar_time;
pub mod diagnostics;
pub mod engine;
pub mod groups;
pub mod model;
pub mod optimize;
pub mod regression;
pub mod returns;
pub mod significance;
pub mod simulate;
pub mod stats;
pub mod volume;
pub mod window;

pub use aggregate::{aggregate, Aggregate, EventSample};
pub use calendar::{NonTrading, TradingCalendar};
pub use engine::{
    run_event, run_events, BarLayout, CarResult, DayResult, EventResult, PeriodVariance,
    ReturnPanel, StudyDesign,
};
pub use model::{FitError, FittedModel, ModelKind};
pub use returns::{first_implausible_move, returns, ReturnKind, MAX_DAILY_RETURN};
pub use window::{RelWindow, WindowSpec};
