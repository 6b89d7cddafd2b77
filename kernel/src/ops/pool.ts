/**
 * 2-D pooling over NCHW windows (attrs: kernelSize, stride, padding as [h, w] pairs).
 * maxPool2d routes each window's gradient to its first maximum (PyTorch's choice; padding
 * never wins); its rule is maxPool2dBack(x, g), whose own rule picks g at those positions
 * (maxPool2dPick), so the three are closed under vjp. avgPool2d divides by the full window
 * (PyTorch's count_include_pad default); its rule is avgPool2dBack, a spread of g / (kh kw).
 */
import type { Attrs, IndexContext, OpDef, RuleContext, Algebra } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { alloc } from "../tensor/storage";
import { E, type IndexExpr } from "./IndexExpr";
import { rngOf, uniform } from "./samples";
import { convOutSize } from "./conv";

interface PoolAttrs {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}
const poolAttrs = (a: Attrs): PoolAttrs => a as unknown as PoolAttrs;

interface PoolGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}
function geometry(xShape: readonly number[], a: PoolAttrs): PoolGeometry {
  const [N, C, H, W] = xShape;
  const [kh, kw] = a.kernelSize,
    [sh, sw] = a.stride,
    [ph, pw] = a.padding;
  return { N, C, H, W, kh, kw, sh, sw, ph, pw, Ho: convOutSize(H, kh, sh, ph, 1), Wo: convOutSize(W, kw, sw, pw, 1) };
}
const outShapeOf = (x: readonly number[], a: PoolAttrs): number[] => {
  const g = geometry(x, a);
  return [g.N, g.C, g.Ho, g.Wo];
};

/**
 * The one window walk of max and average pooling: visits each output position t (NCHW order)
 * with the flat input offsets of its window's cells inside the input, row-major (a padded
 * position has no cell), in cells[0 .. count).
 */
function forEachWindow(g: PoolGeometry, visit: (t: number, cells: Int32Array, count: number) => void): void {
  const cells = new Int32Array(g.kh * g.kw);
  let t = 0;
  for (let nc = 0; nc < g.N * g.C; nc++) {
    const base = nc * g.H * g.W;
    for (let i = 0; i < g.Ho; i++) {
      for (let j = 0; j < g.Wo; j++, t++) {
        let count = 0;
        for (let p = 0; p < g.kh; p++) {
          const h = i * g.sh + p - g.ph;
          if (h < 0 || h >= g.H) continue;
          for (let q = 0; q < g.kw; q++) {
            const w = j * g.sw + q - g.pw;
            if (w >= 0 && w < g.W) cells[count++] = base + h * g.W + w;
          }
        }
        visit(t, cells, count);
      }
    }
  }
}

/** For each output position, the flat input index of its window's first maximum (a NaN wins: it propagates). */
function argmaxes(x: ArrayLike<number>, g: PoolGeometry): Int32Array {
  const res = new Int32Array(g.N * g.C * g.Ho * g.Wo);
  forEachWindow(g, (t, cells, count) => {
    let at = cells[0];
    let best = x[at];
    for (let k = 1; k < count && best === best; k++) {
      const v = x[cells[k]];
      if (v > best || v !== v) {
        best = v;
        at = cells[k];
      }
    }
    res[t] = at;
  });
  return res;
}

// ---- index rules ----
const ix = E.idx;
function fresh(base: string, used: Set<string>): string {
  let s = base;
  while (used.has(s)) s += "'";
  used.add(s);
  return s;
}
const win = (i: string, p: string, s: number, pad: number): IndexExpr =>
  E.add(E.mul(E.num(s), ix(i)), ix(p), E.num(-pad));

/**
 * d y[n,c,i,j] / d x[n',c',h,w] for max pooling: x[h,w] lies in window (i,j) and no entry of
 * that window is larger: sum_p sum_q delta(h, s i + p - pad) delta(w, ...) [no x' > x[h,w]].
 * (A reference into the padding reads NaN, which compares false: padding never wins.)
 */
function maxPartial(y: string[], x: string[], xArg: number, g: PoolGeometry, used: Set<string>): IndexExpr {
  const [n, c, i, j] = y,
    [n2, c2, h, w] = x;
  const p = fresh("p", used),
    q = fresh("q", used),
    p2 = fresh("p", used),
    q2 = fresh("q", used);
  const here = E.inp(xArg, [ix(n2), ix(c2), ix(h), ix(w)]);
  const larger = E.sum(
    p2,
    g.kh,
    E.sum(q2, g.kw, E.cmp("gt", E.inp(xArg, [ix(n2), ix(c2), win(i, p2, g.sh, g.ph), win(j, q2, g.sw, g.pw)]), here)),
  );
  const inWindow = E.sum(
    p,
    g.kh,
    E.sum(q, g.kw, E.mul(E.delta(ix(h), win(i, p, g.sh, g.ph)), E.delta(ix(w), win(j, q, g.sw, g.pw)))),
  );
  return E.mul(E.delta(ix(n), ix(n2)), E.delta(ix(c), ix(c2)), inWindow, E.cmp("eq", larger, E.num(0)));
}
function avgPartial(y: string[], x: string[], g: PoolGeometry, used: Set<string>): IndexExpr {
  const [n, c, i, j] = y,
    [n2, c2, h, w] = x;
  const p = fresh("p", used),
    q = fresh("q", used);
  const inWindow = E.sum(
    p,
    g.kh,
    E.sum(q, g.kw, E.mul(E.delta(ix(h), win(i, p, g.sh, g.ph)), E.delta(ix(w), win(j, q, g.sw, g.pw)))),
  );
  return E.mul(E.delta(ix(n), ix(n2)), E.delta(ix(c), ix(c2)), E.num(1 / (g.kh * g.kw)), inWindow);
}
const used = (c: IndexContext) => new Set([...c.J, ...c.I]);

const pair = (v: [number, number]): string => (v[0] === v[1] ? String(v[0]) : `${v[0]}x${v[1]}`);
function label(a: PoolAttrs): string {
  const parts = [pair(a.kernelSize)];
  if (a.stride[0] !== a.kernelSize[0] || a.stride[1] !== a.kernelSize[1]) parts.push(`s=${pair(a.stride)}`);
  if (a.padding[0] !== 0 || a.padding[1] !== 0) parts.push(`p=${pair(a.padding)}`);
  return parts.join(", ");
}
const show = (attrs: Attrs): Record<string, string> => {
  const a = poolAttrs(attrs);
  return {
    kernelSize: JSON.stringify(a.kernelSize),
    stride: JSON.stringify(a.stride),
    padding: JSON.stringify(a.padding),
  };
};
function cases(): { x: number[]; a: PoolAttrs }[] {
  return [
    { x: [1, 1, 4, 4], a: { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] } },
    { x: [2, 2, 5, 4], a: { kernelSize: [3, 2], stride: [1, 2], padding: [1, 0] } },
    { x: [1, 2, 5, 5], a: { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] } },
  ];
}
function samplesWith(
  extra: (x: number[], a: PoolAttrs, rng: ReturnType<typeof rngOf>) => Tensor[],
  attrsOf: (x: number[], a: PoolAttrs) => Attrs,
) {
  return (seed: number) => {
    const rng = rngOf(seed);
    return cases().map(({ x, a }) => ({
      inputs: extra(x, a, rng),
      attrs: attrsOf(x, a),
      label: `${JSON.stringify(x)} ${label(a)}`,
    }));
  };
}

export const maxPool2d: OpDef = {
  name: "maxPool2d",
  family: "pool",
  smooth: false,
  forward([x], attrs) {
    const g = geometry(x.shape, poolAttrs(attrs));
    const am = argmaxes(x.data, g);
    const out = alloc(am.length, x.dtype);
    for (let t = 0; t < am.length; t++) out[t] = x.data[am[t]];
    return { data: out, shape: outShapeOf(x.shape, poolAttrs(attrs)) };
  },
  shape: ([x], attrs) => outShapeOf(x, poolAttrs(attrs)),
  vjp: <T>(g: T, c: RuleContext<T>, A: Algebra<T>) => [A.call("maxPool2dBack", [c.inputs[0], g], c.attrs)],
  index: (c) => maxPartial(c.J, c.I, 0, geometry(c.shapes[0], poolAttrs(c.attrs)), used(c)),
  latex: ([x], attrs) => `\\operatorname{maxpool}_{${label(poolAttrs(attrs))}}(${x})`,
  text: ([x], attrs) => `maxPool2d(${x}, ${label(poolAttrs(attrs))})`,
  showAttrs: show,
  samples: samplesWith(
    (x, _a, rng) => [uniform(x, rng)],
    (_x, a) => a as unknown as Attrs,
  ),
};

/** zeros like x with g added at each window's first maximum (max pooling's input gradient). */
export const maxPool2dBack: OpDef = {
  name: "maxPool2dBack",
  family: "pool",
  smooth: false,
  nondiff: [0],
  forward([x, gy], attrs) {
    const am = argmaxes(x.data, geometry(x.shape, poolAttrs(attrs)));
    const out = alloc(x.size, gy.dtype);
    for (let t = 0; t < am.length; t++) out[am[t]] += gy.data[t];
    return { data: out, shape: x.shape.slice() };
  },
  shape: ([x]) => x.slice(),
  vjp: <T>(h: T, c: RuleContext<T>, A: Algebra<T>) => [null, A.call("maxPool2dPick", [c.inputs[0], h], c.attrs)],
  index: (c) => maxPartial(c.I, c.J, 0, geometry(c.shapes[0], poolAttrs(c.attrs)), used(c)),
  latex: ([x, gy]) => `\\operatorname{maxpool}^{\\top}_{${x}}(${gy})`,
  text: ([x, gy]) => `maxPool2dBack(${x}, ${gy})`,
  showAttrs: show,
  samples: samplesWith(
    (x, a, rng) => [uniform(x, rng), uniform(outShapeOf(x, a), rng)],
    (_x, a) => a as unknown as Attrs,
  ),
};

/** h read at each window's first maximum of x (the adjoint of maxPool2dBack in g). */
export const maxPool2dPick: OpDef = {
  name: "maxPool2dPick",
  family: "pool",
  smooth: false,
  nondiff: [0],
  forward([x, h], attrs) {
    const am = argmaxes(x.data, geometry(x.shape, poolAttrs(attrs)));
    const out = alloc(am.length, h.dtype);
    for (let t = 0; t < am.length; t++) out[t] = h.data[am[t]];
    return { data: out, shape: outShapeOf(x.shape, poolAttrs(attrs)) };
  },
  shape: ([x], attrs) => outShapeOf(x, poolAttrs(attrs)),
  vjp: <T>(g: T, c: RuleContext<T>, A: Algebra<T>) => [null, A.call("maxPool2dBack", [c.inputs[0], g], c.attrs)],
  index: (c) => maxPartial(c.J, c.I, 0, geometry(c.shapes[0], poolAttrs(c.attrs)), used(c)),
  latex: ([x, h]) => `\\operatorname{pick}_{\\arg\\max ${x}}(${h})`,
  text: ([x, h]) => `maxPool2dPick(${x}, ${h})`,
  showAttrs: show,
  samples: samplesWith(
    (x, _a, rng) => [uniform(x, rng), uniform(x, rng)],
    (_x, a) => a as unknown as Attrs,
  ),
};

/** Average pooling's forward (mean over each window, padding counted as zeros). */
function avgForward(x: ArrayLike<number>, g: PoolGeometry, out: Float64Array | Float32Array): void {
  const scale = 1 / (g.kh * g.kw);
  forEachWindow(g, (t, cells, count) => {
    let s = 0;
    for (let k = 0; k < count; k++) s += x[cells[k]];
    out[t] = s * scale;
  });
}

/** Its adjoint: gy[t] / (kh kw) added onto every cell of window t. */
function avgBackward(gy: ArrayLike<number>, g: PoolGeometry, out: Float64Array | Float32Array): void {
  const scale = 1 / (g.kh * g.kw);
  forEachWindow(g, (t, cells, count) => {
    const v = gy[t] * scale;
    for (let k = 0; k < count; k++) out[cells[k]] += v;
  });
}

export const avgPool2d: OpDef = {
  name: "avgPool2d",
  family: "pool",
  smooth: true,
  forward([x], attrs) {
    const shape = outShapeOf(x.shape, poolAttrs(attrs));
    const out = alloc(
      shape.reduce((p, d) => p * d, 1),
      x.dtype,
    );
    avgForward(x.data, geometry(x.shape, poolAttrs(attrs)), out);
    return { data: out, shape };
  },
  shape: ([x], attrs) => outShapeOf(x, poolAttrs(attrs)),
  vjp: <T>(g: T, c: RuleContext<T>, A: Algebra<T>) => [
    A.call("avgPool2dBack", [g], { ...c.attrs, xShape: c.shapes[0].slice() }),
  ],
  index: (c) => avgPartial(c.J, c.I, geometry(c.shapes[0], poolAttrs(c.attrs)), used(c)),
  latex: ([x], attrs) => `\\operatorname{avgpool}_{${label(poolAttrs(attrs))}}(${x})`,
  text: ([x], attrs) => `avgPool2d(${x}, ${label(poolAttrs(attrs))})`,
  showAttrs: show,
  samples: samplesWith(
    (x, _a, rng) => [uniform(x, rng)],
    (_x, a) => a as unknown as Attrs,
  ),
};

/** g / (kh kw) spread over each window (average pooling's input gradient), shape attrs.xShape. */
export const avgPool2dBack: OpDef = {
  name: "avgPool2dBack",
  family: "pool",
  smooth: true,
  forward([gy], attrs) {
    const xShape = (attrs.xShape as number[]).slice();
    const out = alloc(
      xShape.reduce((p, d) => p * d, 1),
      gy.dtype,
    );
    avgBackward(gy.data, geometry(xShape, poolAttrs(attrs)), out);
    return { data: out, shape: xShape };
  },
  shape: (_s, attrs) => (attrs.xShape as number[]).slice(),
  vjp: <T>(h: T, c: RuleContext<T>, A: Algebra<T>) => {
    const { xShape: _x, ...pool } = c.attrs;
    return [A.call("avgPool2d", [h], pool)];
  },
  index: (c) => avgPartial(c.I, c.J, geometry(c.attrs.xShape as number[], poolAttrs(c.attrs)), used(c)),
  latex: ([gy], attrs) => `\\operatorname{avgpool}^{\\top}_{${label(poolAttrs(attrs))}}(${gy})`,
  text: ([gy]) => `avgPool2dBack(${gy})`,
  showAttrs: show,
  samples: samplesWith(
    (x, a, rng) => [uniform(outShapeOf(x, a), rng)],
    (x, a) => ({ ...a, xShape: x }) as unknown as Attrs,
  ),
};

export const poolOps: OpDef[] = [maxPool2d, maxPool2dBack, maxPool2dPick, avgPool2d, avgPool2dBack];
