//! Abnormal trading volume's normal model (METHODS, "Beyond returns"; Campbell & Wasley 1996).

/// Normal log volume over the estimation window (METHODS, "Beyond returns"): v = ln(1 +
/// volume), its mean and standard deviation (n - 1) over the L_v days with a volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeModel {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

impl VolumeModel {
    /// Over `volume`'s valid days; `None` with fewer than three, or when the log volume does
    /// not vary.
    pub fn fit(volume: &[f64]) -> Option<VolumeModel> {
        let logs = || {
            volume
                .iter()
                .filter(|v| v.is_finite() && **v >= 0.0)
                .map(|v| v.ln_1p())
        };
        let n = logs().count();
        if n < 3 {
            return None;
        }
        let mean = logs().sum::<f64>() / n as f64;
        let ss: f64 = logs().map(|v| (v - mean) * (v - mean)).sum();
        let sd = (ss / (n - 1) as f64).sqrt();
        // Below 1e-9 of its level the spread is rounding in the mean of equal volumes.
        let varies = sd.is_finite() && sd > 1e-9 * mean.abs().max(1.0);
        varies.then_some(VolumeModel { mean, sd, n })
    }

    /// (abnormal log volume, its t) of a day's volume; NaN when unknown.
    pub fn abnormal(&self, volume: f64) -> (f64, f64) {
        if !(volume.is_finite() && volume >= 0.0) {
            return (f64::NAN, f64::NAN);
        }
        let av = volume.ln_1p() - self.mean;
        (av, av / (self.sd * (1.0 + 1.0 / self.n as f64).sqrt()))
    }

    /// (summed abnormal log volume, its t) of `n` days whose abnormal volumes sum to `sum`.
    pub fn window(&self, sum: f64, n: usize) -> (f64, f64) {
        if n == 0 {
            return (f64::NAN, f64::NAN);
        }
        let nf = n as f64;
        let variance = self.sd * self.sd * (nf + nf * nf / self.n as f64);
        (sum, sum / variance.sqrt())
    }

    /// Student t's degrees of freedom of the t statistics: L_v - 1.
    pub fn dof(&self) -> f64 {
        (self.n - 1) as f64
    }
}
