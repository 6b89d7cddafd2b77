import { ChainlabError } from "../errors";
import { installKernelSpec, KERNEL_NAME, type InstallTarget } from "./kernelspec";

/**
 * The `chainlab` command (kernel/bin/chainlab.js):
 *   chainlab kernel install [--user | --sys-prefix [--python P] | --prefix P] [--name N]
 *   chainlab kernel start <connection_file>      (what kernel.json runs)
 *   chainlab doctor [--folder DIR] [--jupyter CMD] [--name N] [--no-run]   (doctor.ts)
 */

const USAGE = `usage:
  chainlab kernel install [--user | --sys-prefix [--python PY] | --prefix DIR] [--name NAME]
      write the Jupyter kernelspec "TypeScript (chainlab)" (default: --user)
  chainlab kernel start CONNECTION_FILE
      run the kernel (Jupyter does this through kernel.json)
  chainlab doctor [--folder DIR] [--jupyter JUPYTER] [--name NAME] [--no-run]
      pre-flight for a course folder (default: this folder): chainlab resolves, the kernelspec
      and extension are installed, a notebook here runs with the kernel; exits 1 on a failure`;

export function main(args: readonly string[]): number {
  const [group, command, ...rest] = args;
  try {
    if (group === "kernel" && command === "install") {
      const dir = installKernelSpec(...parseInstall(rest));
      console.log(`Installed the chainlab kernelspec in ${dir}`);
      return 0;
    }
    if (group === "kernel" && command === "start") {
      const file = rest[0] === "--connection-file" || rest[0] === "-f" ? rest[1] : rest[0];
      if (!file) throw new ChainlabError("kernel start", "missing the connection file argument");
      // Loaded here, not at the top: install must not pay for loading TypeScript.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require("./startKernel") as typeof import("./startKernel")).startKernel(file);
      return -1;
    }
    if (group === "doctor") {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require("./doctor") as typeof import("./doctor")).doctor(args.slice(1));
    }
    if (group === undefined || group === "--help" || group === "-h" || command === "--help") {
      console.log(USAGE);
      return 0;
    }
    throw new ChainlabError("chainlab", `unknown command '${args.join(" ")}'`);
  } catch (e) {
    console.error(e instanceof ChainlabError ? e.message : e);
    if (e instanceof ChainlabError) console.error(USAGE);
    return 1;
  }
}

function parseInstall(args: readonly string[]): [InstallTarget, string] {
  let target: InstallTarget = { kind: "user" };
  let name = KERNEL_NAME;
  let python: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new ChainlabError("kernel install", `${a} needs a value`);
      return v;
    };
    if (a === "--user") target = { kind: "user" };
    else if (a === "--sys-prefix") target = { kind: "sys-prefix" };
    else if (a === "--prefix") target = { kind: "prefix", prefix: value() };
    else if (a.startsWith("--prefix=")) target = { kind: "prefix", prefix: a.slice("--prefix=".length) };
    else if (a === "--python") python = value();
    else if (a === "--name") name = value();
    else throw new ChainlabError("kernel install", `unknown option '${a}'`);
  }
  if (target.kind === "sys-prefix" && python) target = { kind: "sys-prefix", python };
  return [target, name];
}
