"""PyTorch's ``torch.nn.modules.module`` path: :class:`gpugrad.nn.Module` and the global module hooks, for
scripts that import them from there (``from torch.nn.modules.module import register_module_forward_hook``)."""
from ..module import IncompatibleKeys, Module, RemovableHandle
from ..module_hooks import (register_module_forward_hook, register_module_forward_pre_hook,
                            register_module_full_backward_hook, register_module_full_backward_pre_hook)

__all__ = ["Module", "IncompatibleKeys", "RemovableHandle", "register_module_forward_pre_hook",
           "register_module_forward_hook", "register_module_full_backward_pre_hook",
           "register_module_full_backward_hook"]
