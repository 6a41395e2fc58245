//! Erlang A checked against the M/M/N+M birth–death chain solved numerically here:
//! stationary probabilities from the balance equations, and the tagged customer's
//! "served by t" probabilities from the backward Kolmogorov equations integrated with RK4
//! (no incomplete-gamma series as in the library).

use kefu_wfm::erlang::erlang_a;

struct Reference {
    p_wait: f64,
    p_abandon: f64,
    service_level: f64,
    asa_answered_s: f64,
}

fn chain(a: f64, n: usize, aht: f64, patience: f64, t_sl: f64) -> Reference {
    let mu = 1.0 / aht;
    let theta = 1.0 / patience;
    let lambda = a * mu;
    // π relative to π_n, below and above.
    let mut below = vec![0.0; n]; // π_k, k < n
    let mut p = 1.0;
    for k in (0..n).rev() {
        p *= (k as f64 + 1.0) * mu / lambda;
        below[k] = p;
    }
    let mut above = vec![1.0]; // π_{n+j}
    loop {
        let j = above.len() as f64;
        let next = above[above.len() - 1] * lambda / (n as f64 * mu + j * theta);
        above.push(next);
        if next < 1e-18 && j > lambda / theta {
            break;
        }
    }
    let total: f64 = below.iter().sum::<f64>() + above.iter().sum::<f64>();
    let p_wait = above.iter().sum::<f64>() / total;
    let queue: f64 = above
        .iter()
        .enumerate()
        .map(|(j, p)| j as f64 * p)
        .sum::<f64>()
        / total;
    // Abandon rate θ·E[Q] over arrival rate λ.
    let p_abandon = theta * queue / lambda;

    // u_i(t) = P(served by t | i customers ahead); u_{−1} = 1.
    let jmax = above.len();
    let deriv = |u: &[f64], out: &mut [f64]| {
        for i in 0..jmax {
            let ahead = if i == 0 { 1.0 } else { u[i - 1] };
            let move_rate = n as f64 * mu + i as f64 * theta;
            out[i] = move_rate * (ahead - u[i]) - theta * u[i];
        }
    };
    let rate_max = n as f64 * mu + (jmax as f64 + 1.0) * theta;
    let dt = 0.05 / rate_max;
    let mut u = vec![0.0; jmax];
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; jmax],
        vec![0.0; jmax],
        vec![0.0; jmax],
        vec![0.0; jmax],
        vec![0.0; jmax],
    );
    let mut t = 0.0;
    let mut rk4 = |u: &mut Vec<f64>, h: f64| {
        deriv(u, &mut k1);
        for i in 0..jmax {
            tmp[i] = u[i] + 0.5 * h * k1[i];
        }
        deriv(&tmp, &mut k2);
        for i in 0..jmax {
            tmp[i] = u[i] + 0.5 * h * k2[i];
        }
        deriv(&tmp, &mut k3);
        for i in 0..jmax {
            tmp[i] = u[i] + h * k3[i];
        }
        deriv(&tmp, &mut k4);
        for i in 0..jmax {
            u[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    };
    let weighted =
        |u: &[f64]| -> f64 { above.iter().zip(u).map(|(p, u)| p * u).sum::<f64>() / total };
    // Integrate to T for the service level; keep ∫ u dt for the answered wait.
    let mut served_area = 0.0; // ∫_0^horizon Σ π u(t) dt
    while t < t_sl {
        let h = dt.min(t_sl - t);
        let before = weighted(&u);
        rk4(&mut u, h);
        served_area += 0.5 * h * (before + weighted(&u));
        t += h;
    }
    let within = weighted(&u);
    let horizon = 40.0 * aht.max(patience);
    let h = 0.5 / rate_max;
    while t < horizon {
        let before = weighted(&u);
        rk4(&mut u, h);
        served_area += 0.5 * h * (before + weighted(&u));
        t += h;
    }
    let served_wait = weighted(&u); // P(wait, served)
    // E[W·1{served}] = ∫ (P(served) − P(served by t)) dt over the waiting ones.
    let e_wait_served = served_wait * t - served_area;
    let answered = 1.0 - p_abandon;
    Reference {
        p_wait,
        p_abandon,
        service_level: (1.0 - p_wait) + within,
        asa_answered_s: e_wait_served / answered,
    }
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-3),
        "{what}: library {got}, chain {want}"
    );
}

#[test]
fn erlang_a_matches_the_chain() {
    for &(a, n, aht, patience, t) in &[
        (10.0, 12usize, 180.0, 120.0, 20.0),
        (10.0, 9, 180.0, 300.0, 30.0),
        (4.0, 5, 240.0, 60.0, 15.0),
        (30.0, 28, 120.0, 90.0, 20.0),
    ] {
        let lib = erlang_a(a, n as u32, aht, patience, t).unwrap();
        let r = chain(a, n, aht, patience, t);
        let case = format!("A={a} N={n} patience={patience}");
        close(&format!("{case} p_wait"), lib.p_wait, r.p_wait, 1e-6);
        close(
            &format!("{case} p_abandon"),
            lib.p_abandon,
            r.p_abandon,
            1e-6,
        );
        close(
            &format!("{case} service_level"),
            lib.service_level,
            r.service_level,
            1e-4,
        );
        close(
            &format!("{case} asa_answered"),
            lib.asa_answered_s.unwrap(),
            r.asa_answered_s,
            2e-3,
        );
    }
}
