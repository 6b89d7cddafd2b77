import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChainlabError } from "../errors";

/**
 * Writes the Jupyter kernelspec (kernel.json) for the chainlab kernel without IPython or
 * jupyter_client: a kernelspec is only a folder `<data dir>/kernels/<name>/kernel.json`.
 * Paths are absolute so the kernel starts from any notebook folder and any PATH.
 */

export const KERNEL_NAME = "chainlab";
export const DISPLAY_NAME = "TypeScript (chainlab)";

export type InstallTarget =
  { kind: "user" } | { kind: "sys-prefix"; python?: string } | { kind: "prefix"; prefix: string };

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/**
 * V8 flags for the kernel's Node: before V8 11.4 (Node 20) relaxed SIMD, which the matrix
 * products' fused multiply-add kernels use, is behind a flag; later versions have it on (and
 * may drop the flag), so it is passed only where needed. Without it the plain-SIMD kernel runs.
 */
export function kernelNodeFlags(v8Version: string = process.versions.v8): string[] {
  const [major, minor] = v8Version.split(".").map(Number);
  return major < 11 || (major === 11 && minor < 4) ? ["--experimental-wasm-relaxed-simd"] : [];
}

/**
 * V8 heap flags for a kernel that holds a classroom (measured in bench/kernel-memory.py):
 * a small young generation (V8's default lets it take ~35 MB), an old-generation limit that
 * leaves room for large graphs (the TypeScript program alone is ~85 MB), and V8's
 * memory-over-speed mode: with the two limits alone the heap still settled ~35 MB above the
 * live data and resident memory after 300 small training cells landed anywhere between 230 and
 * 300 MB (memory outside the JS heap that a full GC does not give back); with
 * --optimize-for-size it stayed at ~200 MB (heap within ~10 MB of the live data) at the cost of
 * slower cells (compiling a cell is most of a small cell's time).
 */
export const NODE_HEAP_FLAGS = ["--max-semi-space-size=2", "--max-old-space-size=384", "--optimize-for-size"];

/** argv runs this package's bin with the Node that runs the installer. */
export function kernelSpec(): KernelSpec {
  const bin = path.resolve(__dirname, "..", "..", "bin", "chainlab.js");
  return {
    argv: [process.execPath, ...kernelNodeFlags(), ...NODE_HEAP_FLAGS, bin, "kernel", "start", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    env: {},
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data directory, as jupyter_core.paths.jupyter_data_dir() computes it. */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32")
    return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(process.env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** The active Python environment's prefix: the venv or conda env if one is active, else asks Python. */
export function sysPrefix(python?: string): string {
  if (!python) {
    const active = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX;
    if (active) return path.resolve(active);
  }
  const exe = python ?? (process.platform === "win32" ? "python" : "python3");
  try {
    return execFileSync(exe, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  } catch {
    throw new ChainlabError(
      "kernel install",
      `--sys-prefix needs a Python to ask for sys.prefix; '${exe}' did not run. Use --prefix <dir> instead`,
    );
  }
}

export function kernelsDir(target: InstallTarget): string {
  switch (target.kind) {
    case "user":
      return path.join(userDataDir(), "kernels");
    case "sys-prefix":
      return path.join(sysPrefix(target.python), "share", "jupyter", "kernels");
    case "prefix":
      return path.join(path.resolve(target.prefix), "share", "jupyter", "kernels");
  }
}

/** Writes kernel.json (replacing an older one) and returns the kernelspec folder. */
export function installKernelSpec(target: InstallTarget, name = KERNEL_NAME, spec: KernelSpec = kernelSpec()): string {
  if (!/^[a-z0-9._-]+$/i.test(name))
    throw new ChainlabError(
      "kernel install",
      `kernel name '${name}' may only contain letters, digits, '.', '_' and '-'`,
    );
  const dir = path.join(kernelsDir(target), name.toLowerCase());
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  return dir;
}
