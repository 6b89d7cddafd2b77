"""
jupyter_kernel_test's conformance suite against the chainlab kernel. Every feature test is
configured so none of them skips. The pager test is removed (not skipped): a TypeScript
kernel has no `?` help that pages, so there is nothing to conform to.
"""
import unittest

import jupyter_kernel_test

from conftest import MIME_GRAPH, MIME_HEATMAP, MIME_PLOT


class ChainlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "chainlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'
    code_generate_error = 'throw new Error("boom")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "console.lo", "matches": {"log", "timeLog"}},
    ]
    complete_code_samples = ["1 + 1", "let a = 1;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const xs = [1, 2,"]

    code_execute_result = [
        # A Tensor as last expression is a rich execute_result.
        {"code": 'import { tensor } from "chainlab"; tensor([1, 2, 3])', "mime": "text/html"},
        # Deno's convention: any object with [Symbol.for("Jupyter.display")]().
        {"code": 'const shout = { [Symbol.for("Jupyter.display")]() { return { "text/plain": "HELLO" }; } }; shout', "result": "HELLO"},
    ]
    code_history_pattern = "const shout*"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'import { tensor, show } from "chainlab"; const w = tensor([[1, 2], [3, 4]], { requiresGrad: true, name: "w" }); w.mul(w).sum().backward(); show.heatmap(w)', "mime": MIME_HEATMAP},
        {"code": 'import { tensor, show } from "chainlab"; show.graph(tensor([1, 2], { requiresGrad: true }).tanh().sum())', "mime": MIME_GRAPH},
        {"code": 'import { tensor, show } from "chainlab"; show.heatmap(tensor([[1, 2], [3, 4]]))', "mime": "image/svg+xml"},
        {"code": 'import { tensor, show } from "chainlab"; const q = tensor([3, 4], { requiresGrad: true }); q.mul(q).sum().backward(); show.gradNorms([q])', "mime": MIME_PLOT},
        {"code": 'import { display } from "chainlab"; display({ "text/markdown": "**hi**" }, { raw: true })', "mime": "text/markdown"},
    ]
    code_clear_output = 'import { clearOutput } from "chainlab"; console.log("gone"); clearOutput()'
    code_inspect_sample = "Math.max"

    test_pager = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The kernel loads TypeScript at its first cell (an idle kernel stays small); on a loaded
        # machine that takes longer than the suite's 15 s per message, so it happens here.
        cls.kc.execute_interactive("0", timeout=240)


if __name__ == "__main__":
    unittest.main()
