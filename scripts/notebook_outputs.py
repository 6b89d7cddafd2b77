#!/usr/bin/env python3
"""
The worked notebooks (notebooks/NN-*.ipynb) are committed WITH their outputs, so readers on
GitHub and nbviewer see the graphs, heatmaps and formulas (the static fallbacks of every
display). This re-executes them through the chainlab kernel and writes the outputs in a
normalized form (no timings, no ids that change between runs), so two runs give identical files.

  npm run notebooks:outputs            re-execute and write (also resets local runs)
  npm run notebooks:outputs -- --check compare the committed outputs with a fresh run (CI)
  npm run notebooks:outputs -- 06      only notebooks whose name contains "06"

The assignments are not included: nbgrader releases them without outputs.
test/notebooks/test_notebooks.py makes the same comparison on the runs it makes anyway.
"""
import argparse
import difflib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "chainlab"
CELL_TIMEOUT = 180


def worked_notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def normalize(nb):
    """A copy of the notebook without what changes from run to run (timings, metadata of runs)."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "typescript"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            out.get("metadata", {}).pop("transient", None)
            out.pop("transient", None)
    return nb


def execute(path):
    """Runs the notebook top to bottom in its folder; raises on the first error."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def dumps(nb):
    import nbformat

    return nbformat.writes(normalize(nb), version=4) + "\n"


def differences(saved_text, fresh_nb, name):
    """A short unified diff of the normalized files (empty when up to date)."""
    import nbformat

    saved = dumps(nbformat.reads(saved_text, as_version=4))
    fresh = dumps(fresh_nb)
    if saved == fresh:
        return ""
    diff = difflib.unified_diff(saved.splitlines(), fresh.splitlines(), f"{name} (committed)", f"{name} (fresh run)", lineterm="", n=1)
    lines = [line[:200] for line in diff]
    at = next(i for i, (a, b) in enumerate(zip(saved + "\0", fresh + "\0")) if a != b)
    where = [f"first difference at character {at}:", f"  committed: ...{saved[max(0, at - 80):at + 120]!r}", f"  fresh:     ...{fresh[max(0, at - 80):at + 120]!r}"]
    return "\n".join(where + lines[:40] + ([f"... {len(lines) - 40} more diff lines"] if len(lines) > 40 else []))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with a fresh run instead of writing")
    ap.add_argument("only", nargs="*", help="substrings of notebook names")
    args = ap.parse_args()
    paths = [p for p in worked_notebooks() if not args.only or any(s in p.name for s in args.only)]
    stale = []
    for path in paths:
        print(f"{'checking' if args.check else 'executing'} {path.relative_to(ROOT)}", flush=True)
        fresh = execute(path)
        if args.check:
            diff = differences(path.read_text(), fresh, path.name)
            if diff:
                stale.append(path.name)
                print(diff)
        else:
            path.write_text(dumps(fresh))
    if stale:
        print(f"\nout of date: {', '.join(stale)}; run `npm run notebooks:outputs` and commit the notebooks")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
