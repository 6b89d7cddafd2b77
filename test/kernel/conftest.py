"""
test/kernel: the chainlab kernel tested through the real Jupyter protocol (jupyter_client,
jupyter_kernel_test, nbclient), started from the kernelspec that scripts/setup.d/20-kernel.sh
installs into .venv. Nothing here is mocked: every test talks to a real kernel process.
"""
import json
import os
import pathlib
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "chainlab"
TIMEOUT = 60

MIME_GRAPH = "application/vnd.chainlab.graph.v1+json"
MIME_HEATMAP = "application/vnd.chainlab.heatmap.v1+json"
MIME_CHAIN = "application/vnd.chainlab.chain.v1+json"
MIME_PLOT = "application/vnd.chainlab.plot.v1+json"


def pytest_configure(config):
    # Fail loudly (not skip) when set-up did not register the kernel.
    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL not in specs:
        raise pytest.UsageError(f"kernelspec {KERNEL!r} not installed; run scripts/setup.sh (found: {sorted(specs)})")


class Kernel:
    """A running chainlab kernel and a blocking client, with helpers that collect iopub output."""

    def __init__(self, cwd=NOTEBOOKS):
        self.km, self.kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=TIMEOUT, cwd=str(cwd))

    def execute(self, code, timeout=TIMEOUT, **kw):
        """Runs one cell; returns (reply, [iopub messages except status]) once the kernel is idle."""
        msg_id = self.kc.execute(code, **kw)
        return self.collect(msg_id, timeout)

    def collect(self, msg_id, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            msg = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    break
                continue
            outputs.append(msg)
        return reply, outputs

    def ok(self, code, timeout=TIMEOUT):
        """Runs a cell that must succeed; returns its outputs."""
        reply, outputs = self.execute(code, timeout=timeout)
        errors = [o["content"] for o in outputs if o["msg_type"] == "error"]
        assert reply["content"]["status"] == "ok", f"cell failed: {code!r}: {errors or reply['content']}"
        return outputs

    @property
    def pid(self):
        return self.km.provisioner.process.pid

    def shutdown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


@pytest.fixture(scope="module")
def kernel():
    k = Kernel()
    yield k
    k.shutdown()


def of_type(outputs, *types):
    return [o for o in outputs if o["msg_type"] in types]


def stdout(outputs):
    return "".join(o["content"]["text"] for o in outputs if o["msg_type"] == "stream" and o["content"]["name"] == "stdout")


def fixture_payload(name):
    return json.loads((ROOT / "test" / "fixtures" / "payloads" / name).read_text())
