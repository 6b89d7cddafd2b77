"""
Generates the student version of the assignment, as nbgrader's `generate_assignment` would:

    python notebooks/assignments/release.py   # writes notebooks/assignments/release/backprop-assignment.ipynb

Every region between `// BEGIN SOLUTION` and `// END SOLUTION` is replaced by the code stub
`// YOUR CODE HERE` (indented like the markers) and outputs are cleared. With nbgrader itself,
configure the same stub for the TypeScript kernel:

    c.ClearSolutions.code_stub = {"typescript": "// YOUR CODE HERE"}

The solution cells are written so that the stub leaves valid code (each gradient starts as
zeros), so the student version runs, and fails gradcheck, until the stubs are filled in.
"""
import pathlib
import re
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SOLUTION = HERE / "backprop-assignment.ipynb"
RELEASE = HERE / "release" / "backprop-assignment.ipynb"
STUB = "// YOUR CODE HERE"
REGION = re.compile(r"^([ \t]*)// BEGIN SOLUTION[ \t]*\n.*?^[ \t]*// END SOLUTION[ \t]*$", re.M | re.S)


def clear_solutions(source):
    return REGION.sub(lambda m: m.group(1) + STUB, source)


def release(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = clear_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nb


def main():
    nb = release(nbformat.read(SOLUTION, as_version=4))
    RELEASE.parent.mkdir(exist_ok=True)
    nbformat.write(nb, RELEASE)
    print(f"wrote {RELEASE.relative_to(HERE.parent.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
