"""
The packages as a user gets them, from a clean folder outside the repository: the npm tarball
(`npm pack` of kernel/) installed with `npm install ./chainlab-*.tgz`, its kernel registered
with its own CLI and a TypeScript notebook executed there by nbclient; `npm publish --dry-run`;
the Python wheel built by pip and checked by twine; the kernel's "Cannot find module" hint run
literally. Nothing is mocked: npm, pip, twine and the kernel are the real programs.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import nbclient
import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL_DIR = ROOT / "kernel"
VERSION = json.loads((KERNEL_DIR / "package.json").read_text())["version"]
VENV_BIN = pathlib.Path(sys.executable).parent


def run(cmd, cwd, timeout=600, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if check:
        assert r.returncode == 0, f"{cmd} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def outside_folder(prefix):
    """A temp folder with no node_modules above it (the repository's would make the test pass falsely)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    assert not any((p / "node_modules").exists() for p in [d, *d.parents])
    return d


@pytest.fixture(scope="module")
def tarball():
    out = outside_folder("chainlab-pack-")
    run(["npm", "run", "build", "--workspace", "kernel", "--silent"], ROOT)
    r = run(["npm", "pack", "--json", "--pack-destination", str(out)], KERNEL_DIR)
    name = json.loads(r.stdout)[0]["filename"]
    yield out / name
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def user_folder(tarball):
    """A student's own folder: `npm install ./chainlab-<v>.tgz`, kernel registered in a private prefix."""
    folder = outside_folder("chainlab-user-")
    shutil.copy(tarball, folder)
    run(["npm", "install", "--no-audit", "--no-fund", f"./{tarball.name}"], folder, timeout=900)
    jupyter = folder / "jupyter"
    r = run(["npx", "--no-install", "chainlab", "kernel", "install", "--prefix", str(jupyter)], folder)
    assert "Installed the chainlab kernelspec" in r.stdout
    yield folder, {"JUPYTER_PATH": str(jupyter / "share" / "jupyter")}
    shutil.rmtree(folder, ignore_errors=True)


def test_tarball_holds_library_types_cli_and_no_tests(tarball):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["tar", "xzf", str(tarball), "-C", d], check=True)
        pkg = pathlib.Path(d) / "package"
        files = {str(p.relative_to(pkg)) for p in pkg.rglob("*") if p.is_file()}
    for needed in ["package.json", "README.md", "LICENSE", "bin/chainlab.js", "lib/index.js", "lib/index.d.ts",
                   "lib/jupyter/cli.js", "lib/jupyter/doctor.js"]:
        assert needed in files, f"{needed} missing from {tarball.name}"
    assert not [f for f in files if re.search(r"\.(test|spec)\.|tsbuildinfo|node_modules", f)]


def test_npm_publish_dry_run_passes():
    r = run(["npm", "publish", "--dry-run", "--json"], KERNEL_DIR, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout[r.stdout.index("{"):])
    report = report.get("chainlab", report)  # inside the workspace npm keys the report by package name
    assert report["name"] == "chainlab" and report["version"] == VERSION
    assert any(f["path"] == "bin/chainlab.js" for f in report["files"])


def test_installed_kernelspec_points_into_the_users_node_modules(user_folder):
    folder, env = user_folder
    spec = json.loads((pathlib.Path(env["JUPYTER_PATH"]) / "kernels" / "chainlab" / "kernel.json").read_text())
    # node, its flags (heap limits), then the bin of the package this folder installed
    assert str(folder / "node_modules" / "chainlab" / "bin" / "chainlab.js") in spec["argv"]
    assert not str(ROOT) in json.dumps(spec)


def test_typescript_notebook_runs_in_the_clean_folder(user_folder, monkeypatch):
    folder, env = user_folder
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "chainlab", "display_name": "TypeScript (chainlab)",
                                                           "language": "typescript"}})
    nb.cells = [
        nbformat.v4.new_code_cell('import { tensor, show } from "chainlab";\n'
                                  "const x = tensor([1, 2, 3], { requiresGrad: true, name: \"x\" });\n"
                                  "const L = x.mul(x).sum();\nL.backward();\nconsole.log(String(x.grad!.toArray()));"),
        nbformat.v4.new_code_cell("show.chain(L, x, { at: [1] });"),
        # The types come from the installed package: a wrong type is a compile error, not a runtime one.
        nbformat.v4.new_code_cell("const wrong: string = x.shape;"),
    ]
    path = folder / "week1" / "first.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    client = nbclient.NotebookClient(nb, timeout=180, startup_timeout=120, kernel_name="chainlab", allow_errors=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    first, chain, wrong = nb.cells
    assert [o.get("text") for o in first.outputs] == ["2,4,6\n"]  # d(sum x²)/dx = 2x
    data = chain.outputs[0]["data"]
    assert "application/vnd.chainlab.chain.v1+json" in data and "text/latex" in data
    assert wrong.outputs[0]["output_type"] == "error" and wrong.outputs[0]["ename"] == "TypeScriptError"
    assert "not assignable to type 'string'" in wrong.outputs[0]["evalue"]


def test_doctor_in_the_clean_folder_and_outside_it(user_folder):
    folder, env = user_folder
    jupyter = str(VENV_BIN / "jupyter")
    r = run(["npx", "--no-install", "chainlab", "doctor", "--no-run", "--jupyter", jupyter], folder, env=env)
    assert re.search(r"^ok +chainlab resolves from .*chainlab " + re.escape(VERSION), r.stdout, re.M), r.stdout
    assert re.search(r"^ok +kernelspec 'chainlab'", r.stdout, re.M), r.stdout
    elsewhere = outside_folder("chainlab-nothing-")
    try:
        bin_js = folder / "node_modules" / "chainlab" / "bin" / "chainlab.js"
        r = run(["node", str(bin_js), "doctor", "--no-run", "--jupyter", jupyter], elsewhere, env=env, check=False)
        assert r.returncode == 1 and re.search(r"^FAIL chainlab resolves from", r.stdout, re.M), r.stdout
        assert f"npm install {folder / 'node_modules' / 'chainlab'}" in r.stdout
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)


def test_the_cannot_find_module_hint_gives_a_command_that_works(user_folder, monkeypatch):
    folder, env = user_folder
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    elsewhere = outside_folder("chainlab-hint-")
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="chainlab", startup_timeout=120, cwd=str(elsewhere))
    try:
        code = 'import { tensor } from "chainlab";\ntensor([1, 2]).sum().item()'
        reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: None)
        assert reply["content"]["status"] == "error"
        hint = " ".join(reply["content"]["traceback"])
        command = re.search(r"(npm install \S+)\)", re.sub(r"\x1b\[[0-9;]*m", "", hint))
        assert command, hint
        # Run exactly what the hint says, in the notebook's folder, restart as it says, run the cell again.
        run(["bash", "-c", command.group(1)], elsewhere, timeout=600)
        assert "restart the kernel" in hint
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=120)
        outputs = []
        reply = kc.execute_interactive(code, timeout=120, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        # tslab writes a cell's last value to stdout (as test/kernel's tests expect), or as execute_result.
        shown = [m["content"]["text"] if m["msg_type"] == "stream" else m["content"]["data"]["text/plain"]
                 for m in outputs if m["msg_type"] in ("stream", "execute_result")]
        assert [t.strip() for t in shown] == ["3"]
    finally:
        km.shutdown_kernel(now=True)
        shutil.rmtree(elsewhere, ignore_errors=True)


@pytest.fixture(scope="module")
def wheel():
    out = outside_folder("chainlab-wheel-")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(out), str(ROOT)],
        ROOT, timeout=900)
    wheels = list(out.glob("chainlab_jupyterlab-*.whl"))
    assert len(wheels) == 1, list(out.iterdir())
    yield wheels[0]
    shutil.rmtree(out, ignore_errors=True)


def test_wheel_has_the_prebuilt_labextension_and_passes_twine_check(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shared = [n for n in names if "/data/share/jupyter/labextensions/chainlab-jupyterlab/" in n]
    for needed in ["package.json", "install.json", "static/style.js"]:
        assert any(n.endswith("chainlab-jupyterlab/" + needed) for n in shared), (needed, names[:20])
    assert any("/static/remoteEntry." in n for n in shared)
    assert "chainlab_jupyterlab/kernel_install.py" in names
    r = run([sys.executable, "-m", "twine", "check", "--strict", str(wheel)], wheel.parent)
    assert "PASSED" in r.stdout


def test_pip_user_installs_the_kernel_with_jupyter_chainlab_install_kernel(wheel, tarball, monkeypatch):
    """pip install of the wheel into a fresh environment, then the command the README gives, run
    through `jupyter` (which dispatches `jupyter chainlab` to the wheel's jupyter-chainlab script):
    chainlab npm-installed into the notebooks' folder, kernelspec in that environment, a notebook runs."""
    base = outside_folder("chainlab-pip-user-")
    try:
        env_dir, notebooks = base / "env", base / "notebooks"
        run([sys.executable, "-m", "venv", str(env_dir)], base)
        run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
             str(wheel)], base, timeout=600)
        path = {"PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}"}
        r = run([str(VENV_BIN / "jupyter"), "chainlab", "install-kernel", "--folder", str(notebooks),
                 "--npm-package", str(tarball)], base, env=path, timeout=900)
        spec_file = env_dir / "share" / "jupyter" / "kernels" / "chainlab" / "kernel.json"
        assert str(spec_file.parent) in r.stdout, r.stdout
        spec = json.loads(spec_file.read_text())
        assert str(notebooks / "node_modules" / "chainlab" / "bin" / "chainlab.js") in spec["argv"]
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell('import { tensor } from "chainlab";\n'
                                              "const x = tensor([3, 4], { requiresGrad: true });\n"
                                              "x.mul(x).sum().backward();\nconsole.log(String(x.grad!.toArray()));")]
        monkeypatch.setenv("JUPYTER_PATH", str(env_dir / "share" / "jupyter"))
        nbclient.NotebookClient(nb, timeout=180, startup_timeout=120, kernel_name="chainlab",
                                resources={"metadata": {"path": str(notebooks)}}).execute()
        assert [o.get("text") for o in nb.cells[0].outputs] == ["6,8\n"]  # d(sum x²)/dx = 2x
        # Run again where chainlab already resolves: nothing is npm-installed, the kernelspec is rewritten.
        r = run([str(env_dir / "bin" / "jupyter-chainlab"), "install-kernel", "--folder", str(notebooks / "week2")],
                base, env=path)
        assert f"chainlab resolves from {notebooks / 'week2'}" in r.stdout and "npm install" not in r.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)
