/**
 * The TeX mistakes MathJax shows as a yellow error box instead of a formula: unbalanced braces and
 * a second subscript or superscript on one base (`\star_{W}_{s=2}`, "Double subscripts: use braces
 * to clarify"). Not a TeX parser: enough to catch what a template string can get wrong.
 */
export function texErrors(tex: string): string[] {
  const errors: string[] = [];
  let depth = 0;
  for (const ch of tex.replace(/\\[{}]/g, "")) {
    if (ch === "{") depth++;
    else if (ch === "}" && --depth < 0) errors.push("a '}' closes nothing");
  }
  if (depth > 0) errors.push(`${depth} '{' never closed`);
  // After `_x` / `_{...}` / `_\cmd` (and any spaces), the same script again is a double script.
  for (let i = 0; i < tex.length; i++) {
    const c = tex[i];
    if ((c !== "_" && c !== "^") || tex[i - 1] === "\\") continue;
    let j = skipArgument(tex, i + 1);
    let other = false;
    for (;;) {
      while (tex[j] === " ") j++;
      if (tex[j] === c) {
        errors.push(
          `double ${c === "_" ? "subscript" : "superscript"} at ${i}: ${tex.slice(Math.max(0, i - 12), j + 8)}`,
        );
        break;
      }
      // x_a^b_c is a double subscript too; x_a^b is fine.
      if (!other && (tex[j] === "_" || tex[j] === "^")) {
        other = true;
        j = skipArgument(tex, j + 1);
        continue;
      }
      break;
    }
  }
  return errors;
}

function skipArgument(tex: string, i: number): number {
  while (tex[i] === " ") i++;
  if (tex[i] === "{") {
    let depth = 0;
    for (; i < tex.length; i++) {
      if (tex[i] === "\\") i++;
      else if (tex[i] === "{") depth++;
      else if (tex[i] === "}" && --depth === 0) return i + 1;
    }
    return i;
  }
  if (tex[i] === "\\") {
    i++;
    if (/[a-zA-Z]/.test(tex[i] ?? "")) while (/[a-zA-Z]/.test(tex[i] ?? "")) i++;
    else i++;
    return i;
  }
  return i + 1;
}
