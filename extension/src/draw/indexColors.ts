/**
 * Colour-codes summed indices inside TeX: every letter summed by a `\sum_{...}` of a formula is
 * wrapped, where it appears as a subscript, in `\color{var(--jp-...)}`, which MathJax passes to
 * CSS, so the colours follow the theme. The palette order matches the .cl-idx-N classes of the
 * term table, so k is the same colour in the formulas and in the numbers.
 */
export const INDEX_COLORS = [
  "var(--jp-brand-color1)",
  "var(--jp-warn-color1)",
  "var(--jp-success-color1)",
  "var(--jp-error-color1)",
  "var(--jp-info-color1)",
  "var(--jp-accent-color1)",
];

/** Assigns each index name a stable palette slot, in first-seen order. */
export class IndexPalette {
  private readonly slots = new Map<string, number>();
  constructor(first: readonly string[] = []) {
    first.forEach((name) => this.slot(name));
  }
  slot(name: string): number {
    if (!this.slots.has(name)) this.slots.set(name, this.slots.size);
    return this.slots.get(name)! % INDEX_COLORS.length;
  }
}

/** End (exclusive) of the brace group opening at `open`, or the string's end if unbalanced. */
function groupEnd(tex: string, open: number): number {
  let depth = 0;
  for (let i = open; i < tex.length; i++) {
    const c = tex[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return tex.length;
}

/** The subscript after `_` at `at`: a brace group or one token. Returns [start, end) of its body. */
function subscriptSpan(tex: string, at: number): [number, number, boolean] {
  let i = at + 1;
  while (tex[i] === " ") i++;
  if (tex[i] === "{") return [i + 1, groupEnd(tex, i) - 1, true];
  if (tex[i] === "\\") {
    let j = i + 1;
    while (j < tex.length && /[A-Za-z]/.test(tex[j])) j++;
    return [i, Math.max(j, i + 2), false];
  }
  return [i, Math.min(i + 1, tex.length), false];
}

/** Letters summed in this formula: those in the subscripts of \sum. */
export function summedLetters(tex: string): string[] {
  const out: string[] = [];
  const re = /\\sum\s*_/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(tex))) {
    const [s, e] = subscriptSpan(tex, m.index + m[0].length - 1);
    const body = tex.slice(s, e);
    // Skip command names (\in, \mathcal) and their arguments; keep single index letters.
    for (const letter of body.replace(/\\[A-Za-z]+(\{[^}]*\})?/g, " ").match(/[A-Za-z]/g) ?? [])
      if (!out.includes(letter)) out.push(letter);
  }
  return out;
}

/** Rewrites the index letters inside one subscript body. */
function colorBody(body: string, color: (letter: string) => string | null): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      // A command and, if one follows directly, its brace argument are copied untouched.
      let j = i + 1;
      while (j < body.length && /[A-Za-z]/.test(body[j])) j++;
      if (j === i + 1) j++;
      if (body[j] === "{") j = groupEnd(body, j);
      out += body.slice(i, j);
      i = j - 1;
    } else if (c === "{") {
      const end = groupEnd(body, i);
      out += `{${colorBody(body.slice(i + 1, end - 1), color)}}`;
      i = end - 1;
    } else if (/[A-Za-z]/.test(c) && color(c)) {
      out += `{\\color{${color(c)}}{${c}}}`;
    } else out += c;
  }
  return out;
}

/** The formula with its summed indices coloured wherever they are subscripts. */
export function colorSummedIndices(tex: string, palette: IndexPalette): string {
  const letters = summedLetters(tex);
  if (!letters.length) return tex;
  const color = (l: string) => (letters.includes(l) ? INDEX_COLORS[palette.slot(l)] : null);
  let out = "";
  for (let i = 0; i < tex.length; i++) {
    const c = tex[i];
    if (c === "\\") {
      let j = i + 1;
      while (j < tex.length && /[A-Za-z]/.test(tex[j])) j++;
      if (j === i + 1) j++;
      out += tex.slice(i, j);
      i = j - 1;
    } else if (c === "_") {
      const [s, e, braced] = subscriptSpan(tex, i);
      const body = colorBody(tex.slice(s, e), color);
      out += braced ? `_{${body}}` : `_{${body}}`;
      i = braced ? e : e - 1;
    } else out += c;
  }
  return out;
}
