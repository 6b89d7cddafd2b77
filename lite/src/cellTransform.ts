/**
 * lite/src/: the JupyterLite kernel "TypeScript (chainlab, in the browser)": the page-side kernel
 * (kernel.ts, plugin.ts), the Web Worker that runs cells (worker.ts) and this cell rewriter.
 * Nothing here runs in Node at notebook time; the library itself comes from kernel/src unchanged.
 *
 * This file: one notebook cell (TypeScript) -> the body of an async function whose top-level
 * declarations and imports land on the worker's global object, so that `const W` of cell 1 is
 * visible in cell 5 and re-running a cell that redeclares works, as in tslab. Types are stripped
 * by sucrase (line numbers kept); top-level statements are found with acorn and rewritten in
 * place so every line of the output is the same line of the cell (for tracebacks).
 */
import { parse } from "acorn";
import { transform } from "sucrase";

interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

export interface TransformedCell {
  /** Body of `async function (__cl) { ... }`; line N is line N of the cell. */
  body: string;
  /** Names the cell declares at top level (become globals). */
  names: string[];
  /** Module specifiers imported, in order. */
  imports: string[];
  /** True when the last statement is an expression whose value is returned. */
  returnsValue: boolean;
}

/** A syntax error in the cell, with its 1-based line and column in the cell. */
export class CellSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

/** The identifiers bound by a declaration pattern (`{ a, b: [c, ...d] = e }` -> a, c, d). */
function boundNames(pattern: AstNode, out: string[] = []): string[] {
  switch (pattern.type) {
    case "Identifier":
      out.push(pattern.name as string);
      break;
    case "ObjectPattern":
      for (const p of pattern.properties as AstNode[])
        boundNames(p.type === "RestElement" ? (p.argument as AstNode) : (p.value as AstNode), out);
      break;
    case "ArrayPattern":
      for (const e of pattern.elements as (AstNode | null)[]) if (e) boundNames(e, out);
      break;
    case "RestElement":
      boundNames(pattern.argument as AstNode, out);
      break;
    case "AssignmentPattern":
      boundNames(pattern.left as AstNode, out);
      break;
  }
  return out;
}

/** `replacement` padded with the newlines of `original` it dropped, so later lines keep their numbers. */
function keepLines(original: string, replacement: string): string {
  const missing = (original.match(/\n/g) ?? []).length - (replacement.match(/\n/g) ?? []).length;
  return missing > 0 ? replacement + "\n".repeat(missing) : replacement;
}

/**
 * Imports are kept even when this cell does not use them (TypeScript would drop them): later
 * cells use names imported in an earlier one, as in tslab.
 */
function stripTypes(code: string): string {
  try {
    return transform(code, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const loc = err.loc ?? { line: 1, column: 0 };
    throw new CellSyntaxError(err.message.replace(/\s*\(\d+:\d+\)$/, ""), loc.line, loc.column + 1);
  }
}

/** Rewrites one cell; throws CellSyntaxError for code that does not parse. */
export function transformCell(code: string): TransformedCell {
  const js = stripTypes(code);
  let program: AstNode;
  try {
    program = parse(js, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowAwaitOutsideFunction: true,
      locations: true,
    }) as unknown as AstNode;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const loc = err.loc ?? { line: 1, column: 0 };
    throw new CellSyntaxError(err.message.replace(/\s*\(\d+:\d+\)$/, ""), loc.line, loc.column + 1);
  }
  const src = (n: AstNode) => js.slice(n.start, n.end);
  const edits: { start: number; end: number; text: string }[] = [];
  const names: string[] = [];
  const imports: string[] = [];
  const body = program.body as AstNode[];
  let returnsValue = false;

  const declare = (decl: AstNode, start: number, end: number) => {
    if (decl.type === "VariableDeclaration") {
      const parts = (decl.declarations as AstNode[]).map((d) => {
        const id = d.id as AstNode;
        names.push(...boundNames(id));
        const target = id.type === "Identifier" ? src(id) : src(id);
        return `${target} = ${d.init ? src(d.init as AstNode) : "undefined"}`;
      });
      edits.push({ start, end, text: keepLines(js.slice(start, end), `;(${parts.join(", ")});`) });
    } else if (decl.type === "FunctionDeclaration") {
      // Kept as a declaration (hoisted within the cell) and copied to the global object.
      const name = (decl.id as AstNode).name as string;
      names.push(name);
      edits.push({
        start,
        end,
        text: `${js.slice(decl.start, decl.end)};globalThis[${JSON.stringify(name)}] = ${name};`,
      });
    } else if (decl.type === "ClassDeclaration") {
      const name = (decl.id as AstNode).name as string;
      names.push(name);
      edits.push({ start, end, text: `${name} = ${js.slice(decl.start, decl.end)};` });
    }
  };

  body.forEach((stmt, i) => {
    switch (stmt.type) {
      case "ImportDeclaration": {
        const from = (stmt.source as AstNode).value as string;
        imports.push(from);
        const req = `__cl.require(${JSON.stringify(from)})`;
        const parts = (stmt.specifiers as AstNode[]).map((s) => {
          const local = (s.local as AstNode).name as string;
          names.push(local);
          if (s.type === "ImportNamespaceSpecifier") return `${local} = ${req}`;
          if (s.type === "ImportDefaultSpecifier") return `${local} = __cl.defaultOf(${req})`;
          const imported = s.imported as AstNode;
          const key = imported.type === "Identifier" ? (imported.name as string) : (imported.value as string);
          return `${local} = __cl.member(${req}, ${JSON.stringify(key)}, ${JSON.stringify(from)})`;
        });
        edits.push({
          start: stmt.start,
          end: stmt.end,
          text: keepLines(src(stmt), parts.length ? `;(${parts.join(", ")});` : `${req};`),
        });
        break;
      }
      case "ExportNamedDeclaration":
        if (stmt.declaration) declare(stmt.declaration as AstNode, stmt.start, stmt.end);
        else edits.push({ start: stmt.start, end: stmt.end, text: keepLines(src(stmt), "") });
        break;
      case "ExportDefaultDeclaration":
        edits.push({ start: stmt.start, end: (stmt.declaration as AstNode).start, text: "" });
        break;
      case "VariableDeclaration":
      case "FunctionDeclaration":
      case "ClassDeclaration":
        declare(stmt, stmt.start, stmt.end);
        break;
      case "ExpressionStatement":
        if (i === body.length - 1) {
          returnsValue = true;
          edits.push({ start: stmt.start, end: stmt.end, text: `return (${src(stmt.expression as AstNode)});` });
        }
        break;
    }
  });

  let out = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { body: out, names: [...new Set(names)], imports, returnsValue };
}
