"""``gpugrad.func``: composable function transforms with ``torch.func``'s names and signatures: grad,
grad_and_value, vjp, jvp, linearize, jacrev, jacfwd, hessian, vmap, functional_call and stack_module_state.

They run on gpugrad's tape (see ``_core``): a gradient is a reverse pass, a nested transform records its
passes so the outer one can differentiate them, and ``vmap`` loops over the batch (correct, not fused).

>>> import gpugrad as gg
>>> from gpugrad.func import vmap, grad
>>> vmap(grad(lambda x: (x ** 3).sum()))(gg.tensor([[1.0], [2.0]]))     # per-row 3 x^2
tensor([[ 3.],
        [12.]])
"""
from ._grad import grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd, hessian
from ._vmap import vmap
from ._functional_call import functional_call, stack_module_state

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]
