import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * Starts `jupyter lab` from the project's .venv on a free port, with no token, a temporary
 * root dir and temporary config/settings/workspace dirs (so theme changes made by a test never
 * reach the user's settings), and stops it by its own process id.
 */
export const REPO = path.resolve(__dirname, "../..");

export interface RunningLab {
  url: string;
  root: string;
  log: () => string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitForServer(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter lab exited early:\n${log()}`);
    try {
      const res = await fetch(`${url}api/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`jupyter lab did not answer within ${timeoutMs} ms:\n${log()}`);
}

export async function startLab(files: Record<string, string>, copyDirs: string[] = []): Promise<RunningLab> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chainlab-e2e-"));
  const root = path.join(tmp, "root");
  fs.mkdirSync(root);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(root, name), content);
  for (const dir of copyDirs) fs.cpSync(dir, path.join(root, path.basename(dir)), { recursive: true });
  // Notebooks resolve `import ... from "chainlab"` through an ancestor node_modules (tslab's
  // Node10 resolution), so the temporary root links the repository's.
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  // No "get notified about Jupyter news?" toast over the screenshots.
  const notification = path.join(tmp, "settings", "@jupyterlab", "apputils-extension");
  fs.mkdirSync(notification, { recursive: true });
  fs.writeFileSync(path.join(notification, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  // Every cell stays in the DOM (no virtual scrolling), so tests can find every output.
  const notebookSettings = path.join(tmp, "settings", "@jupyterlab", "notebook-extension");
  fs.mkdirSync(notebookSettings, { recursive: true });
  fs.writeFileSync(
    path.join(notebookSettings, "tracker.jupyterlab-settings"),
    JSON.stringify({ windowingMode: "none" }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let output = "";
  const child = spawn(
    path.join(REPO, ".venv/bin/jupyter"),
    [
      "lab",
      "--no-browser",
      `--port=${port}`,
      "--ip=127.0.0.1",
      `--ServerApp.root_dir=${root}`,
      "--IdentityProvider.token=",
      "--ServerApp.password=",
      "--ServerApp.disable_check_xsrf=True",
      "--LabApp.expose_app_in_browser=True",
      `--LabApp.user_settings_dir=${path.join(tmp, "settings")}`,
      `--LabApp.workspaces_dir=${path.join(tmp, "workspaces")}`,
      "--LabApp.news_url=",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      // CI containers run as root; Jupyter refuses that unless told.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
        JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
        JUPYTER_PLATFORM_DIRS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const log = () => output;
  await waitForServer(url, child, log, 120_000);
  return {
    url,
    root,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise<void>((ok) => {
          const t = setTimeout(() => {
            child.kill("SIGKILL");
            ok();
          }, 10_000);
          child.once("exit", () => {
            clearTimeout(t);
            ok();
          });
        });
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
