"""Newton's method with Hessian-vector products and conjugate gradients, against plain gradient descent, on
an L2-regularized logistic regression.

    loss(w) = mean_i softplus(-y_i x_i . w) + lam/2 |w|^2        (labels y_i in {-1, +1})

Newton's step solves H p = -g. The Hessian (d x d) is never formed: conjugate gradients needs only products
H v, and each is one reverse pass through the graph of the gradient, g = grad(loss, w, create_graph=True),
then Hv = grad(g, w, grad_outputs=v) (the double-backward trick; H is symmetric so v^T H = (H v)^T). The
graph of g is built once per Newton iteration and reused by every CG step (retain_graph=True).

Run:  python examples/newton_cg.py
"""
from __future__ import annotations

import time

import numpy as np

import gpugrad as gg
from gpugrad.autograd import grad
from gpugrad.autograd.functional import hvp
from gpugrad.nn.functional import binary_cross_entropy_with_logits

N, D, LAM = 2000, 20, 1e-3


def make_problem(seed=0):
    """Features on scales 1 to 17.8 (a Hessian condition number in the hundreds), so that gradient descent has
    something to struggle with."""
    rng = np.random.default_rng(seed)
    scales = np.logspace(0, 1.25, D)                         # feature scales 1 ... 17.8
    x = rng.standard_normal((N, D)) * scales
    w_true = rng.standard_normal(D) / scales
    p = 1 / (1 + np.exp(-x @ w_true))
    y = (rng.uniform(size=N) < p).astype(np.float64)         # {0, 1}
    return gg.tensor(x, dtype=gg.float64), gg.tensor(y, dtype=gg.float64)


def loss_fn(w, x, y):
    # softplus(-y' x.w) with y' = 2y - 1 is the binary cross-entropy of the logits x.w against y
    return binary_cross_entropy_with_logits(x @ w, y) + 0.5 * LAM * (w * w).sum()


def conjugate_gradient(hess_vec, b, tol, max_iter=50):
    """Solve H p = b to |H p - b| < tol for symmetric positive definite H, given only p -> H p (raw arrays of
    w's device)."""
    p = b * 0
    r = b.copy()
    d = r.copy()
    rr = float((r * r).sum())
    for k in range(max_iter):
        hd = hess_vec(d)
        alpha = rr / float((d * hd).sum())
        p = p + alpha * d
        r = r - alpha * hd
        rr_new = float((r * r).sum())
        if rr_new ** 0.5 < tol:
            return p, k + 1
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, max_iter


def newton_cg(x, y, tol=1e-9, max_iter=30):
    w = gg.zeros(D, dtype=gg.float64, requires_grad=True)
    total_hvps = 0
    history = []
    for it in range(max_iter):
        loss = loss_fn(w, x, y)
        (g,) = grad(loss, w, create_graph=True)              # the gradient, recorded: differentiable again
        gnorm = float(gg.norm(g.detach()))
        history.append((it, loss.item(), gnorm, total_hvps))
        if gnorm < tol:
            break

        def hess_vec(v):                                     # H v = d(g . v)/dw, one reverse pass
            (hv,) = grad(g, w, grad_outputs=gg.tensor(v, dtype=gg.float64), retain_graph=True)
            return hv._data

        # inexact Newton: solve only as accurately as the gradient is small (forcing term min(1/2, sqrt|g|)),
        # which keeps the quadratic convergence near the optimum without wasting CG steps far from it
        step, n = conjugate_gradient(hess_vec, -g.detach()._data, tol=min(0.5, gnorm ** 0.5) * gnorm)
        total_hvps += n
        # backtracking line search on the Armijo condition (Newton's full step is accepted near the optimum)
        t, f0, slope = 1.0, loss.item(), float((g.detach()._data * step).sum())
        with gg.no_grad():
            while loss_fn(w + t * gg.tensor(step), x, y).item() > f0 + 1e-4 * t * slope:
                t *= 0.5
            w.add_(t * gg.tensor(step))
    return w, history, total_hvps


def gradient_descent(x, y, target_loss, max_iter=20000):
    """Fixed step 1/L with L = max eigenvalue of the Hessian bound X^T X / (4N) + lam (the safe step size)."""
    xd = x._data
    lipschitz = np.linalg.eigvalsh(xd.T @ xd / (4 * N)).max() + LAM
    w = gg.zeros(D, dtype=gg.float64, requires_grad=True)
    for it in range(max_iter):
        loss = loss_fn(w, x, y)
        if loss.item() <= target_loss:
            return w, it, loss.item()
        (g,) = grad(loss, w)
        with gg.no_grad():
            w.sub_(g / lipschitz)
    return w, max_iter, loss_fn(w, x, y).item()


def main():
    x, y = make_problem()
    # the double-backward Hessian-vector product agrees with the functional API's hvp
    w0 = gg.full((D,), 0.01, dtype=gg.float64)
    v = gg.ones(D, dtype=gg.float64)
    _, hv_functional = hvp(lambda w: loss_fn(w, x, y), w0, v)
    wr = w0.clone().requires_grad_()
    (g0,) = grad(loss_fn(wr, x, y), wr, create_graph=True)
    (hv_manual,) = grad(g0, wr, grad_outputs=v)
    assert np.allclose(hv_functional.numpy(), hv_manual.numpy(), rtol=1e-12)

    t0 = time.perf_counter()
    w_newton, history, hvps = newton_cg(x, y)
    t_newton = time.perf_counter() - t0
    print("Newton-CG (Hessian-vector products by double backward):")
    print(f"{'iter':>5} {'loss':>20} {'|grad|':>12} {'HVPs so far':>12}")
    for it, loss, gnorm, n in history:
        print(f"{it:5d} {loss:20.15f} {gnorm:12.3e} {n:12d}")
    final = history[-1][1]
    print(f"-> {len(history) - 1} Newton iterations, {hvps} Hessian-vector products, {t_newton:.2f} s")

    target = final + 1e-6
    t0 = time.perf_counter()
    _, gd_iters, gd_loss = gradient_descent(x, y, target)
    t_gd = time.perf_counter() - t0
    print(f"\nGradient descent (step 1/L) to within 1e-6 of Newton's loss: {gd_iters} iterations "
          f"(loss {gd_loss:.10f}), {t_gd:.2f} s")
    print(f"Gradient evaluations: Newton-CG {len(history)} gradients + {hvps} HVPs (each ~ one more reverse "
          f"pass) vs gradient descent {gd_iters}")


if __name__ == "__main__":
    main()
