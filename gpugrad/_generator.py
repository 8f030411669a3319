"""``gpugrad.Generator``: PyTorch's ``torch.Generator`` for the CPU, so that ``torch.Generator().manual_seed(42)``
passed to ``random_split``, ``DataLoader``, ``randperm``, ``rand``... works unchanged. It *is* a
``numpy.random.Generator`` (PCG64), which is what gpugrad's samplers and factories draw from: the same seed
gives the same numbers as ``numpy.random.default_rng(seed)``, not PyTorch's (see "Differences from PyTorch")."""
from __future__ import annotations

import numpy as np

#: PyTorch's seed of a fresh ``torch.Generator()`` (its ``default_rng_seed_val``)
_DEFAULT_SEED = 67280421310721


class Generator(np.random.Generator):
    """A seedable random generator, as ``torch.Generator`` (CPU only); a ``numpy.random.Generator`` too.

    Args:
        device: ``'cpu'`` (a GPU's draws come from gpugrad's per-device generators: seed them with
            :func:`gpugrad.manual_seed`).

    >>> import gpugrad as gg
    >>> g = gg.Generator().manual_seed(42)
    >>> a = gg.randperm(5, generator=g)
    >>> b = gg.randperm(5, generator=gg.Generator().manual_seed(42))
    >>> a.tolist() == b.tolist(), g.initial_seed()
    (True, 42)
    """

    def __init__(self, device="cpu"):
        from .backend import device as _device
        dev = _device(device)
        if dev.type != "cpu":
            raise NotImplementedError(f"Generator(device={str(device)!r}): only CPU generators are supported; "
                                      f"draws on a GPU use gpugrad's per-device generators (gpugrad.manual_seed)")
        super().__init__(np.random.PCG64(_DEFAULT_SEED))
        self._seed = _DEFAULT_SEED
        self._device = dev

    @property
    def device(self):
        """The generator's device (the CPU).

        >>> import gpugrad as gg
        >>> gg.Generator().device
        device(type='cpu')
        """
        return self._device

    def manual_seed(self, seed):
        """Restart the sequence from ``seed``; returns the generator (as PyTorch's, for chaining).

        Args:
            seed: a non-negative int.

        Returns:
            This generator.

        >>> import gpugrad as gg
        >>> gg.Generator().manual_seed(1).initial_seed()
        1
        """
        seed = int(seed)
        if seed < 0:
            raise RuntimeError(f"Generator.manual_seed: seed must be non-negative, got {seed}")
        self.bit_generator.state = np.random.PCG64(seed).state
        self._seed = seed
        return self

    def seed(self):
        """Reseed from fresh OS entropy.

        Returns:
            The seed chosen (an int).

        >>> import gpugrad as gg
        >>> g = gg.Generator(); s = g.seed(); g.initial_seed() == s
        True
        """
        s = int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) >> 1
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed the current sequence started from.

        Returns:
            An int.

        >>> import gpugrad as gg
        >>> gg.Generator().initial_seed()
        67280421310721
        """
        return self._seed
