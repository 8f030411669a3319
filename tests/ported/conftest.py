# These are programs, not test modules: tests/test_ported.py runs them in subprocesses (torch and gpugrad).
collect_ignore_glob = ["*.py"]
