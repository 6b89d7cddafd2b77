"""`python -m chainlab_jupyterlab install-kernel`: same as `jupyter chainlab install-kernel`."""
import sys

from .kernel_install import main

sys.exit(main())
