"""Run by tests/test_distributed.py under ``mpiexec -n 2``: rank 1 misbehaves as argv[1] says (``raise``:
an uncaught exception; ``hang``: never joins the collective; ``kill``: SIGKILL); rank 0 runs an all-reduce
and must stop with a clear error, not hang."""
import os
import sys
import time


def main():
    import gpugrad as gg
    import gpugrad.distributed as dist
    dist.init_process_group(backend="mpi", timeout=float(sys.argv[2]))
    if dist.get_rank() == 1:
        mode = sys.argv[1]
        if mode == "raise":
            raise ValueError("rank 1 fails on purpose")
        if mode == "hang":
            time.sleep(120)
        if mode == "kill":
            os.kill(os.getpid(), 9)
    dist.all_reduce(gg.zeros(1000))
    print("rank 0 was not stopped", flush=True)


if __name__ == "__main__":
    main()
