import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ChainlabError } from "../errors";
import { installCommand } from "./installHint";
import { KERNEL_NAME } from "./kernelspec";

/**
 * `chainlab doctor`: the pre-flight check a course runs before students (or nbgrader) do.
 * Each check is real: module resolution the way tslab does it, Jupyter's own kernelspec and
 * labextension listings, and a one-cell notebook executed by nbconvert from the course folder.
 */

export type Level = "ok" | "warn" | "fail";
export interface Check {
  name: string;
  level: Level;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  folder: string;
  jupyter: string;
  run: boolean;
  kernelName: string;
}

function installHint(): string {
  return `${installCommand()}   (or a tarball from npm pack, or, once published, npm install chainlab)`;
}

export function checkResolution(folder: string): Check {
  const name = `chainlab resolves from ${folder}`;
  let pkgJson: string;
  try {
    pkgJson = require.resolve("chainlab/package.json", { paths: [folder] });
  } catch {
    return {
      name,
      level: "fail",
      detail:
        "no node_modules/chainlab in this folder or any ancestor: every import in a notebook here fails " +
        "(under nbgrader autograde every graded cell scores 0)",
      fix: `cd ${folder} && ${installHint()}`,
    };
  }
  const dir = path.dirname(pkgJson);
  const pkg = JSON.parse(fs.readFileSync(pkgJson, "utf8")) as { version?: string; types?: string; main?: string };
  const missing = [pkg.main ?? "lib/index.js", pkg.types ?? "lib/index.d.ts"].filter(
    (f) => !fs.existsSync(path.join(dir, f)),
  );
  if (missing.length > 0) {
    return {
      name,
      level: "fail",
      detail: `${dir} lacks ${missing.join(", ")} (not built?)`,
      fix: `cd ${dir} && npm run build`,
    };
  }
  return { name, level: "ok", detail: `chainlab ${pkg.version} at ${dir}` };
}

// Generous: on a loaded 2-core machine a 30 s limit once cut off `jupyter labextension list`.
function runJupyter(jupyter: string, args: string[], cwd?: string, timeoutMs = 180_000) {
  const r = spawnSync(jupyter, args, { encoding: "utf8", cwd, timeout: timeoutMs });
  return { ok: r.status === 0 && !r.error, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

export function checkKernelspec(jupyter: string, kernelName: string): Check {
  const name = `kernelspec '${kernelName}'`;
  const r = runJupyter(jupyter, ["kernelspec", "list", "--json"]);
  if (!r.ok) {
    return {
      name,
      level: "fail",
      detail: `'${jupyter} kernelspec list' did not run: ${r.error?.message ?? r.out.trim()}`,
      fix: "activate the Python environment that runs Jupyter, or pass --jupyter /path/to/jupyter",
    };
  }
  const specs = (
    JSON.parse(r.out.slice(r.out.indexOf("{"))) as {
      kernelspecs: Record<string, { resource_dir: string; spec: { argv: string[] } }>;
    }
  ).kernelspecs;
  const found = specs[kernelName];
  if (!found) {
    return {
      name,
      level: "fail",
      detail: `not installed (found: ${Object.keys(specs).sort().join(", ") || "none"})`,
      fix: "npx chainlab kernel install --sys-prefix   (or --user, or --prefix /usr/local for all users)",
    };
  }
  // node, its flags, then chainlab's bin: every absolute path in argv must exist.
  const paths = found.spec.argv.filter((p) => path.isAbsolute(p));
  const gone = paths.filter((p) => !fs.existsSync(p));
  if (gone.length > 0) {
    return {
      name,
      level: "fail",
      detail: `${found.resource_dir}/kernel.json points at missing ${gone.join(", ")}`,
      fix: "reinstall it: npx chainlab kernel install (with the same --user/--sys-prefix/--prefix)",
    };
  }
  return { name, level: "ok", detail: `${found.resource_dir} runs ${paths.join(" ")}` };
}

export function checkExtension(jupyter: string): Check {
  const name = "JupyterLab extension chainlab-jupyterlab";
  const r = runJupyter(jupyter, ["labextension", "list"]);
  if (r.error)
    return { name, level: "warn", detail: `'${jupyter} labextension list' did not finish: ${r.error.message}` };
  const line = r.out.split("\n").find((l) => l.includes("chainlab-jupyterlab"));
  if (line && /enabled/.test(line) && /OK/.test(line)) return { name, level: "ok", detail: line.trim() };
  // Graders (nbgrader) need no extension: the static fallbacks are saved anyway.
  return {
    name,
    level: "warn",
    detail: line ? line.trim() : "not installed: diagrams show their static fallbacks only",
    fix: "pip install chainlab-jupyterlab   (before publication: pip install chainlab_jupyterlab-*.whl)",
  };
}

/** A one-cell notebook run by nbconvert in a scratch folder inside `folder`, as autograde runs it. */
export function checkNotebookRuns(jupyter: string, folder: string, kernelName: string): Check {
  const name = "a notebook in this folder runs with the chainlab kernel";
  let scratch: string;
  try {
    scratch = fs.mkdtempSync(path.join(folder, ".chainlab-doctor-"));
  } catch (e) {
    return { name, level: "fail", detail: `cannot write in ${folder}: ${(e as Error).message}` };
  }
  const source =
    'import { tensor } from "chainlab";\nconst x = tensor([1, 2, 3], { requiresGrad: true });\n' +
    "x.square().sum().backward();\nconsole.log(`doctor-grad ${String(x.grad!.toArray())}`);";
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernelName, display_name: "TypeScript (chainlab)", language: "typescript" } },
    cells: [{ cell_type: "code", id: "doctor", metadata: {}, execution_count: null, outputs: [], source }],
  };
  const file = path.join(scratch, "doctor.ipynb");
  try {
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = runJupyter(
      jupyter,
      [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--inplace",
        "--allow-errors",
        `--ExecutePreprocessor.kernel_name=${kernelName}`,
        "--ExecutePreprocessor.timeout=120",
        file,
      ],
      scratch,
      180_000,
    );
    if (!r.ok) {
      const why = r.error?.message ?? r.out.trim().split("\n").slice(-3).join(" | ");
      return { name, level: "fail", detail: `nbconvert failed: ${why}` };
    }
    const out = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { outputs: Record<string, unknown>[] }[] };
    const outputs = out.cells[0].outputs;
    const text = outputs.map((o) => (o.output_type === "stream" ? String(o.text) : "")).join("");
    const error = outputs.find((o) => o.output_type === "error");
    if (text.includes("doctor-grad 2,4,6")) return { name, level: "ok", detail: "d(sum x²)/dx = 2,4,6 computed" };
    return {
      name,
      level: "fail",
      detail: error ? `${String(error.ename)}: ${String(error.evalue)}` : `unexpected output ${JSON.stringify(text)}`,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export function runDoctor(opts: DoctorOptions): Check[] {
  const checks = [
    checkResolution(opts.folder),
    checkKernelspec(opts.jupyter, opts.kernelName),
    checkExtension(opts.jupyter),
  ];
  if (opts.run) {
    const blocked = checks.slice(0, 2).some((c) => c.level === "fail");
    checks.push(
      blocked
        ? {
            name: "a notebook in this folder runs with the chainlab kernel",
            level: "fail",
            detail: "skipped: fix the failures above first",
          }
        : checkNotebookRuns(opts.jupyter, opts.folder, opts.kernelName),
    );
  }
  return checks;
}

export function parseDoctor(args: readonly string[]): DoctorOptions {
  const opts: DoctorOptions = { folder: process.cwd(), jupyter: "jupyter", run: true, kernelName: KERNEL_NAME };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new ChainlabError("doctor", `${a} needs a value`);
      return v;
    };
    if (a === "--folder") opts.folder = path.resolve(value());
    // A path (not a bare command name) is made absolute: the notebook check runs in another folder.
    else if (a === "--jupyter") opts.jupyter = value().includes(path.sep) ? path.resolve(args[i]) : args[i];
    else if (a === "--name") opts.kernelName = value();
    else if (a === "--no-run") opts.run = false;
    else throw new ChainlabError("doctor", `unknown option '${a}'`);
  }
  if (!fs.existsSync(opts.folder)) throw new ChainlabError("doctor", `folder ${opts.folder} does not exist`);
  return opts;
}

/** Prints the report; returns the exit code (1 when any check failed). */
export function doctor(args: readonly string[]): number {
  const checks = runDoctor(parseDoctor(args));
  const mark: Record<Level, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };
  for (const c of checks) {
    console.log(`${mark[c.level]} ${c.name}: ${c.detail}`);
    if (c.fix && c.level !== "ok") console.log(`     fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.level === "fail").length;
  console.log(failed ? `${failed} check(s) failed${os.EOL}` : "all checks passed");
  return failed ? 1 : 0;
}
