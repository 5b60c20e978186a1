//! A small quasi-Newton minimiser (BFGS with a backtracking Armijo line search) for smooth
//! objectives of a few unconstrained parameters with an analytic gradient: the GARCH(1,1)
//! likelihood's five. Constraints are the caller's, by transforming the parameters.
//!
//! Nocedal & Wright (2006), "Numerical Optimization", algorithm 6.1 with the initial inverse
//! Hessian scaled as in their (6.20).

/// Where a minimisation stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum<const N: usize> {
    pub x: [f64; N],
    pub value: f64,
    pub gradient: [f64; N],
    pub iterations: usize,
    /// The gradient's largest component fell below the tolerance, or the objective stopped
    /// moving (see [`Tolerance`]).
    pub converged: bool,
}

/// When to stop.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Converged once every gradient component is below this.
    pub gradient: f64,
    /// ... or once an iteration improves the value by less than this (relative to 1 + |f|)
    /// while the gradient is below `gradient` x `loose_factor`.
    pub value: f64,
    pub loose_factor: f64,
    /// ... or once `stall_iterations` iterations together improve it by less than
    /// `stall_value` (relative): a supremum on the boundary of the transformed domain, which
    /// the parameters approach along a flat ridge without reaching it.
    pub stall_value: f64,
    pub stall_iterations: usize,
    pub max_iterations: usize,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            gradient: 1e-8,
            value: 1e-15,
            loose_factor: 1e3,
            stall_value: 1e-9,
            stall_iterations: 10,
            max_iterations: 400,
        }
    }
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs<const N: usize>(a: &[f64; N]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Minimises `f`, which returns the value and gradient at a point (an infinite or NaN value
/// marks a point outside the domain: the line search steps back from it), from `start`.
pub fn bfgs<const N: usize>(
    mut f: impl FnMut(&[f64; N]) -> (f64, [f64; N]),
    start: [f64; N],
    tol: Tolerance,
) -> Minimum<N> {
    let mut x = start;
    let (mut fx, mut g) = f(&x);
    // The inverse Hessian approximation, row-major.
    let mut h = [[0.0; N]; N];
    for (i, row) in h.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let mut first = true;
    let mut iterations = 0;
    let mut converged = fx.is_finite() && max_abs(&g) < tol.gradient;
    // The values of the last `stall_iterations` iterations, oldest first.
    let mut recent: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    while !converged && iterations < tol.max_iterations && fx.is_finite() {
        iterations += 1;
        let mut p = [0.0; N];
        for i in 0..N {
            p[i] = -dot(&h[i], &g);
        }
        let mut slope = dot(&p, &g);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (rounding in H): restart from steepest descent.
            for i in 0..N {
                h[i] = [0.0; N];
                h[i][i] = 1.0;
                p[i] = -g[i];
            }
            slope = -dot(&g, &g);
            first = true;
        }
        // No step longer than 10 in any parameter: the transforms saturate past that.
        let longest = max_abs(&p);
        let mut step = if longest > 10.0 { 10.0 / longest } else { 1.0 };
        let (mut x_new, mut f_new, mut g_new);
        loop {
            x_new = x;
            for i in 0..N {
                x_new[i] += step * p[i];
            }
            (f_new, g_new) = f(&x_new);
            if f_new.is_finite() && f_new <= fx + 1e-4 * step * slope {
                break;
            }
            step *= 0.5;
            if step < 1e-20 {
                break;
            }
        }
        if !(f_new.is_finite() && f_new <= fx) {
            // The line search found no lower point: the gradient is rounding here.
            converged = max_abs(&g) < tol.gradient * tol.loose_factor;
            break;
        }
        let mut s = [0.0; N];
        let mut y = [0.0; N];
        for i in 0..N {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        let improvement = fx - f_new;
        (x, fx, g) = (x_new, f_new, g_new);
        let small_gradient = max_abs(&g);
        if small_gradient < tol.gradient
            || (improvement <= tol.value * (1.0 + fx.abs())
                && small_gradient < tol.gradient * tol.loose_factor)
        {
            converged = true;
            break;
        }
        recent.push_back(fx);
        if recent.len() > tol.stall_iterations {
            let oldest = recent.pop_front().unwrap_or(fx);
            if oldest - fx <= tol.stall_value * (1.0 + fx.abs()) {
                converged = true;
                break;
            }
        }
        let sy = dot(&s, &y);
        if sy <= 1e-300 {
            // Curvature condition fails (the Armijo search does not enforce Wolfe): keep H.
            continue;
        }
        if first {
            // Scale the first H to the curvature seen: y's/y'y (Nocedal & Wright 6.20).
            let scale = sy / dot(&y, &y);
            for (i, row) in h.iter_mut().enumerate() {
                *row = [0.0; N];
                row[i] = scale;
            }
            first = false;
        }
        update_inverse_hessian(&mut h, &s, &y, sy);
    }
    Minimum {
        x,
        value: fx,
        gradient: g,
        iterations,
        converged,
    }
}

/// H <- (I - rho s y') H (I - rho y s') + rho s s', rho = 1 / y's.
fn update_inverse_hessian<const N: usize>(
    h: &mut [[f64; N]; N],
    s: &[f64; N],
    y: &[f64; N],
    sy: f64,
) {
    let rho = 1.0 / sy;
    let mut hy = [0.0; N];
    for i in 0..N {
        hy[i] = dot(&h[i], y);
    }
    let yhy = dot(y, &hy);
    for i in 0..N {
        for j in 0..N {
            h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let rosenbrock = |p: &[f64; 2]| {
            let (x, y) = (p[0], p[1]);
            let f = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
            let g = [
                -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
                200.0 * (y - x * x),
            ];
            (f, g)
        };
        let m = bfgs(rosenbrock, [-1.2, 1.0], Tolerance::default());
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn quadratic_in_few_steps() {
        // f = 1/2 x'Ax - b'x with A = [[4, 1], [1, 3]], b = [1, 2]: minimum A^-1 b = (1/11, 7/11).
        let quad = |p: &[f64; 2]| {
            let g = [4.0 * p[0] + p[1] - 1.0, p[0] + 3.0 * p[1] - 2.0];
            let f = 0.5 * (4.0 * p[0] * p[0] + 2.0 * p[0] * p[1] + 3.0 * p[1] * p[1])
                - p[0]
                - 2.0 * p[1];
            (f, g)
        };
        let m = bfgs(quad, [0.0, 0.0], Tolerance::default());
        assert!(m.converged);
        assert!((m.x[0] - 1.0 / 11.0).abs() < 1e-9 && (m.x[1] - 7.0 / 11.0).abs() < 1e-9);
        assert!(m.iterations < 20, "{}", m.iterations);
    }

    #[test]
    fn steps_back_from_outside_the_domain() {
        // f = x - ln x on x > 0 (infinite outside): minimum at 1, from 5 the first step
        // overshoots below zero.
        let f = |p: &[f64; 1]| {
            if p[0] <= 0.0 {
                return (f64::INFINITY, [f64::NAN]);
            }
            (p[0] - p[0].ln(), [1.0 - 1.0 / p[0]])
        };
        let m = bfgs(f, [5.0], Tolerance::default());
        assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-7, "{m:?}");
    }
}
