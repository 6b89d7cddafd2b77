"""
chainlab's own protocol tests through jupyter_client: full MIME bundles per display, matching
display ids for live updates, rich last values, error replies, interrupts, state after errors,
stop-on-error aborts, and a kernel that survives bad input.
"""
import json
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import (MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, MIME_PLOT, Kernel, fixture_payload,
                      of_type, stdout)

SETUP = '''
import { tensor, randn, show, display, Tensor, ChainlabError } from "chainlab";
const W = randn([3, 4], { seed: 7, requiresGrad: true, name: "W" });
const x = tensor([[1], [2], [3], [4]], { name: "x" });
const L = W.matmul(x).tanh().sum().named("L");
'''


@pytest.fixture(scope="module")
def k(kernel):
    kernel.ok(SETUP)
    return kernel


def only_display(outputs, msg_type="display_data"):
    found = of_type(outputs, msg_type)
    assert len(found) == 1, f"expected one {msg_type}, got {[o['msg_type'] for o in outputs]}"
    return found[0]["content"]


def assert_svg(text):
    root = ET.fromstring(text)  # well-formed XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_graph_bundle_carries_payload_svg_and_text(k):
    data = only_display(k.ok("L.backward(); show.graph(L)"))["data"]
    assert set(data) == {MIME_GRAPH, "image/svg+xml", "text/plain"}
    payload = data[MIME_GRAPH]
    assert payload["kind"] == "graph" and payload["version"] == 1
    assert [n["op"] for n in payload["nodes"]] == ["leaf", "leaf", "matmul", "tanh", "sum"]
    w = next(n for n in payload["nodes"] if n.get("name") == "W")
    assert w["kind"] == "param" and w["gradState"] == "computed" and w["grad"]["norm"] > 0
    assert payload["output"] == payload["nodes"][-1]["id"]
    assert_svg(data["image/svg+xml"])
    assert "matmul" in data["image/svg+xml"] and "W" in data["text/plain"]


def test_heatmap_bundle_shows_value_and_grad(k):
    data = only_display(k.ok("show.heatmap(W)"))["data"]
    assert set(data) == {MIME_HEATMAP, "image/svg+xml", "text/plain"}
    p = data[MIME_HEATMAP]
    assert p["show"] == "both" and p["shape"] == [3, 4] and p["gradState"] == "computed"
    assert len(p["slices"]) == 1 and len(p["slices"][0]["value"]) == 3 and len(p["slices"][0]["grad"][0]) == 4
    assert_svg(data["image/svg+xml"])


def test_heatmap_of_big_rank3_tensor_is_bounded_and_says_so(k):
    data = only_display(k.ok("show.heatmap(randn([40, 300, 200], { seed: 1 }))"))["data"]
    p = data[MIME_HEATMAP]
    ds = p["downsampled"]
    # The heatmap budget (protocol/budget.ts: 100 KB for the whole bundle) decides how many
    # slices fit and how coarse their blocks are; the payload says both.
    assert ds["sliceCount"] == 40 and 1 <= ds["shownSlices"] < 40
    assert ds["rowStride"] > 1 and ds["colStride"] > 1
    assert len(p["slices"]) == ds["shownSlices"]
    assert [s["index"] for s in p["slices"]] == [[i] for i in range(ds["shownSlices"])]
    assert len(json.dumps(data).encode()) <= 100_000
    assert "downsampled" in data["text/plain"]


def test_grad_norms_bundle_is_a_plot(k):
    # Shorthand properties naming earlier cells' variables: plain tslab 1.0.22 fails on these.
    data = only_display(k.ok("show.gradNorms({ W, x })"))["data"]
    assert set(data) == {MIME_PLOT, "image/svg+xml", "text/plain"}
    p = data[MIME_PLOT]
    assert p["x"] == ["W", "x"] and p["series"][0]["y"][1] is None and p["series"][0]["y"][0] > 0
    assert_svg(data["image/svg+xml"])


def test_chain_bundle_has_markdown_latex_and_text(k):
    payload = fixture_payload("kernel-chain-example2.json")
    data = only_display(k.ok(f"show.chain({json.dumps(payload)} as any)"))["data"]
    assert set(data) == {MIME_CHAIN, "text/markdown", "text/latex", "text/plain"}
    assert data[MIME_CHAIN] == payload
    assert "$$" in data["text/markdown"] and data["text/latex"].startswith("$$")
    assert payload["paths"][0]["steps"][0]["compact"]["text"] in data["text/plain"]


def test_live_heatmap_updates_keep_the_display_id(k):
    outputs = k.ok('''
const h = show.heatmap(W, { live: true, maxFps: 0 });
for (let i = 0; i < 3; i++) { W.grad = W.grad!.mul(2); h.update(); }
''')
    first = only_display(outputs)
    updates = [o["content"] for o in of_type(outputs, "update_display_data")]
    display_id = first["transient"]["display_id"]
    assert display_id and len(updates) == 3
    assert all(u["transient"]["display_id"] == display_id for u in updates)
    assert [u["data"][MIME_HEATMAP]["frame"] for u in updates] == [1, 2, 3]
    assert all(set(u["data"]) == {MIME_HEATMAP, "image/svg+xml", "text/plain"} for u in updates)


def test_throttled_live_updates_deliver_the_last_frame_before_the_reply(k):
    outputs = k.ok('''
const g = show.heatmap(W, { live: true, maxFps: 1 });
for (let i = 0; i < 50; i++) g.update();
''')
    updates = [o["content"] for o in of_type(outputs, "update_display_data")]
    assert 1 <= len(updates) < 5
    assert updates[-1]["data"][MIME_HEATMAP]["frame"] == 50


def test_update_can_be_sent_from_a_later_cell(k):
    first = only_display(k.ok("const later = show.heatmap(W, { live: true, maxFps: 0 }); 0"))
    update = only_display(k.ok("later.update()"), "update_display_data")
    assert update["transient"]["display_id"] == first["transient"]["display_id"]


def test_tensor_last_value_is_rich(k):
    outputs = k.ok("W")
    result = of_type(outputs, "execute_result")
    assert len(result) == 1 and not stdout(outputs)
    data = result[0]["content"]["data"]
    assert set(data) == {"text/html", "text/plain"}
    assert "[3,4]" in data["text/plain"] and "float64" in data["text/html"] and "grad: computed" in data["text/plain"]


def test_tensor_before_backward_says_grad_not_computed_yet(k):
    data = of_type(k.ok('randn([2, 2], { requiresGrad: true })'), "execute_result")[0]["content"]["data"]
    assert "not computed yet" in data["text/plain"] and "not computed yet" in data["text/html"]


def test_big_tensor_last_value_is_abbreviated(k):
    data = of_type(k.ok("randn([1000, 1000], { seed: 2 })"), "execute_result")[0]["content"]["data"]
    assert "..." in data["text/plain"] and len(data["text/html"]) < 5000


def test_custom_display_method_and_plain_values(k):
    outputs = k.ok('({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>mine</i>" }; } })')
    data = of_type(outputs, "execute_result")[0]["content"]["data"]
    assert data["text/html"] == "<i>mine</i>" and "text/plain" in data
    plain = k.ok("1 + 2")
    assert not of_type(plain, "execute_result") and stdout(plain) == "3\n"


def test_one_display_hook_for_cell_results_and_display(k):
    # A cell's last value and display() read the same hook (display/displayHook.ts): an
    # asynchronous display method is refused by both with the same message, the cell still
    # prints the value, and the kernel carries on.
    code = '({ [Symbol.for("Jupyter.display")]: async () => ({ "text/html": "<i>late</i>" }) })'
    outputs = k.ok(code)
    assert not of_type(outputs, "execute_result")
    err = "".join(o["content"]["text"] for o in of_type(outputs, "stream") if o["content"]["name"] == "stderr")
    assert "must return a MIME bundle object synchronously" in err
    reply, outputs = k.execute(f"display({code})")
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "ChainlabError"
    assert "must return a MIME bundle object synchronously" in reply["content"]["evalue"]
    assert of_type(k.ok("1 + 1"), "stream")


def test_show_as_last_expression_prints_nothing_extra(k):
    outputs = k.ok("show.heatmap(x)")
    assert [o["msg_type"] for o in outputs if o["msg_type"] != "execute_input"] == ["display_data"]


def test_chainlab_error_is_an_error_reply(k):
    reply, outputs = k.execute("tensor([[1, 2], [3, 4]]).matmul(tensor([1, 2, 3]))")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "ChainlabError" and "matmul" in reply["content"]["evalue"]
    errors = of_type(outputs, "error")
    assert len(errors) == 1 and errors[0]["content"]["ename"] == "ChainlabError"
    assert any("inner dimensions" in line for line in errors[0]["content"]["traceback"])
    assert not of_type(outputs, "stream")


def test_type_error_points_at_cell_line_and_column(k):
    reply, outputs = k.execute("const fine = 1;\nconst bad: number = 'text';")
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "TypeScriptError"
    assert reply["content"]["evalue"].startswith("line 2, column 7:")
    tb = "\n".join(of_type(outputs, "error")[0]["content"]["traceback"])
    assert "const bad: number = 'text';" in tb and "      ^" in tb


def test_thrown_non_error_values_are_reported(k):
    reply, _ = k.execute("throw 42")
    assert reply["content"]["status"] == "error" and reply["content"]["evalue"] == "42"


def test_state_is_kept_after_errors(k):
    k.ok("let counter = 41;")
    reply, _ = k.execute("counter++; throw new Error('after increment')")
    assert reply["content"]["status"] == "error"
    assert stdout(k.ok("counter")) == "42\n"
    assert of_type(k.ok("W"), "execute_result")


def test_queued_cells_after_an_error_are_aborted_unless_told_otherwise(k):
    # The failing cell runs 300 ms, so the second request is surely queued before it fails.
    failing = k.kc.execute("const until1 = Date.now() + 300; while (Date.now() < until1) {} throw new Error('first')")
    queued = k.kc.execute("console.log('should not run')")
    reply1, _ = k.collect(failing)
    reply2, out2 = k.collect(queued)
    assert reply1["content"]["status"] == "error"
    assert reply2["content"]["status"] == "aborted" and not stdout(out2)
    failing = k.kc.execute("const until2 = Date.now() + 300; while (Date.now() < until2) {} throw new Error('again')", stop_on_error=False)
    queued = k.kc.execute("console.log('runs')")
    k.collect(failing)
    reply3, out3 = k.collect(queued)
    assert reply3["content"]["status"] == "ok" and stdout(out3) == "runs\n"


def test_execution_count_and_execute_input(k):
    reply, outputs = k.execute("0")
    n = reply["content"]["execution_count"]
    assert of_type(outputs, "execute_input")[0]["content"] == {"code": "0", "execution_count": n}
    reply2, _ = k.execute("0")
    assert reply2["content"]["execution_count"] == n + 1
    silent_reply, silent_out = k.execute("console.log('quiet')", silent=True)
    assert silent_reply["content"]["status"] == "ok" and not silent_out


def test_kernel_survives_bad_input(k):
    for code in ["let = ;", "}}}", "\x00", "undefinedFunction()", "JSON.parse('{')", "null as any as number" * 1]:
        reply, _ = k.execute(code)
        assert reply["content"]["status"] in ("ok", "error")
    # A message with a wrong signature is dropped; the kernel still answers afterwards.
    session = k.kc.session
    key, session.key = session.key, b"wrong-key"
    try:
        k.kc.execute("console.log('forged')")
    finally:
        session.key = key
    assert stdout(k.ok("'still alive'")) == "still alive\n"
    k.kc.kernel_info()
    info = k.kc.get_shell_msg(timeout=10)
    while info["msg_type"] != "kernel_info_reply":
        info = k.kc.get_shell_msg(timeout=10)
    assert info["content"]["implementation"] == "chainlab"


def test_big_output_in_a_loop_is_batched(k):
    outputs = k.ok("for (let i = 0; i < 5000; i++) console.log(i)")
    text = stdout(outputs)
    assert text.count("\n") == 5000 and text.endswith("4999\n")
    assert len(of_type(outputs, "stream")) < 100


def test_whole_public_api_type_checks_with_tslab_typescript(k):
    # tslab checks cells, and the .d.ts files they import, with its own TypeScript 5.0.
    k.ok('''
import * as cl from "chainlab";
const t: cl.Tensor = cl.tensor([[1, 2], [3, 4]], { requiresGrad: true });
const y = cl.softmax(t.matmul(t.T), 1).sum();
y.backward();
const report = cl.gradcheck((a: cl.Tensor) => a.tanh().sum(), [cl.randn([3], { seed: 1 })]);
const handle: cl.DisplayHandle<cl.Tensor> = cl.show.heatmap(t, { live: true });
handle.update();
cl.show.gradcheck(report);
cl.display(t);
''')
    # The types really are read (an unreadable .d.ts would silently become `any`).
    reply, _ = k.execute("const wrong: number = cl.show.plot([1, 2]);")
    assert reply["content"]["status"] == "error" and "DisplayHandle" in reply["content"]["evalue"]
    reply, _ = k.execute("cl.show.heatmap(t, { show: 'values' });")
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "TypeScriptError"


def interrupt_after(kernel, seconds):
    timer = threading.Timer(seconds, kernel.km.interrupt_kernel)
    timer.start()
    return timer


@pytest.mark.parametrize("code", ["while (true) {}", "await new Promise(() => {})"], ids=["sync", "async"])
def test_interrupt_stops_a_runaway_cell_and_keeps_state(k, code):
    k.ok("let beforeInterrupt = 'kept';")
    interrupt_after(k, 1.5)
    start = time.monotonic()
    reply, outputs = k.execute(code, timeout=30)
    assert time.monotonic() - start < 20
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
    assert stdout(k.ok("beforeInterrupt")) == "kept\n"


def test_shutdown_leaves_no_process_even_with_timers_running():
    kernel = Kernel()
    pid = kernel.pid
    kernel.ok("setInterval(() => {}, 1000); 0")
    kernel.kc.shutdown()
    deadline = time.monotonic() + 10
    while kernel.km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    exited_by_itself = not kernel.km.is_alive()
    kernel.kc.stop_channels()
    kernel.km.shutdown_kernel(now=True)
    assert exited_by_itself, f"kernel {pid} did not exit after shutdown_request"


def test_restart_gives_a_fresh_working_kernel():
    kernel = Kernel()
    try:
        kernel.ok("const before = 1;")
        old = kernel.pid
        kernel.km.restart_kernel(now=False)
        kernel.kc.wait_for_ready(timeout=60)
        assert kernel.pid != old
        reply, _ = kernel.execute("before")
        assert reply["content"]["status"] == "error"
        assert stdout(kernel.ok("1 + 1")) == "2\n"
    finally:
        kernel.shutdown()


def test_chain_and_contributions_from_the_engine(k):
    k.ok('''
const W2 = tensor([[0.5, -1, 2], [1.5, 0.25, -0.5]], { requiresGrad: true, name: "W2" });
const x2 = tensor([1, 2, -1], { name: "x2" });
const L2 = W2.matmul(x2).sub(tensor([0.5, -0.5])).square().sum().mul(0.5).named("L2");
L2.backward();
''')
    chain = only_display(k.ok("show.chain(L2, W2, { at: [1, 2] })"))["data"]
    assert set(chain) == {MIME_CHAIN, "text/markdown", "text/latex", "text/plain"}
    assert chain[MIME_CHAIN]["numeric"]["pass"] is True and chain[MIME_CHAIN]["numeric"]["at"] == [1, 2]
    assert "^{\\top}" in chain["text/markdown"]  # dL/dW2 = g x2^T
    contrib = only_display(k.ok("show.contributions(L2, W2, { at: [1, 2] })"))["data"]
    assert set(contrib) == {MIME_HEATMAP, "image/svg+xml", "text/plain"}
    assert contrib[MIME_HEATMAP]["contributions"][0]["at"] == [1, 2]
    assert_svg(contrib["image/svg+xml"])


def test_kernel_keeps_answering_after_many_outputs():
    # zeromq 6 defers the 513th synchronous send on a socket and throws EBUSY for a send made
    # while one is deferred; plain tslab 1.0.22 then loses a message and the notebook hangs
    # (after ~130 cells with output). chainlab queues sends on a busy socket instead.
    kernel = Kernel()
    try:
        kernel.ok('import { display } from "chainlab";')
        for i in range(40):
            reply, outputs = kernel.execute("for (let j = 0; j < 20; j++) display(j);", timeout=20)
            assert reply["content"]["status"] == "ok", i
            assert len(of_type(outputs, "display_data")) == 20, i
        assert stdout(kernel.ok("1 + 1")) == "2\n"
    finally:
        kernel.shutdown()


def test_more_than_512_displays_in_one_synchronous_loop(k):
    outputs = k.ok('''
const many = show.heatmap(tensor([1, 2]), { live: true, maxFps: 0 });
for (let i = 0; i < 600; i++) many.update();
''')
    updates = of_type(outputs, "update_display_data")
    assert len(updates) == 600
    assert [u["content"]["data"][MIME_HEATMAP]["frame"] for u in updates] == list(range(1, 601))


def test_a_print_before_a_long_computation_is_sent_at_once(k):
    msg_id = k.kc.execute("console.log('starting'); const until3 = Date.now() + 1500; while (Date.now() < until3) {}")
    start = time.monotonic()
    while True:
        msg = k.kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    assert msg["content"]["text"] == "starting\n"
    assert time.monotonic() - start < 1.0, "the line waited for the computation to finish"
    reply, _ = k.collect(msg_id)
    assert reply["content"]["status"] == "ok"


def test_kernel_exits_when_its_parent_dies():
    import os
    import signal
    import subprocess
    import sys
    launcher = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time\n"
            "from jupyter_client.manager import start_new_kernel\n"
            "km, kc = start_new_kernel(kernel_name='chainlab', startup_timeout=60)\n"
            "print(km.provisioner.process.pid, flush=True); time.sleep(600)\n"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        pid = int(launcher.stdout.readline())
        os.kill(launcher.pid, signal.SIGKILL)  # no shutdown_request: the server just vanished
        launcher.wait(timeout=10)
        deadline = time.monotonic() + 15
        alive = True
        while alive and time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                with open(f"/proc/{pid}/stat") as f:
                    alive = f.read().split()[2] != "Z"
            except (ProcessLookupError, FileNotFoundError):
                alive = False
            time.sleep(0.2)
        if alive:
            os.kill(pid, signal.SIGKILL)
        assert not alive, "the kernel outlived its parent"
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_plot_bundle_for_a_loss_curve(k):
    data = only_display(k.ok("show.plot({ loss: [1, 0.5, 0.25] }, { yScale: 'log', title: 'loss' })"))["data"]
    assert set(data) == {MIME_PLOT, "image/svg+xml", "text/plain"}
    assert data[MIME_PLOT]["series"] == [{"name": "loss", "y": [1, 0.5, 0.25]}]
    assert_svg(data["image/svg+xml"])


def test_type_error_columns_are_the_users_after_a_shorthand_rewrite(k):
    reply, _ = k.execute("const pair = { W, x }; const oops: string = 1;")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["evalue"].startswith("line 1, column 30:"), reply["content"]["evalue"]
