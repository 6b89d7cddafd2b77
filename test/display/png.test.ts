/**
 * The fallbacks' PNG encoder (display/png.ts) against Node's own zlib and a PNG read back here:
 * compressed data must inflate to exactly the input, and the image must hold the given pixels.
 */
import { inflateRawSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { base64, deflateRaw, encodeIndexedPng, zlibDeflate } from "../../kernel/src/display/png";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe("deflate", () => {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.from([7])],
    ["runs", Uint8Array.from({ length: 70_000 }, (_, i) => Math.floor(i / 300) % 5)],
    ["random", Uint8Array.from({ length: 20_000 }, rng(1)).map((v) => v * 256)],
    ["all byte values and long matches", Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) % 256)],
  ];
  for (const [name, data] of cases) {
    it(`round-trips through node's zlib: ${name}`, () => {
      expect(Buffer.from(inflateRawSync(deflateRaw(data)))).toEqual(Buffer.from(data));
      expect(Buffer.from(inflateSync(zlibDeflate(data)))).toEqual(Buffer.from(data));
    });
  }
  it("compresses a smooth heatmap to a fraction of its size", () => {
    const data = Uint8Array.from({ length: 256 * 256 }, (_, i) => Math.floor(((i % 256) + Math.floor(i / 256)) / 4));
    expect(zlibDeflate(data).length).toBeLessThan(data.length / 10);
  });
});

describe("PNG", () => {
  it("writes a valid indexed PNG whose pixels read back", () => {
    const w = 5;
    const h = 3;
    const pixels = Uint8Array.from({ length: w * h }, (_, i) => i % 3);
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const png = Buffer.from(encodeIndexedPng(w, h, pixels, palette));
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    // Walk the chunks: IHDR, PLTE, IDAT, IEND with correct lengths.
    const types: string[] = [];
    let idat = Buffer.alloc(0);
    for (let o = 8; o < png.length;) {
      const len = png.readUInt32BE(o);
      const type = png.toString("ascii", o + 4, o + 8);
      types.push(type);
      if (type === "IHDR")
        expect([png.readUInt32BE(o + 8), png.readUInt32BE(o + 12), png[o + 16], png[o + 17]]).toEqual([w, h, 8, 3]);
      if (type === "PLTE") expect([...png.subarray(o + 8, o + 8 + len)]).toEqual(palette.flat());
      if (type === "IDAT") idat = Buffer.concat([idat, png.subarray(o + 8, o + 8 + len)]);
      o += len + 12;
    }
    expect(types).toEqual(["IHDR", "PLTE", "IDAT", "IEND"]);
    const raw = inflateSync(idat);
    for (let y = 0; y < h; y++) {
      expect(raw[y * (w + 1)]).toBe(0); // filter: none
      expect([...raw.subarray(y * (w + 1) + 1, (y + 1) * (w + 1))]).toEqual([...pixels.subarray(y * w, (y + 1) * w)]);
    }
  });
  it("base64 matches Node's", () => {
    for (const n of [0, 1, 2, 3, 4, 100]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
      expect(base64(b)).toBe(Buffer.from(b).toString("base64"));
    }
  });
});
