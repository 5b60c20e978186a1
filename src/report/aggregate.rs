//! The portfolio's results as the outputs have them: the test battery's rows by day and by
//! CAR window, the BHAR windows and their mean path, the cross-sectional regression.

use serde::Serialize;

use super::{calendar_time, diagnostics, groups, num};
use crate::study::aggregate::{Aggregate, AggregateCar, AggregateDay, TestBattery, Volatility};
use crate::study::bhar::{BharTests, PathSums};
use crate::study::regression::{OlsFit, StandardErrors};
use crate::study::significance::TestStat;
use crate::study::stats::student_t_critical;
use crate::study::RelWindow;

/// A test statistic and its two-sided p-value (`null` when it does not exist).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TestReport {
    pub stat: Option<f64>,
    pub p: Option<f64>,
    /// `p` adjusted over the days, or over the CAR windows (`--adjust`; absent without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_adj: Option<Option<f64>>,
}

impl TestReport {
    /// The p-value significance is read from: the adjusted one when the run adjusts.
    pub fn p_for_stars(&self) -> Option<f64> {
        self.p_adj.unwrap_or(self.p)
    }
}

impl From<TestStat> for TestReport {
    fn from(t: TestStat) -> Self {
        TestReport {
            stat: num(t.stat),
            p: num(t.p),
            p_adj: None,
        }
    }
}

/// The battery as the JSON contract has it: each test `{"stat", "p"}`.
pub type TestsReport = TestBattery<TestReport>;

/// What a day row and a window row of the aggregate share: the tests and their companions.
pub trait CrossSection {
    fn tests(&self) -> &TestsReport;
    fn positive(&self) -> usize;
    fn wilcoxon_w(&self) -> Option<f64>;
    fn market_value_change(&self) -> Option<f64>;
    fn abnormal_market_value_change(&self) -> Option<f64>;
    fn mean_u(&self) -> Option<f64>;
    fn volatility_chi2(&self) -> ChiSquareReport;
    /// (aav, its cross-sectional t, its standardized t).
    fn volume(&self) -> (Option<f64>, TestReport, TestReport);
}

macro_rules! cross_section {
    ($row:ty) => {
        impl CrossSection for $row {
            fn tests(&self) -> &TestsReport {
                &self.tests
            }
            fn positive(&self) -> usize {
                self.positive
            }
            fn wilcoxon_w(&self) -> Option<f64> {
                self.wilcoxon_w
            }
            fn market_value_change(&self) -> Option<f64> {
                self.market_value_change
            }
            fn abnormal_market_value_change(&self) -> Option<f64> {
                self.abnormal_market_value_change
            }
            fn mean_u(&self) -> Option<f64> {
                self.mean_u
            }
            fn volatility_chi2(&self) -> ChiSquareReport {
                self.volatility_chi2
            }
            fn volume(&self) -> (Option<f64>, TestReport, TestReport) {
                (self.aav, self.aav_csect_t, self.aav_std_t)
            }
        }
    };
}

cross_section!(AggregateDayRow);
cross_section!(AggregateCarRow);

/// One relative day across the events.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateDayRow {
    pub rel: i32,
    pub n: usize,
    pub aar: Option<f64>,
    pub caar: Option<f64>,
    /// Cross-sectional standard deviation of the events' CARs to this day.
    pub car_sd: Option<f64>,
    #[serde(flatten)]
    pub tests: TestsReport,
    pub positive: usize,
    pub wilcoxon_w: Option<f64>,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    /// Mean U = SAR^2 (abnormal volatility) and its chi-square test.
    pub mean_u: Option<f64>,
    pub volatility_chi2: ChiSquareReport,
    /// Mean abnormal log volume over the events with volume, and its tests.
    pub aav: Option<f64>,
    pub aav_csect_t: TestReport,
    pub aav_std_t: TestReport,
    /// Half-width of the CAAR's 95% band (t critical value (N-1 dof) x `car_sd` / sqrt N), for
    /// the chart; 0 with fewer than two events.
    #[serde(skip)]
    pub caar_band: f64,
}

impl From<&AggregateDay> for AggregateDayRow {
    fn from(d: &AggregateDay) -> Self {
        let caar_band = match num(d.car_sd) {
            Some(sd) if d.n >= 2 => {
                student_t_critical(0.05, (d.n - 1) as f64) * sd / (d.n as f64).sqrt()
            }
            _ => 0.0,
        };
        AggregateDayRow {
            caar_band,
            rel: d.rel,
            n: d.n,
            aar: num(d.aar),
            caar: num(d.caar),
            car_sd: num(d.car_sd),
            tests: d.tests.map(TestReport::from),
            positive: d.positive,
            wilcoxon_w: num(d.wilcoxon_w),
            market_value_change: num(d.market_value_change),
            abnormal_market_value_change: num(d.abnormal_market_value_change),
            mean_u: num(d.volatility.mean_u),
            volatility_chi2: (&d.volatility).into(),
            aav: num(d.volume.aav),
            aav_csect_t: d.volume.csect_t.into(),
            aav_std_t: d.volume.std_t.into(),
        }
    }
}

/// A chi-square test as the JSON has it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ChiSquareReport {
    pub stat: Option<f64>,
    pub p: Option<f64>,
    pub df: usize,
}

impl From<&Volatility> for ChiSquareReport {
    fn from(v: &Volatility) -> Self {
        ChiSquareReport {
            stat: num(v.chi2),
            p: num(v.p),
            df: v.df,
        }
    }
}

/// One CAR window across the events.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateCarRow {
    pub window: String,
    pub n: usize,
    pub caar: Option<f64>,
    #[serde(flatten)]
    pub tests: TestsReport,
    pub positive: usize,
    pub wilcoxon_w: Option<f64>,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    /// The mean over the events of each one's mean U over the window, and the chi-square test
    /// of every event's U on every day of it.
    pub mean_u: Option<f64>,
    pub volatility_chi2: ChiSquareReport,
    /// The mean over the events of the window's summed abnormal log volume, and its tests.
    pub aav: Option<f64>,
    pub aav_csect_t: TestReport,
    pub aav_std_t: TestReport,
}

impl From<&AggregateCar> for AggregateCarRow {
    fn from(c: &AggregateCar) -> Self {
        AggregateCarRow {
            window: c.window.to_string(),
            n: c.n,
            caar: num(c.caar),
            tests: c.tests.map(TestReport::from),
            positive: c.positive,
            wilcoxon_w: num(c.wilcoxon_w),
            market_value_change: num(c.market_value_change),
            abnormal_market_value_change: num(c.abnormal_market_value_change),
            mean_u: num(c.volatility.mean_u),
            volatility_chi2: (&c.volatility).into(),
            aav: num(c.volume.aav),
            aav_csect_t: c.volume.csect_t.into(),
            aav_std_t: c.volume.std_t.into(),
        }
    }
}

/// The portfolio section of the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateReport {
    pub n: usize,
    /// Events with a share count: the dollar totals sum over these.
    pub n_with_market_value: usize,
    pub days: Vec<AggregateDayRow>,
    pub car: Vec<AggregateCarRow>,
    /// Day 0's change in market value, summed over the events with a share count.
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    /// Share of positive estimation-window ARs (the generalized sign test's p).
    pub positive_share: Option<f64>,
    /// Mean pairwise correlation of the estimation residuals (Kolari-Pynnönen's r).
    pub residual_correlation: Option<f64>,
    /// Standard deviation of the estimation-window AARs (the crude dependence adjustment).
    pub estimation_aar_sd: Option<f64>,
    /// The `--bhar` windows across the events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bhar: Vec<AggregateBharRow>,
    /// The mean BHAR path, for the portfolio's BHAR chart.
    #[serde(skip)]
    pub bhar_path: Option<MeanBharPath>,
    /// The `--cross-section` regression, one per CAR window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cross_section: Vec<CrossSectionReport>,
    /// How many events fail each residual diagnostic at 1%.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<diagnostics::DiagnosticsSummary>,
    /// The calendar-time portfolios, one per `--calendar-time` window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calendar_time: Vec<calendar_time::CalendarTimeReport>,
    /// `--group-by`: each group's CAAR per window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<groups::GroupReport>,
    /// `--group-by`: the differences between the groups per window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_difference: Vec<groups::GroupDifference>,
    /// `--group-by`: the events whose group cell is empty (in no group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_without_group: Option<usize>,
}

impl From<&Aggregate> for AggregateReport {
    fn from(a: &Aggregate) -> Self {
        let day0 = a.days.iter().find(|d| d.rel == 0);
        AggregateReport {
            n: a.n,
            n_with_market_value: a.n_with_market_value,
            days: a.days.iter().map(Into::into).collect(),
            car: a.cars.iter().map(Into::into).collect(),
            market_value_change: day0.and_then(|d| num(d.market_value_change)),
            abnormal_market_value_change: day0.and_then(|d| num(d.abnormal_market_value_change)),
            positive_share: num(a.positive_share),
            residual_correlation: num(a.residual_correlation),
            estimation_aar_sd: num(a.estimation_aar_sd),
            bhar: Vec::new(),
            bhar_path: None,
            cross_section: Vec::new(),
            diagnostics: None,
            calendar_time: Vec::new(),
            groups: Vec::new(),
            group_difference: Vec::new(),
            events_without_group: None,
        }
    }
}

/// One BHAR window across the events.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateBharRow {
    pub window: String,
    /// Events with a BHAR in the window, and how many of them were cut short.
    pub n: usize,
    pub cut_short: usize,
    pub mean_bhar: Option<f64>,
    pub median_bhar: Option<f64>,
    pub sd: Option<f64>,
    pub skewness: Option<f64>,
    /// mean / (s / sqrt N), Student t with N - 1 dof.
    pub t: TestReport,
    /// Lyon, Barber & Tsai's skewness-adjusted t (p from Student t, N - 1 dof).
    pub t_sa: TestReport,
    /// Two-sided p of `t_sa` in its bootstrap distribution.
    pub bootstrap_p: Option<f64>,
    /// Resamples counted, and events per resample.
    pub bootstrap_draws: usize,
    pub bootstrap_sample: usize,
    /// The dollars (MV at day -1 x BHAR) summed over the events with a share count.
    pub n_with_market_value: usize,
    pub abnormal_market_value_change: Option<f64>,
}

impl AggregateBharRow {
    /// The row of `window` from its tests, its cut-short count and its dollars (events with a
    /// share count, and their sum).
    pub fn new(
        window: RelWindow,
        tests: &BharTests,
        cut_short: usize,
        dollars: (usize, f64),
    ) -> Self {
        AggregateBharRow {
            window: window.to_string(),
            n: tests.n,
            cut_short,
            mean_bhar: num(tests.mean),
            median_bhar: num(tests.median),
            sd: num(tests.sd),
            skewness: num(tests.skewness),
            t: tests.t.into(),
            t_sa: tests.t_sa.into(),
            bootstrap_p: num(tests.bootstrap_p),
            bootstrap_draws: tests.bootstrap_draws,
            bootstrap_sample: tests.bootstrap_sample,
            n_with_market_value: dollars.0,
            abnormal_market_value_change: (dollars.0 > 0).then_some(dollars.1),
        }
    }
}

/// The portfolio's mean BHAR path, day by day, from the day before the BHAR windows start to
/// the end of the longest: BHAR(start, t) averaged over the events, for the chart.
#[derive(Debug, Clone, Default)]
pub struct MeanBharPath {
    pub rel: Vec<i32>,
    pub n: Vec<usize>,
    pub mean: Vec<f64>,
    /// Half-width of the 95% band: t critical value (N-1 dof) x s / sqrt N; NaN below two.
    pub band: Vec<f64>,
}

impl MeanBharPath {
    pub fn from_sums(sums: &PathSums) -> Self {
        let mut path = MeanBharPath::default();
        for (rel, n, mean, sd) in sums.moments() {
            path.rel.push(rel);
            path.n.push(n);
            path.mean.push(mean);
            path.band.push(match n >= 2 {
                true => student_t_critical(0.05, (n - 1) as f64) * sd / (n as f64).sqrt(),
                false => f64::NAN,
            });
        }
        path
    }
}

/// One coefficient of the cross-sectional regression.
#[derive(Debug, Clone, Serialize)]
pub struct CoefficientReport {
    pub name: String,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub t: Option<f64>,
    pub p: Option<f64>,
}

/// The regression of one CAR window's CARs on the `--cross-section` columns.
#[derive(Debug, Clone, Serialize)]
pub struct CrossSectionReport {
    pub window: String,
    /// Events in the regression, and those left out for a missing value (a CAR or a column).
    pub n: usize,
    pub left_out: usize,
    pub r2: Option<f64>,
    pub adj_r2: Option<f64>,
    pub se_kind: StandardErrors,
    /// `const` first, then the columns in their order.
    pub coefficients: Vec<CoefficientReport>,
}

impl CrossSectionReport {
    pub fn new(window: String, left_out: usize, names: &[String], fit: &OlsFit) -> Self {
        let names = std::iter::once("const").chain(names.iter().map(String::as_str));
        CrossSectionReport {
            window,
            n: fit.n,
            left_out,
            r2: num(fit.r2),
            adj_r2: num(fit.adj_r2),
            se_kind: fit.se_kind,
            coefficients: names
                .zip(&fit.coefficients)
                .map(|(name, c)| CoefficientReport {
                    name: name.to_string(),
                    estimate: num(c.estimate),
                    se: num(c.se),
                    t: num(c.t),
                    p: num(c.p),
                })
                .collect(),
        }
    }
}
