"""
The course assignment: the solution version passes every gradcheck; the released student
version (solution regions replaced by stubs, as nbgrader does) runs but fails each graded
gradcheck with a helpful message and a heatmap of the error.
"""
import importlib.util
import re

import nbformat

from nbrun import MIME_HEATMAP, NOTEBOOKS

import pytest

# (instructor's version, generated student version) of each assignment.
ASSIGNMENTS = [
    ("assignments/backprop-assignment.ipynb", "assignments/release/backprop-assignment.ipynb"),
    ("assignments/cnn-assignment.ipynb", "assignments/release/cnn-assignment.ipynb"),
]
each = pytest.mark.parametrize("SOLUTION,RELEASE", ASSIGNMENTS, ids=lambda p: p.split("/")[-1])


def _release_module():
    spec = importlib.util.spec_from_file_location("release", NOTEBOOKS / "assignments/release.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _graded(nb):
    return [i for i, c in enumerate(nb.cells) if _nbgrader(c).get("grade")]


@each
def test_solution_regions_and_nbgrader_metadata(SOLUTION, RELEASE):
    nb = nbformat.read(NOTEBOOKS / SOLUTION, as_version=4)
    solutions = [c for c in nb.cells if _nbgrader(c).get("solution")]
    assert len(solutions) >= 2, "expected solution cells (custom op backward, softmax cross-entropy)"
    for c in solutions:
        assert "// BEGIN SOLUTION" in c.source and "// END SOLUTION" in c.source, c.source[:80]
        assert c.source.count("// BEGIN SOLUTION") == c.source.count("// END SOLUTION")
    graded = _graded(nb)
    assert len(graded) >= 2
    for i in graded:
        meta = _nbgrader(nb.cells[i])
        assert meta["locked"] and meta["points"] > 0 and "gradcheck" in nb.cells[i].source + meta["grade_id"]
    ids = [_nbgrader(c)["grade_id"] for c in nb.cells if _nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    code = "\n".join(c.source for c in nb.cells)
    assert "defineOp(" in code and "gradcheck" in code


@each
def test_release_is_the_solution_with_stubs(SOLUTION, RELEASE):
    mod = _release_module()
    solution = nbformat.read(NOTEBOOKS / SOLUTION, as_version=4)
    committed = nbformat.read(NOTEBOOKS / RELEASE, as_version=4)
    expected = mod.release(nbformat.read(NOTEBOOKS / SOLUTION, as_version=4))
    assert [c.source for c in committed.cells] == [c.source for c in expected.cells], (
        "the student version is out of date: run python notebooks/assignments/release.py"
    )
    assert [c.get("metadata") for c in committed.cells] == [c.get("metadata") for c in solution.cells]
    text = "\n".join(c.source for c in committed.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    # no line of any solution region leaks into the student version
    for c in solution.cells:
        for region in re.findall(r"// BEGIN SOLUTION\n(.*?)// END SOLUTION", c.source, flags=re.S):
            for line in region.strip().splitlines():
                assert line.strip() not in text, f"solution line leaked: {line.strip()!r}"
    assert text.count(mod.STUB) >= sum(c.source.count("// BEGIN SOLUTION") for c in solution.cells)


@each
def test_solution_passes_every_gradcheck(run_notebook, SOLUTION, RELEASE):
    run = run_notebook(SOLUTION)
    assert run.error is None, run.error
    graded = _graded(run.nb)
    for i in graded:
        tables = [o for o in run.nb.cells[i].outputs if o.get("data", {}).get("text/html", "").find("cl-gradcheck") >= 0]
        assert len(tables) == 1, f"graded cell {i} shows no gradcheck report"
        assert "pass" in tables[0]["data"]["text/plain"].splitlines()[0] and "FAIL" not in tables[0]["data"]["text/plain"]
        assert not any(MIME_HEATMAP in o.get("data", {}) for o in run.nb.cells[i].outputs), "error heatmap shown for a passing check"


@each
def test_student_version_fails_gradcheck_helpfully(run_notebook, SOLUTION, RELEASE):
    run = run_notebook(RELEASE, allow_errors=True)
    graded = set(_graded(run.nb))
    errors = dict(run.errors())
    # the set-up and every ungraded cell still run: only the graded checks fail
    assert set(errors) == graded, f"errors in cells {sorted(errors)}, graded cells {sorted(graded)}"
    for i in sorted(graded):
        err = errors[i]
        message = err["evalue"]
        assert "FAILS gradcheck" in message, message
        assert "Hint:" in message and len(message.split("Hint:")[1].strip()) > 20, message
        # the message says where and by how much: an index and both values
        assert re.search(r"at \[\d+(,\d+)*\]", message) and "finite differences give" in message, message
        outputs = run.nb.cells[i].outputs
        tables = [o for o in outputs if "cl-gradcheck" in o.get("data", {}).get("text/html", "")]
        assert tables and "FAIL" in tables[0]["data"]["text/plain"], f"cell {i}: no failing gradcheck table"
        heatmaps = [o for o in outputs if MIME_HEATMAP in o.get("data", {})]
        assert heatmaps, f"cell {i}: no heatmap of the error"
        for h in heatmaps:
            assert "image/svg+xml" in h["data"] and "text/plain" in h["data"]
            payload = h["data"][MIME_HEATMAP]
            values = [v for s in payload["slices"] for row in s["value"] for v in row if v is not None]
            assert any(abs(v) > 1e-3 for v in values), f"cell {i}: the error heatmap is all zero"


def test_cnn_hidden_tests_graded_but_not_released():
    """nbgrader-style hidden tests: in the graded cells of the instructor's copy, gone from the student's."""
    solution = nbformat.read(NOTEBOOKS / ASSIGNMENTS[1][0], as_version=4)
    released = nbformat.read(NOTEBOOKS / ASSIGNMENTS[1][1], as_version=4)
    graded = _graded(solution)
    hidden = [i for i in graded if "// BEGIN HIDDEN TESTS" in solution.cells[i].source]
    assert len(hidden) >= 3, "the conv, max-pool and batch-norm checks should carry hidden tests"
    for i in hidden:
        assert "HIDDEN" not in released.cells[i].source and "FAILS the hidden test" not in released.cells[i].source
        assert "grade(" in released.cells[i].source
    code = "\n".join(c.source for c in solution.cells)
    for op in ("myConv2d", "myMaxPool", "myBatchNorm", "myDropout"):
        assert f'name: "{op}"' in code


def test_release_strips_hidden_test_regions():
    """release.py removes a hidden-test region, markers included, and keeps the code around it."""
    mod = _release_module()
    src = "x\n  // BEGIN HIDDEN TESTS\n  secret();\n  // END HIDDEN TESTS\ny"
    assert mod.clear_solutions(src) == "x\ny"

