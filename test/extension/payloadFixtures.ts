/**
 * test/extension/: vitest + jsdom tests of the extension's pure draw functions and thin
 * renderers, run against every contract fixture in test/fixtures/payloads (handmade and the
 * kernel's real ones alike). No browser here (that is test/e2e) and no stand-ins for elkjs.
 */
import fs from "node:fs";
import path from "node:path";
import type { Checked } from "../../kernel/src/protocol/validate";

const DIR = path.resolve(__dirname, "../fixtures/payloads");

export interface Fixture {
  file: string;
  data: Record<string, unknown> & { kind: string };
}

export function fixtures(kind: "graph" | "heatmap" | "chain" | "plot"): Fixture[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({ file, data: JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) }))
    .filter((f) => f.data && f.data.kind === kind);
}

export function fixture(file: string): Fixture["data"] {
  return JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8"));
}

/** A fixture as the renderers see it: validated by its MIME type's checker (a bad one fails the test). */
export function validFixture<T>(file: string, check: (v: unknown) => Checked<T>): T {
  const checked = check(fixture(file));
  if (!checked.ok) throw new Error(`${file}: ${checked.error}`);
  return checked.payload;
}
