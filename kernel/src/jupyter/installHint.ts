import * as path from "path";

/**
 * The `npm install` command that gives a folder the chainlab the running kernel comes from, used by
 * the "Cannot find module" hint and `chainlab doctor`. A folder install works before publication
 * (npm links it); the registry name is only offered as the alternative.
 */

/** This package's own folder (kernel/ in the repository, node_modules/chainlab when installed). */
export const PACKAGE_DIR = path.resolve(__dirname, "..", "..");

export function installCommand(module = "chainlab"): string {
  if (module !== "chainlab") return `npm install ${module}`;
  return `npm install ${PACKAGE_DIR}`;
}
