"""The diagonal Gauss-Newton matrix, and the second moment of Adam that crudely mimics it.

A small tanh network f(x; theta) is fit by least squares, L = mean_i (f_i - y_i)^2 / 2. Its Hessian is

    H = mean_i J_i^T J_i  +  mean_i r_i d^2 f_i / dtheta^2        (J_i = df_i/dtheta, r_i = f_i - y_i)

The first term is the Gauss-Newton matrix G: positive semi-definite, and equal to H wherever the residuals
are small or the model is locally linear. Adam keeps v = EMA of g^2, the squared minibatch gradient
g = mean_{i in B} r_i J_i. Near a minimum the mean gradient vanishes and E[g^2] is the noise term,
mean_i r_i^2 J_i^2 / B: the diagonal of the *empirical Fisher*, which is diag(G) weighted by the squared
residuals. So B v / mean(r^2) estimates diag(G) only as well as r_i^2 is unrelated to J_i^2, and Adam then
divides by sqrt(v), not by v as a (diagonal) Newton step would.

This script trains with gpugrad's Adam, then measures on all the data: diag(H) from functional.hessian (double
backward), diag(G) from the per-example Jacobian computed in forward mode (one dual-number pass per
parameter), the empirical Fisher, and Adam's bias-corrected v. It prints how well each matches diag(G) and
writes a comparison plot.

Run:  python examples/gauss_newton_adam.py [--steps 2000] [--out example-output]   (from any folder)
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import gpugrad as gg
from gpugrad.autograd.functional import hessian, jacobian

N, D_IN, HIDDEN, BATCH, NOISE = 512, 3, 16, 32, 0.3
SIZES = (HIDDEN * D_IN, HIDDEN, HIDDEN, 1)            # W1, b1, w2, b2 as one flat parameter vector
P = sum(SIZES)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D_IN))
    y = np.sin(x @ np.array([1.5, -1.0, 0.5])) + NOISE * rng.standard_normal(N)
    return gg.tensor(x, dtype=gg.float64), gg.tensor(y, dtype=gg.float64)


def predict(theta, x):
    """f(x) = w2 . tanh(W1 x + b1) + b2, with the parameters sliced out of one flat vector."""
    o = np.cumsum((0,) + SIZES)
    w1 = theta[o[0]:o[1]].reshape(HIDDEN, D_IN)
    b1, w2, b2 = theta[o[1]:o[2]], theta[o[2]:o[3]], theta[o[3]:o[4]]
    return (x @ w1.T + b1).tanh() @ w2 + b2


def loss_fn(theta, x, y):
    r = predict(theta, x) - y
    return 0.5 * (r * r).mean()


STEPS = 2000


def train(x, y, steps=STEPS, lr=1e-2):
    gg.manual_seed(0)
    theta = (gg.randn(P, dtype=gg.float64) * 0.5).requires_grad_()
    opt = gg.optim.Adam([theta], lr=lr, betas=(0.9, 0.999))
    for step in range(steps):
        idx = gg.randint(0, N, (BATCH,))
        opt.zero_grad()
        loss_fn(theta, x[idx], y[idx]).backward()
        opt.step()
    state = opt.state[theta]
    v_hat = state["exp_avg_sq"].numpy() / (1 - 0.999 ** int(state["step"].item()))
    return theta.detach(), v_hat


def log_corr(a, b):
    return float(np.corrcoef(np.log(a), np.log(b))[0, 1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=STEPS, help=f"Adam steps (default {STEPS})")
    ap.add_argument("--out", type=Path, default=Path("example-output"),
                    help="output folder, like the other examples (default: example-output)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "gauss_newton_adam.png"
    x, y = make_data()
    t0 = time.perf_counter()
    theta, v_hat = train(x, y, steps=args.steps)
    t_train = time.perf_counter() - t0

    t0 = time.perf_counter()
    residual = (predict(theta, x) - y).numpy()
    jac = jacobian(lambda t: predict(t, x), theta, strategy="forward-mode").numpy()   # (N, P), forward mode
    diag_gn = (jac ** 2).mean(0)                                        # diag(mean_i J_i^T J_i)
    fisher = ((residual[:, None] * jac) ** 2).mean(0)                   # mean_i (r_i J_i)^2
    diag_h = np.diag(hessian(lambda t: loss_fn(t, x, y), theta).numpy())
    t_measure = time.perf_counter() - t0

    r2 = float((residual ** 2).mean())
    adam_est = BATCH * v_hat / r2          # E[g^2] ~ fisher / B near the minimum; fisher ~ r^2 diag(G)
    pos = diag_h > 0
    print(f"trained {args.steps} Adam steps (batch {BATCH}) in {t_train:.1f} s; loss {loss_fn(theta, x, y).item():.4f}, "
          f"mean r^2 = {r2:.4f} (noise variance {NOISE ** 2:.4f})")
    print(f"measured diag H (hessian, {P} double-backward rows) and diag G (jacobian, {P} forward-mode passes) "
          f"in {t_measure:.1f} s")
    print(f"{'estimate of diag(G)':42} {'corr of logs':>12} {'median ratio':>13}")
    for name, est, mask in [("diag(H)            (where positive)", diag_h, pos),
                            ("empirical Fisher / mean r^2", fisher / r2, slice(None)),
                            ("Adam: B * v_hat / mean r^2", adam_est, slice(None))]:
        print(f"{name:42} {log_corr(est[mask], diag_gn[mask]):12.3f} {np.median(est[mask] / diag_gn[mask]):13.3f}")
    print(f"diag(H) is negative for {int((~pos).sum())} of {P} parameters (G never is)")

    from matplotlib.figure import Figure          # no pyplot: no window, no global state
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    a0, a1 = fig.subplots(1, 2)
    lo, hi = diag_gn.min() / 3, diag_gn.max() * 3
    a0.loglog([lo, hi], [lo, hi], "k:", lw=1, label="y = x")
    a0.scatter(diag_gn[pos], diag_h[pos], s=14, label="diag H (positive entries)")
    a0.scatter(diag_gn, fisher / r2, s=14, marker="x", label="empirical Fisher / mean r²")
    a0.scatter(diag_gn, adam_est, s=14, marker="^", label="Adam: B·v̂ / mean r²")
    a0.set_xlabel("diagonal Gauss-Newton  mean_i (df_i/dθ_j)²")
    a0.set_ylabel("estimate")
    a0.set_title("per-parameter curvature estimates")
    a0.legend(fontsize=8)
    # the step each preconditioner takes for a unit gradient: Newton-like 1/G versus Adam's 1/sqrt(v)
    order = np.argsort(diag_gn)
    a1.semilogy(1 / diag_gn[order], label="diagonal Gauss-Newton step  1 / G_jj")
    a1.semilogy(1 / np.sqrt(v_hat[order]) * np.sqrt(r2 / BATCH), label="Adam step  1 / sqrt(v̂)  (rescaled)")
    a1.set_xlabel("parameters, by increasing G_jj")
    a1.set_title("preconditioner: 1/G spans a square of Adam's range")
    a1.legend(fontsize=8)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
