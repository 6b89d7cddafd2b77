"""
A kernel that holds a classroom (issue 14): 20 kernels started at once through jupyter_client
(as a hub's users do at the start of a lesson) all come up and each runs a cell; the sockets are
bound before TypeScript loads, which the first cell loads. Memory amounts and their targets are
measured in bench/kernel-memory.py (`npm run bench`), not asserted here.
"""
import concurrent.futures
import pathlib
import time

from jupyter_client.manager import KernelManager

from conftest import KERNEL, NOTEBOOKS, Kernel, stdout

COUNT = 20


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def start_one(i):
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(cwd=str(NOTEBOOKS))
    kc = km.client()
    kc.start_channels()
    return km, kc


def test_twenty_kernels_started_at_once_all_run_a_cell():
    managers = []
    try:
        with concurrent.futures.ThreadPoolExecutor(COUNT) as pool:
            started = list(pool.map(start_one, range(COUNT)))
        managers = started
        # Every kernel answers kernel_info (bound sockets) without waiting for TypeScript.
        for km, kc in managers:
            kc.wait_for_ready(timeout=120)
        assert all(km.is_alive() for km, _ in managers)
        ports = [tuple(km.get_connection_info()[k] for k in ("shell_port", "iopub_port", "control_port", "stdin_port", "hb_port")) for km, _ in managers]
        assert len({p for group in ports for p in group}) == 5 * COUNT, "two kernels were given the same port"

        # All 20 compile and run a cell at the same time (each loads TypeScript now).
        msg_ids = [kc.execute(f'import {{ tensor }} from "chainlab"; tensor([{i}, 1]).sum().item()') for i, (_, kc) in enumerate(managers)]
        for i, ((km, kc), msg_id) in enumerate(zip(managers, msg_ids)):
            deadline = time.monotonic() + 600
            while True:
                reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            assert reply["content"]["status"] == "ok", (i, reply["content"])
            text = ""
            while True:
                msg = kc.get_iopub_msg(timeout=max(1, deadline - time.monotonic()))
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    text += msg["content"]["text"]
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            assert text == f"{i + 1}\n", (i, text)
        assert all(km.is_alive() for km, _ in managers)
    finally:
        for km, kc in managers:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


def test_idle_kernel_is_small_and_the_first_cell_loads_typescript():
    kernel = Kernel()
    try:
        time.sleep(1)
        idle = rss_mb(kernel.pid)
        # The amounts (idle <= 120 MB target, ~55 measured; TypeScript's program ~110 MB) are
        # measured by bench/kernel-memory.py, not asserted here; this checks only that the
        # program is loaded by the first cell, not at start.
        assert stdout(kernel.ok("1 + 1", timeout=240)) == "2\n"
        assert rss_mb(kernel.pid) > idle
    finally:
        kernel.shutdown()
