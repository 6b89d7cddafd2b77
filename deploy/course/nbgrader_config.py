# nbgrader configuration of a course whose assignments use the chainlab kernel ("TypeScript
# (chainlab)"). Copy this folder as the course root; `npm install` here puts chainlab in
# node_modules/, which every notebook below (source/, release/, submitted/, autograded/) resolves.
import json
import os
import pathlib
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


# Without chainlab every graded cell fails on its import and autograde would score every student 0
# and exit 0: stop every grading command here instead, with the fix.
if any(cmd in sys.argv[1:2] for cmd in ("autograde", "generate_assignment", "validate", "generate_feedback")) \
        and not _chainlab_resolves(pathlib.Path(c.CourseDirectory.root)) \
        and not os.environ.get("CHAINLAB_SKIP_CHECK"):
    sys.exit(
        f"nbgrader_config.py: chainlab does not resolve from the course folder {c.CourseDirectory.root}: "
        "run `npm install` there (package.json names the chainlab package), then `npx chainlab doctor`. "
        "Refusing to grade: every TypeScript cell would fail on its import and score 0."
    )
