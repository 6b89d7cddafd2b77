// The PyTorch side: one long-lived Python process (bench/torch_server.py) answering timing
// requests, so Node can interleave its rounds with PyTorch's (same moments of a shared machine).
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts the server with the given python (a venv with torch). Resolves to a client
 * { version, run(req) -> {wall, cpu}, close() }, or to { skipped: reason } when torch cannot be
 * imported there.
 */
export async function startTorch(python) {
  if (!python)
    return {
      skipped: "no python with torch (scripts/bench.sh makes .bench/venv; set CHAINLAB_BENCH_NO_TORCH=1 to skip)",
    };
  const env = { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" };
  const child = spawn(python, [path.join(here, "torch_server.py")], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  let closed = false;
  lines.on("line", (l) => waiting.shift()?.resolve(JSON.parse(l)));
  child.on("exit", (code) => {
    closed = true;
    for (const w of waiting.splice(0))
      w.reject(new Error(`torch server exited (${code}): ${stderr.trim().split("\n").at(-1) ?? ""}`));
  });
  const next = () =>
    new Promise((resolve, reject) =>
      closed
        ? reject(new Error(`torch server exited: ${stderr.trim().split("\n").at(-1)}`))
        : waiting.push({ resolve, reject }),
    );
  let hello;
  try {
    hello = await next();
  } catch (e) {
    return { skipped: `PyTorch could not start (${e.message})` };
  }
  return {
    version: hello.torch,
    run(req) {
      const p = next();
      child.stdin.write(JSON.stringify(req) + "\n");
      return p;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
