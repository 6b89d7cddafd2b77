"""`jupyter chainlab install-kernel` (also `jupyter-chainlab install-kernel`, `python -m chainlab_jupyterlab`):
the kernel for someone who got chainlab through pip.

The kernel is the npm package `chainlab` (Node + tslab), and a notebook's `import ... from "chainlab"`
resolves the way Node does: node_modules/chainlab in the notebook's folder or one above it. A wheel
cannot put that there, so this command does it for one folder (default: the current one) and then
registers the kernelspec in this Python environment (where pip put JupyterLab), by running the npm
package's own installer, so the kernelspec (argv, Node heap flags) is written in one place only.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys

from . import __version__

NODE_MAJOR = 20


def chainlab_folder(start: pathlib.Path):
    """node_modules/chainlab as Node would find it from `start` (the folder or an ancestor), or None."""
    for d in [start, *start.parents]:
        pkg = d / "node_modules" / "chainlab" / "package.json"
        if pkg.is_file():
            return pkg.parent
    return None


def fail(message: str) -> "NoReturn":  # noqa: F821
    print(f"chainlab install-kernel: {message}", file=sys.stderr)
    sys.exit(1)


def node_or_fail() -> str:
    node = shutil.which("node")
    if not node:
        fail(f"Node.js {NODE_MAJOR}+ is needed for the chainlab kernel and `node` is not on PATH "
             "(install it from https://nodejs.org or your package manager, e.g. `conda install nodejs`).")
    major = subprocess.run([node, "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True)
    if major.returncode != 0 or int(major.stdout.strip() or 0) < NODE_MAJOR:
        fail(f"Node.js {NODE_MAJOR}+ is needed; {node} is version {major.stdout.strip() or 'unknown'}.")
    return node


def npm_install(folder: pathlib.Path, package: str) -> None:
    npm = shutil.which("npm")
    if not npm:
        fail("npm (it comes with Node.js) is not on PATH.")
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "package.json").exists():  # else npm would install into a project further up
        (folder / "package.json").write_text(json.dumps({"private": True}, indent=2) + "\n")
    if package.startswith((".", "/")) or package.endswith(".tgz"):
        package = str(pathlib.Path(package).resolve())  # a tarball path is the caller's, not the folder's
    print(f"npm install {package} (in {folder})", flush=True)
    r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", package], cwd=folder)
    if r.returncode != 0:
        fail(f"`npm install {package}` failed in {folder} (exit {r.returncode}); before chainlab is on the npm "
             "registry, pass the tarball: --npm-package ./chainlab-<version>.tgz (npm pack in kernel/).")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="jupyter chainlab install-kernel",
        description="Put chainlab where notebooks in FOLDER resolve it (npm) and register the "
                    "'TypeScript (chainlab)' kernel in this Python environment.")
    ap.add_argument("command", choices=["install-kernel"])
    ap.add_argument("--folder", default=".", help="where your notebooks live (default: the current folder)")
    ap.add_argument("--npm-package", help=f"what to npm-install if chainlab does not resolve from FOLDER, or to "
                                          f"replace it (default chainlab@{__version__}; a .tgz path works)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="kernelspec for this user instead of this environment")
    where.add_argument("--prefix", help="kernelspec under PREFIX/share/jupyter/kernels")
    ap.add_argument("--name", default="chainlab", help="kernelspec name (default chainlab)")
    args = ap.parse_args(argv)

    node = node_or_fail()
    folder = pathlib.Path(args.folder).expanduser().resolve()
    found = chainlab_folder(folder)
    if args.npm_package or found is None:
        npm_install(folder, args.npm_package or f"chainlab@{__version__}")
        found = chainlab_folder(folder)
        if found is None:
            fail(f"npm finished but node_modules/chainlab is still not found from {folder}.")
    else:
        print(f"chainlab resolves from {folder}: {found}")
    target = ["--user"] if args.user else ["--prefix", args.prefix or sys.prefix]
    r = subprocess.run([node, str(found / "bin" / "chainlab.js"), "kernel", "install", *target, "--name", args.name])
    if r.returncode != 0:
        return r.returncode
    print(f"Notebooks in {folder} and below can `import ... from \"chainlab\"`. Check with: "
          f"cd {folder} && npx chainlab doctor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
