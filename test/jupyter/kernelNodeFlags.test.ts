import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { kernelNodeFlags, kernelSpec } from "../../kernel/src/jupyter/kernelspec";
import { gemmRelaxed } from "../../kernel/src/tensor/kernels/wasmModules";

describe("the kernel's Node flags enable the relaxed-SIMD matmul kernels", () => {
  it("passes --experimental-wasm-relaxed-simd only to V8 before 11.4", () => {
    expect(kernelNodeFlags("11.3.244.8-node.38")).toEqual(["--experimental-wasm-relaxed-simd"]);
    expect(kernelNodeFlags("12.4.254.21-node.33")).toEqual([]);
    // node's own options come before the script (bin/chainlab.js)
    const argv = kernelSpec().argv;
    const script = argv.findIndex((a) => a.endsWith("chainlab.js"));
    for (const flag of kernelNodeFlags()) expect(argv.indexOf(flag)).toBeGreaterThan(0);
    for (const flag of kernelNodeFlags()) expect(argv.indexOf(flag)).toBeLessThan(script);
  });
  it("with those flags this Node validates the relaxed-SIMD module", () => {
    const code =
      "const b = Buffer.from(require('fs').readFileSync(0, 'utf8'), 'base64'); process.stdout.write(String(WebAssembly.validate(b)))";
    const r = spawnSync(process.execPath, [...kernelNodeFlags(), "-e", code], { input: gemmRelaxed, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true");
  });
});
