"""
Generates the student version of each assignment, as nbgrader's `generate_assignment` would:

    python notebooks/assignments/release.py   # writes notebooks/assignments/release/<name>.ipynb

Every region between `// BEGIN SOLUTION` and `// END SOLUTION` is replaced by the code stub
`// YOUR CODE HERE` (indented like the markers), every region between `// BEGIN HIDDEN TESTS`
and `// END HIDDEN TESTS` is removed (the grader runs them on the instructor's copy), and
outputs are cleared. With nbgrader itself, configure the same stub for the TypeScript kernel:

    c.ClearSolutions.code_stub = {"typescript": "// YOUR CODE HERE"}

The solution cells are written so that the stub leaves valid code (each gradient starts as
zeros), so the student version runs, and fails gradcheck, until the stubs are filled in.
"""
import pathlib
import re
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
ASSIGNMENTS = ["backprop-assignment.ipynb", "cnn-assignment.ipynb"]
SOLUTION = HERE / ASSIGNMENTS[0]
RELEASE = HERE / "release" / ASSIGNMENTS[0]
STUB = "// YOUR CODE HERE"
REGION = re.compile(r"^([ \t]*)// BEGIN SOLUTION[ \t]*\n.*?^[ \t]*// END SOLUTION[ \t]*$", re.M | re.S)
HIDDEN = re.compile(r"^[ \t]*// BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*// END HIDDEN TESTS[ \t]*(\n|\Z)", re.M | re.S)


def clear_solutions(source):
    return HIDDEN.sub("", REGION.sub(lambda m: m.group(1) + STUB, source)).rstrip()


def release(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = clear_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nb


def main():
    for name in ASSIGNMENTS:
        nb = release(nbformat.read(HERE / name, as_version=4))
        out = HERE / "release" / name
        out.parent.mkdir(exist_ok=True)
        nbformat.write(nb, out)
        print(f"wrote {out.relative_to(HERE.parent.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
