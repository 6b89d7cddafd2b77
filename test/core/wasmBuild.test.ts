import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
// @ts-expect-error: a plain .mjs build script without type declarations
import { generate, outFile } from "../../kernel/scripts/build-wasm.mjs";

describe("WebAssembly kernels are built from their .wat source", () => {
  // The library carries the bytes in wasmModules.ts; assembling kernel/wasm/*.wat again with
  // wabt must give exactly the committed file (deterministic build, nothing edited by hand).
  it("assembling kernel/wasm/*.wat reproduces the committed wasmModules.ts byte for byte", async () => {
    const committed = fs.readFileSync(outFile, "utf8");
    expect(await generate()).toBe(committed);
    expect(await generate()).toBe(committed);
  });
  it("every .wat file is assembled into the module file", () => {
    const wats = fs
      .readdirSync(path.join(path.dirname(outFile), "../../../wasm"))
      .filter((f: string) => f.endsWith(".wat"));
    const text = fs.readFileSync(outFile, "utf8");
    expect(wats.length).toBeGreaterThanOrEqual(2);
    for (const f of wats) expect(text).toContain(`/** ${f} (`);
  });
});
