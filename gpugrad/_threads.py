"""CPU threads: Numba's default OpenMP layer spins its workers and fights OpenBLAS's threads on small
machines (a measured 8 ms MLP step instead of 1.2 ms on 2 cores). Use the ``workqueue`` layer unless the
user chose one (``NUMBA_THREADING_LAYER``)."""
import os

os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
