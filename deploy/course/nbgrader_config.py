# nbgrader configuration of a course whose assignments use the chainlab kernel ("TypeScript
# (chainlab)"). Copy this folder as the course root; `npm install` here puts chainlab in
# node_modules/, which every notebook below (source/, release/, submitted/, autograded/) resolves.
import json
import os
import pathlib
import re
import sys

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)

c.CourseDirectory.course_id = os.environ.get("CHAINLAB_COURSE_ID", "chainlab-course")
c.CourseDirectory.root = str(pathlib.Path(__file__).resolve().parent)

# Keep nbgrader's own stubs (Python, R, MATLAB, Octave, SAS, Java) and add TypeScript's. Assigning
# only {"typescript": ...} would drop them (a course with Python assignments loses "raise
# NotImplementedError()"), and c.ClearSolutions.code_stub.update(...) does not work either:
# nbgrader wraps any non-dict config value (traitlets' lazy update is one) as {"python": value}.
from nbgrader.preprocessors import ClearSolutions  # noqa: E402

c.ClearSolutions.code_stub = {
    **ClearSolutions.class_traits()["code_stub"].default(),
    "typescript": "// YOUR CODE HERE\nthrow new Error(\"not implemented\");",
}

# A first TypeScript build per kernel takes seconds on a loaded machine: generous timeouts.
c.ExecutePreprocessor.timeout = 180
c.ExecutePreprocessor.startup_timeout = 120


def _chainlab_resolves(folder: pathlib.Path) -> bool:
    """Node's (and tslab's) lookup: node_modules/chainlab in the folder or any ancestor."""
    for d in [folder, *folder.parents]:
        pkg = d / "node_modules" / "chainlab" / "package.json"
        if pkg.is_file():
            main = d / "node_modules" / "chainlab" / json.loads(pkg.read_text()).get("main", "lib/index.js")
            return main.is_file()
    return False


def _refusal(where: str) -> str:
    return (
        f"chainlab does not resolve from {where}: run `npm install` in the course folder "
        f"{c.CourseDirectory.root} (its package.json names the chainlab package), then `npx chainlab doctor`. "
        "Refusing to grade: every TypeScript cell would fail on its import and score 0."
    )


# Without chainlab every graded cell fails on its import and autograde would score every student 0
# and exit 0: stop every grading command here instead, with the fix (fails before anything is written).
if any(cmd in sys.argv[1:2] for cmd in ("autograde", "generate_assignment", "validate", "generate_feedback")) \
        and not _chainlab_resolves(pathlib.Path(c.CourseDirectory.root)) \
        and not os.environ.get("CHAINLAB_SKIP_CHECK"):
    sys.exit("nbgrader_config.py: " + _refusal(f"the course folder {c.CourseDirectory.root}"))


# The same check where the notebook is executed, for every way of autograding: formgrader's
# "autograde" button runs inside the Jupyter server (sys.argv is the server's, so the check above
# never fires there) and reaches nbgrader's Autograde converter directly. This preprocessor runs
# first in that converter; raising makes nbgrader mark the submission as failed (the button shows
# the error and the log) instead of recording zeros. Notebooks that do not import chainlab (a
# Python assignment in the same course) pass through.
from nbconvert.preprocessors import Preprocessor  # noqa: E402
from nbgrader.converters import Autograde  # noqa: E402
from traitlets import Bool  # noqa: E402


class ChainlabResolvesWhereGraded(Preprocessor):
    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled (nbgrader's own are on)

    def preprocess(self, nb, resources):
        imports = any(cell.get("cell_type") == "code" and re.search(r"""(from|require\()\s*["']chainlab["']""", cell.source)
                      for cell in nb.cells)
        folder = pathlib.Path(resources.get("metadata", {}).get("path") or os.getcwd()).resolve()
        if imports and not _chainlab_resolves(folder) and not os.environ.get("CHAINLAB_SKIP_CHECK"):
            raise RuntimeError(_refusal(f"the folder autograde runs the notebook in, {folder}"))
        return nb, resources


c.Autograde.autograde_preprocessors = [
    ChainlabResolvesWhereGraded,
    *Autograde.class_traits()["autograde_preprocessors"].default(),
]
