"""``python -m gpugrad``: the same as the ``gpugrad`` command."""
import sys

from .cli import main

if __name__ == "__main__":      # importing the module (as the API docs' introspection does) runs nothing
    sys.exit(main())
