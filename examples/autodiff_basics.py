"""The lecture's worked example of reverse-mode autodiff: f(x) = (x^2 + sin(x^2)) x^2 at x = 2.

Forward pass, one primitive at a time:
    a = x^2,  b = sin(a),  c = a + b,  f = c a
Backward pass (reverse mode): the adjoint v_bar = df/dv of each value, from the output back; a value used
in several places sums the contributions of its uses:
    f_bar = 1
    c_bar = f_bar a                         (f = c a)
    b_bar = c_bar                           (c = a + b)
    a_bar = f_bar c + c_bar + b_bar cos(a)  (a feeds f, c and b)
    x_bar = a_bar 2x                        (a = x^2)
At x = 2: f ~ 12.97 and df/dx = 2x^3 (1 + cos x^2) + 2x (x^2 + sin x^2) ~ 18.51 (about 18.5).
Run: python examples/autodiff_basics.py  (after pip install -e .)
"""
import math

import gpugrad as gg


def by_hand(x):
    a = x * x
    b = math.sin(a)
    c = a + b
    f = c * a
    f_bar = 1.0
    c_bar = f_bar * a
    b_bar = c_bar                           # dc/db = 1
    a_bar = f_bar * c + c_bar + b_bar * math.cos(a)   # a reaches f directly, through c, and through b
    x_bar = a_bar * 2 * x
    return dict(a=a, b=b, c=c, f=f, dfdx=x_bar)


def main(argv=None):
    x = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    a = x ** 2
    b = a.sin()
    c = a + b
    f = c * a
    for t in (a, b, c):
        t.retain_grad()                     # keep the adjoints of the intermediates to print them
    f.backward()
    hand = by_hand(2.0)
    print("forward pass at x = 2")
    for name, t in (("a = x^2", a), ("b = sin(a)", b), ("c = a + b", c), ("f = c * a", f)):
        print(f"  {name:<12} = {t.item():10.5f}")
    print("backward pass (adjoints df/dv)")
    for name, t in (("df/dc", c), ("df/db", b), ("df/da", a)):
        print(f"  {name:<12} = {t.grad.item():10.5f}")
    print(f"  df/dx        = {x.grad.item():10.5f}   (by hand: {hand['dfdx']:.5f})")
    h = 1e-6
    fd = (by_hand(2.0 + h)["f"] - by_hand(2.0 - h)["f"]) / (2 * h)
    print(f"  central finite difference: {fd:.5f}")
    assert abs(f.item() - hand["f"]) < 1e-12 and abs(x.grad.item() - hand["dfdx"]) < 1e-9
    return {"f": f.item(), "dfdx": x.grad.item()}


if __name__ == "__main__":
    main()
