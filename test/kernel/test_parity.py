"""
What users of ipykernel expect, through the real protocol (issue 14): aborted cells carry no
execution count ([ ] in the frontend), runtime tracebacks name the cell's own lines and no
library frames, type errors are reported once, console.log(tensor) is short, completion ranks
the user's names first and hides internals, Shift+Tab inside `f(` shows f's signature and
JSDoc, and an interrupted cell's declarations survive as the message says.
"""
import re
import threading
import time

import pytest

from conftest import Kernel, of_type, stdout

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def k():
    kernel = Kernel()
    kernel.ok('import { tensor, randn, Tensor } from "chainlab";', timeout=240)
    yield kernel
    kernel.shutdown()


def traceback_of(outputs):
    errors = of_type(outputs, "error")
    assert len(errors) == 1, [o["msg_type"] for o in outputs]
    return [ANSI.sub("", line) for line in errors[0]["content"]["traceback"]]


def test_aborted_cells_have_no_execution_count(k):
    failing = k.kc.execute("const until9 = Date.now() + 300; while (Date.now() < until9) {} throw new Error('first')")
    queued = k.kc.execute("console.log('never')")
    reply1, _ = k.collect(failing)
    reply2, out2 = k.collect(queued)
    assert reply1["content"]["status"] == "error" and isinstance(reply1["content"]["execution_count"], int)
    assert reply2["content"]["status"] == "aborted"
    # ipykernel sends no execution_count for an aborted cell: JupyterLab then shows [ ], not [n].
    assert "execution_count" not in reply2["content"]
    assert not of_type(out2, "execute_input")


def test_runtime_traceback_shows_the_cells_lines_and_no_library_frames(k):
    reply, _ = k.execute("function shapeClash(a: Tensor) {\n  // a comment line\n  return a.matmul(tensor([1, 2, 3]));\n}")
    assert reply["content"]["status"] == "ok"
    definer = reply["content"]["execution_count"]
    reply, outputs = k.execute("const okLine = 1;\n\nshapeClash(tensor([[1, 2], [3, 4]]));")
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "ChainlabError"
    tb = traceback_of(outputs)
    caller = reply["content"]["execution_count"]
    joined = "\n".join(tb)
    assert f"Cell In[{caller}], line 3" in joined, joined
    assert f"Cell In[{definer}], line 3, in shapeClash" in joined, joined
    assert "return a.matmul(tensor([1, 2, 3]));" in joined and "shapeClash(tensor([[1, 2], [3, 4]]));" in joined
    # the caller comes before the function it called (most recent call last, as Python prints)
    assert joined.index(f"Cell In[{caller}]") < joined.index(f"Cell In[{definer}]")
    for line in tb:
        assert not re.search(r"node_modules|node:internal|[\\/]lib[\\/]|tslab|evalmachine", line), line


def test_type_error_is_reported_once(k):
    reply, outputs = k.execute("const wrongType: number = 'text';")
    assert reply["content"]["status"] == "error"
    tb = "\n".join(traceback_of(outputs))
    message = "is not assignable to type 'number'"
    assert tb.count(message) == 1, tb
    assert message not in stdout(outputs) and not of_type(outputs, "stream")


def test_console_log_of_a_tensor_is_short(k):
    text = stdout(k.ok('console.log(randn([3, 4], { seed: 1, requiresGrad: true, name: "W" }))'))
    lines = text.strip().split("\n")
    assert len(lines) <= 8, text
    assert 'tensor "W" shape [3,4] float64' in lines[0]
    assert "grad" in text and "_backwardRan" not in text and "Float64Array" not in text
    big = stdout(k.ok("console.log(randn([1000, 1000], { seed: 2 }))"))
    assert len(big.split("\n")) <= 12 and "..." in big


def complete(k, code, cursor=None):
    k.kc.complete(code, len(code) if cursor is None else cursor)
    while True:
        msg = k.kc.get_shell_msg(timeout=120)
        if msg["msg_type"] == "complete_reply":
            return msg["content"]


def test_completion_hides_internals_and_undefined_globals(k):
    k.ok("const probe = tensor([1, 2], { requiresGrad: true });")
    members = complete(k, "probe.")["matches"]
    assert "backward" in members and "matmul" in members
    assert not [m for m in members if m.startswith("_")], members
    # ...unless the user types the underscore.
    assert all(m.startswith("_") for m in complete(k, "probe._")["matches"])
    # @types/seedrandom declares a global `seedrandom` that does not exist at run time.
    assert "seedrandom" not in complete(k, "seedr")["matches"]
    assert stdout(k.ok("typeof (globalThis as any).seedrandom")) == "undefined\n"


def test_completion_ranks_the_users_names_first(k):
    k.ok("const Mass = 3; function Mangle() { return 1; }")
    matches = complete(k, "Ma")["matches"]
    assert set(matches[:2]) == {"Mass", "Mangle"}, matches
    assert "Math" in matches and "Map" in matches


def inspect(k, code, cursor):
    k.kc.inspect(code, cursor)
    while True:
        msg = k.kc.get_shell_msg(timeout=120)
        if msg["msg_type"] == "inspect_reply":
            return msg["content"]


def test_shift_tab_inside_a_call_shows_signature_and_jsdoc(k):
    k.ok("/** Scales a tensor by a factor.\n * @param by the factor */\nfunction scaleBy(t: Tensor, by: number): Tensor { return t.mul(by); }")
    for code in ["scaleBy(", "scaleBy(probe, ", "const r = scaleBy(probe, Math.max(1, 2), "]:
        reply = inspect(k, code, len(code))
        assert reply["status"] == "ok" and reply["found"], code
        text = reply["data"]["text/plain"]
        assert "scaleBy(t: Tensor, by: number): Tensor" in text and "Scales a tensor by a factor." in text, text
    # inside a nested call: the inner function
    code = "scaleBy(probe, Math.max(1, "
    text = inspect(k, code, len(code))["data"]["text/plain"]
    assert "max" in text and "scaleBy" not in text, text
    # the library's own JSDoc reaches the user too
    code = "tensor("
    assert "tensor" in inspect(k, code, len(code))["data"]["text/plain"]
    # nothing open: nothing found
    assert not inspect(k, "1 + 1; ", 7)["found"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_interrupted_cells_declarations_survive_as_the_message_says(k, mode):
    name = f"assigned_{mode}"
    later = f"unreached_{mode}"
    loop = "while (true) {}" if mode == "sync" else "await new Promise(() => {});"
    timer = threading.Timer(2.0, k.km.interrupt_kernel)
    timer.start()
    reply, outputs = k.execute(f"let {name} = 41;\n{name}++;\n{loop}\nlet {later} = 1;", timeout=60)
    timer.join()
    assert reply["content"]["ename"] == "Interrupted"
    message = "\n".join(traceback_of(outputs))
    assert "stay declared with the values assigned before the interrupt" in message, message
    # Declared, with the value it had when interrupted; the unreached one is declared but undefined.
    assert stdout(k.ok(name)) == "42\n"
    assert stdout(k.ok(f"typeof {later}")) == "undefined\n"
    # A following cell that succeeds makes them ordinary declarations again.
    k.ok(f"{name} += 1;")
    assert stdout(k.ok(name)) == "43\n"
