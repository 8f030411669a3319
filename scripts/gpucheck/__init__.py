"""The staged GPU check behind ``scripts/gpu_check.sh`` (issue 14).

A GPU machine is lent for a few minutes, offline. Its minutes must give the whole verdict, so the check runs in
stages, each in its own process with its own time budget, each writing its results as it goes:

1. ``smoke``: versions and card, one op of every family against the CPU, one training step with host
   synchronisation forbidden, every CUDA kernel launched once against its reference, a one-line verdict;
2. ``tests``: the GPU half of the test matrix, every test module early, per-test timeouts;
3. ``bench``: gpugrad against PyTorch on the same GPU;
4. ``sanitizer``: ``compute-sanitizer`` memcheck over the kernel smoke.

``--dry-run`` runs the same code on a machine without a GPU: the strict stand-in device
(``gpugrad.backend.strict``) plays the GPU, the host simulation of the ``.cu`` sources (``gpugrad.kernels._hostsim``)
plays the CUDA kernels, and every budget is small. The test suite runs it, so the script is known to work
before a lease. Modules: :mod:`.driver` (stages, budgets, report), :mod:`.target` (the device under test),
:mod:`.smoke`, :mod:`.bench`, :mod:`.pytest_plugin`.
"""
