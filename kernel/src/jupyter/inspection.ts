/**
 * Shift+Tab (inspect_request) shows what is under the cursor; inside a call's parentheses,
 * `f(x, |`, that is nothing, so ipykernel and this kernel show the called function's
 * signature and documentation instead. Pure text logic, no Node built-ins.
 */

export interface InspectRequest {
  code: string;
  cursor_pos: number;
  detail_level?: number;
}

export interface InspectContent {
  status: string;
  found: boolean;
  data: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/**
 * Offset of the last character of the callee of the innermost call still open at `cursor`
 * (`tensor.matmul(a, f(b), |` -> the `l` of matmul), or -1. Strings and comments are skipped
 * well enough for a single cell.
 */
export function openCallee(code: string, cursor: number): number {
  let depth = 0;
  for (let i = Math.min(cursor, code.length) - 1; i >= 0; i--) {
    const c = code[i];
    if (c === ")" || c === "]" || c === "}") depth++;
    else if (c === "(" || c === "[" || c === "{") {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (c !== "(") return -1;
      let j = i - 1;
      while (j >= 0 && /\s/.test(code[j])) j--;
      // `<T>(` generic call: skip the type arguments.
      if (code[j] === ">") {
        let angle = 0;
        for (; j >= 0; j--) {
          if (code[j] === ">") angle++;
          else if (code[j] === "<" && --angle === 0) break;
        }
        j--;
      }
      return j >= 0 && /[\w$]/.test(code[j]) ? j : -1;
    } else if (c === "\n" && depth === 0 && /;\s*$/.test(code.slice(0, i))) {
      return -1; // a new statement began: no call is open
    }
  }
  return -1;
}

/** The reply for a request, asking `inspectAt` (tslab's quick info) at the cursor, then at the open call. */
export function inspectReply(
  req: InspectRequest,
  inspectAt: (code: string, pos: number) => InspectContent,
): InspectContent {
  const here = inspectAt(req.code, req.cursor_pos);
  if (here.found) return { ...here, metadata: here.metadata ?? {} };
  const callee = openCallee(req.code, req.cursor_pos);
  if (callee >= 0) {
    const call = inspectAt(req.code, callee);
    if (call.found) return { ...call, metadata: call.metadata ?? {} };
  }
  return { status: "ok", found: false, data: {}, metadata: {} };
}
