"""``python -m gpugrad``: the same as the ``gpugrad`` command."""
import sys

from .cli import main

sys.exit(main())
