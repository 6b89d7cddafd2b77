"""
test/notebooks: every notebook in notebooks/ executed top to bottom through the real chainlab
kernel (the kernelspec scripts/setup.d/20-kernel.sh installs into .venv) with nbclient, then
rendered to HTML with nbconvert. Helpers live in nbrun.py.
"""
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from nbrun import KERNEL, NOTEBOOKS, execute


def pytest_configure(config):
    # Fail loudly (never skip) when set-up did not register the kernel.
    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL not in specs:
        raise pytest.UsageError(f"kernelspec {KERNEL!r} not installed; run scripts/setup.sh (found: {sorted(specs)})")


_cache = {}


@pytest.fixture(scope="session")
def run_notebook():
    """run_notebook("01-vectors.ipynb", allow_errors=False) -> Run, executed once per session."""

    def get(name, allow_errors=False):
        key = (name, allow_errors)
        if key not in _cache:
            _cache[key] = execute(NOTEBOOKS / name, allow_errors=allow_errors)
        return _cache[key]

    return get
