"""
The kernelspec installer (`npx chainlab kernel install`) without IPython, and where notebooks
may live: anywhere below a node_modules that holds chainlab; elsewhere the import fails with a
hint instead of a bare "Cannot find module".
"""
import json
import os
import pathlib
import subprocess
import tempfile

from jupyter_client.kernelspec import KernelSpecManager

from conftest import ROOT, Kernel, stdout

BIN = ROOT / "kernel" / "bin" / "chainlab.js"


def install(*args, env=None):
    return subprocess.run(["node", str(BIN), "kernel", "install", *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_prefix_install_writes_an_absolute_kernelspec_jupyter_can_use(tmp_path):
    result = install("--prefix", str(tmp_path))
    assert result.returncode == 0, result.stderr
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / "chainlab" / "kernel.json"
    spec = json.loads(spec_file.read_text())
    assert spec["display_name"] == "TypeScript (chainlab)"
    assert spec["language"] == "typescript" and spec["interrupt_mode"] == "signal"
    assert spec["argv"][-1] == "{connection_file}"
    node, *flags, bin_, kernel, start, _ = spec["argv"]
    assert os.path.isabs(node) and os.path.isabs(bin_) and os.path.exists(bin_) and [kernel, start] == ["kernel", "start"]
    # Heap flags that bound a classroom kernel's memory (measured in bench/kernel-memory.py).
    assert any(f.startswith("--max-old-space-size=") for f in flags)
    assert any(f.startswith("--max-semi-space-size=") for f in flags)
    found = KernelSpecManager(kernel_dirs=[str(spec_file.parent.parent)]).get_kernel_spec("chainlab")
    assert found.display_name == "TypeScript (chainlab)" and found.interrupt_mode == "signal"


def test_user_and_sys_prefix_targets(tmp_path):
    data_dir = tmp_path / "data"
    assert install("--user", env={"JUPYTER_DATA_DIR": str(data_dir)}).returncode == 0
    assert (data_dir / "kernels" / "chainlab" / "kernel.json").exists()
    venv = tmp_path / "venv"
    assert install("--sys-prefix", env={"VIRTUAL_ENV": str(venv)}).returncode == 0
    assert (venv / "share" / "jupyter" / "kernels" / "chainlab" / "kernel.json").exists()


def test_bad_options_fail_with_usage(tmp_path):
    result = install("--prefix")
    assert result.returncode == 1 and "--prefix needs a value" in result.stderr and "usage" in result.stderr
    result = install("--name", "no spaces allowed", "--prefix", str(tmp_path))
    assert result.returncode == 1 and "kernel name" in result.stderr


def test_notebook_in_a_nested_folder_below_node_modules_imports_chainlab():
    nested = ROOT / "test" / "kernel" / ".nested-user-folder" / "week1"
    nested.mkdir(parents=True, exist_ok=True)
    try:
        kernel = Kernel(cwd=nested)
        try:
            assert stdout(kernel.ok('import { tensor } from "chainlab";\ntensor([1, 2]).sum().item()')) == "3\n"
        finally:
            kernel.shutdown()
    finally:
        nested.rmdir()
        nested.parent.rmdir()


def test_notebook_outside_any_node_modules_gets_a_hint():
    with tempfile.TemporaryDirectory() as outside:
        kernel = Kernel(cwd=outside)
        try:
            reply, outputs = kernel.execute('import { tensor } from "chainlab";')
            assert reply["content"]["status"] == "error"
            assert "Cannot find module 'chainlab'" in reply["content"]["evalue"]
            assert any("node_modules folders from this notebook's folder upwards" in line for line in reply["content"]["traceback"])
        finally:
            kernel.shutdown()
