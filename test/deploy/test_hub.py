"""
A real classroom on one machine: deploy/install.sh runs in a clean prefix (a fresh venv and a
fresh "home" folder) with the packed npm tarball and the built wheel; a real JupyterHub (its
configurable-http-proxy from npm) starts on 127.0.0.1 with 5 users; each user's server and a
chainlab kernel start through the REST API and a cell runs for all of them at once; one user's
token is refused on another's server; three submissions are autograded by real nbgrader with the
course template deploy/course and the gradebook's scores are checked.
DummyAuthenticator exists only here. Every user runs as the same OS user (we are root in CI):
SimpleLocalProcessSpawner; a real host uses system users (LocalProcessSpawner / TLJH's
SystemdSpawner), see deploy/README.md.
"""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import requests
import websocket

ROOT = pathlib.Path(__file__).resolve().parents[2]
USERS = [f"student{i}" for i in range(1, 6)]
ADMIN_TOKEN = uuid.uuid4().hex
ASSIGNMENT = ROOT / "notebooks" / "assignments" / "backprop-assignment.ipynb"
RESULTS = ROOT / "test-results"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, cwd, timeout=900, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if check:
        assert r.returncode == 0, f"{cmd} exited {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


@pytest.fixture(scope="module")
def prefix():
    """deploy/install.sh --hub into a fresh venv + home folder outside the repository."""
    reuse = os.environ.get("CHAINLAB_DEPLOY_REUSE")  # developer shortcut: a base where install.sh already ran
    if reuse:
        base = pathlib.Path(reuse)
        yield {"base": base, "venv": base / "venv", "home": base / "home", "install_seconds": float("nan")}
        return
    base = pathlib.Path(tempfile.mkdtemp(prefix="chainlab-classroom-"))
    assert not any((p / "node_modules").exists() for p in [base, *base.parents])
    dist = base / "dist"
    dist.mkdir()
    run(["npm", "run", "build", "--workspace", "kernel", "--silent"], ROOT)
    tgz = json.loads(run(["npm", "pack", "--json", "--pack-destination", str(dist)], ROOT / "kernel").stdout)[0]["filename"]
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(dist), str(ROOT)], ROOT)
    wheel = next(dist.glob("chainlab_jupyterlab-*.whl"))
    run(["python3", "-m", "venv", str(base / "venv")], base)
    started = time.monotonic()
    r = run(["bash", str(ROOT / "deploy" / "install.sh"), "--python", str(base / "venv" / "bin" / "python"),
             "--node-root", str(base / "home"), "--npm-package", str(dist / tgz), "--wheel", str(wheel), "--hub"],
            base, timeout=1800)
    install_seconds = time.monotonic() - started
    # The script ends with `chainlab doctor`, including a notebook run from the shared home root.
    assert "all checks passed" in r.stdout, r.stdout[-3000:]
    assert re.search(r"^ok +JupyterLab extension chainlab-jupyterlab", r.stdout, re.M), r.stdout[-3000:]
    yield {"base": base, "venv": base / "venv", "home": base / "home", "install_seconds": install_seconds}
    shutil.rmtree(base, ignore_errors=True)


HUB_CONFIG = """
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = ["{venv}/bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = "{hub_dir}/proxy.pid"
c.JupyterHub.db_url = "sqlite:///{hub_dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{hub_dir}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"   # tests only: deploy/ ships real authenticators
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"        # every user as this OS user: see deploy/README.md
c.SimpleLocalProcessSpawner.home_dir_template = "{home}/{{username}}"
c.Spawner.cmd = ["{venv}/bin/jupyterhub-singleuser"]
c.Spawner.args = ["--allow-root"]
c.Spawner.environment = {{"PATH": "{venv}/bin:" + "{node_dir}:/usr/bin:/bin"}}
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.services = [{{"name": "test-admin", "api_token": "{token}"}}]
c.JupyterHub.load_roles = [{{"name": "test-admin", "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users",
                                                       "read:users", "users", "servers"],
                            "services": ["test-admin"]}}]
"""


@pytest.fixture(scope="module")
def hub(prefix):
    hub_dir = prefix["base"] / "hub"
    shutil.rmtree(hub_dir, ignore_errors=True)
    hub_dir.mkdir()
    for u in USERS:
        (prefix["home"] / u).mkdir(exist_ok=True)
    port = free_port()
    cfg = HUB_CONFIG.format(port=port, hub_port=free_port(), proxy_api_port=free_port(), venv=prefix["venv"],
                            hub_dir=hub_dir, home=prefix["home"], token=ADMIN_TOKEN,
                            node_dir=os.path.dirname(shutil.which("node")))
    (hub_dir / "jupyterhub_config.py").write_text(cfg)
    log = open(hub_dir / "hub.log", "w")
    proc = subprocess.Popen([str(prefix["venv"] / "bin" / "jupyterhub"), "-f", str(hub_dir / "jupyterhub_config.py")],
                            cwd=hub_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, (hub_dir / "hub.log").read_text()[-4000:]
        try:
            if requests.get(f"{url}/hub/api", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, (hub_dir / "hub.log").read_text()[-4000:]
        time.sleep(1)
    try:
        yield {"url": url, "log": hub_dir / "hub.log", **prefix}
    finally:
        admin = {"Authorization": f"token {ADMIN_TOKEN}"}
        for u in USERS:
            try:
                requests.delete(f"{url}/hub/api/users/{u}/server", headers=admin, timeout=30)
            except requests.RequestException:
                pass
        os.killpg(proc.pid, 15)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()


def api(hub, method, path, token=ADMIN_TOKEN, **kw):
    return requests.request(method, hub["url"] + path, headers={"Authorization": f"token {token}"}, timeout=120, **kw)


def execute_over_websocket(hub, user, token, kernel_id, code, timeout=300):
    """One execute_request on the kernel's websocket (through proxy and server); returns (status, stdout)."""
    ws_url = hub["url"].replace("http", "ws") + f"/user/{user}/api/kernels/{kernel_id}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex, "msg_type": "execute_request",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        status, text, idle = None, "", False
        while status is None or not idle:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "execute_reply":
                status = msg["content"]["status"]
            elif msg["msg_type"] == "stream":
                text += msg["content"]["text"]
            elif msg["msg_type"] == "error":
                text += f"{msg['content']['ename']}: {msg['content']['evalue']}"
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        return status, text
    finally:
        ws.close()


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def processes_of(user):
    """(server pid, [kernel pids]) of one hub user, found through /proc (environ names the user)."""
    server, kernels = None, []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            env = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"JUPYTERHUB_USER={user}".encode() not in env:
            continue
        joined = b" ".join(cmd)
        if b"jupyterhub-singleuser" in joined:
            server = int(d.name)
        elif b"chainlab.js" in joined and b"kernel" in joined:
            kernels.append(int(d.name))
    return server, kernels


def test_five_users_kernels_cells_isolation_and_memory(hub):
    for u in USERS:
        assert api(hub, "POST", f"/hub/api/users/{u}").status_code in (201, 409)

    def spawn(u):
        t0 = time.monotonic()
        r = api(hub, "POST", f"/hub/api/users/{u}/server")
        assert r.status_code in (201, 202), (u, r.status_code, r.text)
        while not api(hub, "GET", f"/hub/api/users/{u}").json()["servers"].get("", {}).get("ready"):
            assert time.monotonic() - t0 < 300, (u, hub["log"].read_text()[-3000:])
            time.sleep(0.5)
        return time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(len(USERS)) as pool:
        spawn_seconds = dict(zip(USERS, pool.map(spawn, USERS)))

    tokens = {u: api(hub, "POST", f"/hub/api/users/{u}/tokens", json={"note": "test"}).json()["token"] for u in USERS}
    kernels = {}
    for u in USERS:
        r = api(hub, "POST", f"/user/{u}/api/kernels", token=tokens[u], json={"name": "chainlab"})
        assert r.status_code == 201, (u, r.status_code, r.text)
        kernels[u] = r.json()["id"]

    def cell(i_u):
        i, u = i_u
        code = ('import { tensor } from "chainlab";\n'
                f"const x = tensor([{i}, {i + 1}], {{ requiresGrad: true }});\n"
                "x.mul(x).sum().backward();\n"
                "console.log(`${process.env.JUPYTERHUB_USER} ${String(x.grad!.toArray())}`);")
        t0 = time.monotonic()
        result = execute_over_websocket(hub, u, tokens[u], kernels[u], code)
        return result, time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(len(USERS)) as pool:
        results = list(pool.map(cell, enumerate(USERS, start=1)))
    for (i, u), ((status, text), _) in zip(enumerate(USERS, start=1), results):
        assert status == "ok", (u, text)
        assert text.strip() == f"{u} {2 * i},{2 * (i + 1)}"  # d(sum x²)/dx = 2x, in this user's own kernel

    # Isolation: student1's token opens nothing of student2's.
    a, b = USERS[0], USERS[1]
    for path in [f"/user/{b}/api/kernels", f"/user/{b}/api/kernels/{kernels[b]}", f"/user/{b}/api/contents",
                 f"/user/{b}/api/sessions"]:
        r = api(hub, "GET", path, token=tokens[a], allow_redirects=False)
        assert r.status_code == 403, (path, r.status_code, r.text[:300])
    r = api(hub, "POST", f"/user/{b}/api/kernels", token=tokens[a], json={"name": "chainlab"}, allow_redirects=False)
    assert r.status_code == 403, r.status_code
    assert api(hub, "DELETE", f"/hub/api/users/{b}/server", token=tokens[a]).status_code in (403, 404)
    assert api(hub, "GET", f"/user/{a}/api/kernels", token=tokens[a]).status_code == 200  # own server: yes
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        execute_over_websocket(hub, b, tokens[a], kernels[b], "1")
    assert refused.value.status_code == 403

    memory = {}
    for u in USERS:
        server, kpids = processes_of(u)
        assert server and len(kpids) == 1, (u, server, kpids)
        memory[u] = {"server_mb": round(rss_mb(server), 1), "kernel_mb": round(rss_mb(kpids[0]), 1)}
    RESULTS.mkdir(exist_ok=True)
    report = {"install_seconds": round(hub["install_seconds"], 1),
              "spawn_seconds": {u: round(s, 1) for u, s in spawn_seconds.items()},
              "first_cell_seconds": {u: round(s, 1) for u, (_, s) in zip(USERS, results)}, "rss": memory}
    (RESULTS / "deploy-hub.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


def points(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells
               if c["metadata"].get("nbgrader", {}).get("grade"))


def nbgrader(prefix, course, *args, check=True):
    env = {"PATH": f"{prefix['venv']}/bin:{os.environ['PATH']}"}
    return run([str(prefix["venv"] / "bin" / "nbgrader"), *args], course, env=env, check=check, timeout=1800)


def make_course(prefix, where):
    course = where / "course"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(ROOT / "deploy" / "course", course)
    (course / "source" / "backprop").mkdir(parents=True)
    shutil.copy(ASSIGNMENT, course / "source" / "backprop" / "backprop.ipynb")
    return course


def test_course_config_keeps_pythons_stub_and_adds_typescripts(prefix):
    code = ("from traitlets.config.loader import PyFileConfigLoader as L\n"
            "from nbgrader.preprocessors import ClearSolutions\n"
            f"cfg = L('nbgrader_config.py', path={str(ROOT / 'deploy' / 'course')!r}).load_config()\n"
            "import json; print(json.dumps(ClearSolutions(config=cfg).code_stub))")
    stubs = json.loads(run([str(prefix["venv"] / "bin" / "python"), "-c", code], ROOT).stdout)
    assert "raise NotImplementedError()" in stubs["python"]
    assert stubs["typescript"].startswith("// YOUR CODE HERE")


def test_autograde_refuses_a_course_where_chainlab_does_not_resolve(prefix):
    outside = pathlib.Path(tempfile.mkdtemp(prefix="chainlab-no-modules-"))
    try:
        course = make_course(prefix, outside)
        r = nbgrader(prefix, course, "autograde", "backprop", check=False)
        assert r.returncode != 0
        assert "chainlab does not resolve from the course folder" in r.stdout + r.stderr
    finally:
        shutil.rmtree(outside, ignore_errors=True)


FORMGRADER_AUTOGRADE = """
import json
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory

# What formgrader's handlers do (server_extensions/formgrader: base.py `api`, AutogradeHandler):
# load nbgrader_config.py from the course folder into an app that is not the nbgrader CLI, build
# NbGraderAPI on it and call autograde. sys.argv here is not an nbgrader command, as in the server.
app = NbGrader()
app.load_config_file()
coursedir = CourseDirectory(parent=app)
api = NbGraderAPI(coursedir, Authenticator(parent=app, coursedir=coursedir), parent=app)
print(json.dumps({"generate": api.generate_assignment("backprop"), "autograde": api.autograde("backprop", "alice")}))
"""


def test_formgraders_autograde_refuses_where_chainlab_does_not_resolve(prefix):
    outside = pathlib.Path(tempfile.mkdtemp(prefix="chainlab-no-modules-"))
    try:
        course = make_course(prefix, outside)
        d = course / "submitted" / "alice" / "backprop"
        d.mkdir(parents=True)
        shutil.copy(course / "source" / "backprop" / "backprop.ipynb", d / "backprop.ipynb")
        env = {"PATH": f"{prefix['venv']}/bin:{os.environ['PATH']}"}  # nbgrader runs alembic from there
        r = run([str(prefix["venv"] / "bin" / "python"), "-c", FORMGRADER_AUTOGRADE], course, env=env, timeout=900)
        result = json.loads(r.stdout.strip().splitlines()[-1])
        assert result["generate"]["success"], result["generate"]
        assert not result["autograde"]["success"]
        assert "chainlab does not resolve from the folder autograde runs the notebook in" in json.dumps(result["autograde"])
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_nbgrader_autogrades_three_submissions(prefix):
    # Below the shared home root, where deploy/install.sh put node_modules/chainlab.
    course = make_course(prefix, prefix["home"] / "instructor")
    total = points(course / "source" / "backprop" / "backprop.ipynb")
    nbgrader(prefix, course, "generate_assignment", "backprop", "--force")
    released = (course / "release" / "backprop" / "backprop.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "// YOUR CODE HERE" in released
    source = json.loads((course / "source" / "backprop" / "backprop.ipynb").read_text())
    # A student who gets exercises 1 and 2 right but forgets the 1/N and g in exercise 3.
    partly = json.loads(json.dumps(source))
    wrong_ids = {"softmax_ce"}
    for c in partly["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") in wrong_ids:
            src = "".join(c["source"])
            src = re.sub(r"// BEGIN SOLUTION\n.*?// END SOLUTION", "dz = z.softmax(1).sub(Y);", src, flags=re.S)
            c["source"] = src
    wrong_points = sum(c["metadata"]["nbgrader"].get("points", 0) for c in source["cells"]
                       if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax_ce_gradcheck")
    submissions = {"alice": json.dumps(source), "bob": released, "carol": json.dumps(partly)}
    for student, text in submissions.items():
        d = course / "submitted" / student / "backprop"
        d.mkdir(parents=True)
        (d / "backprop.ipynb").write_text(text)
    r = nbgrader(prefix, course, "autograde", "backprop")
    code = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
            "with Gradebook('sqlite:///gradebook.db') as gb:\n"
            "    print(json.dumps({s: [gb.find_submission('backprop', s).score, gb.find_submission('backprop', s).max_score]"
            " for s in sys.argv[1:]}))")
    scores = json.loads(run([str(prefix["venv"] / "bin" / "python"), "-c", code, *submissions], course).stdout)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "deploy-gradebook.json").write_text(json.dumps(scores, indent=2))
    print(scores)
    assert total == 6 and wrong_points == 3
    assert scores["alice"] == [total, total], r.stdout[-3000:]
    assert scores["bob"] == [0, total]
    assert scores["carol"] == [total - wrong_points, total]
