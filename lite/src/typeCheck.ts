/**
 * Type checking of notebook cells with the full TypeScript checker, as the tslab kernel does:
 * a cell with type errors is reported (cell line and column) and not run. Runs in its own worker
 * (checkerWorker.ts), loaded after the first cell, so the first cell does not wait for ~4 MB of
 * compiler; the cells that ran before it arrived are added unchecked, so later cells see them.
 *
 * Cells see the declarations of earlier cells the way tslab's do: each checked cell is a module
 * (`export { its names }` appended); its emitted declarations (.d.ts) become a global prelude
 * holding, per name, the latest cell's declaration, so re-running a cell that redeclares `const W`
 * replaces W instead of clashing, and `x = 5` on an earlier `let x` type-checks. Earlier cells'
 * imports are appended to the checked cell as imports (their text after the cell's last line, so
 * the cell's own lines and columns are unchanged).
 *
 * `ts` is passed in (the TypeScript module), so Node tests run this file with the same compiler.
 */
import type * as TS from "typescript";
import type { CompletionInfo } from "../../kernel/src/jupyter/completion";
import type { InspectContent } from "../../kernel/src/jupyter/inspection";
import type { CellDiagnostic } from "./messages";
import { WORKER_GLOBALS_DTS } from "./workerGlobals";

export type { CellDiagnostic };

/** Where the lib files live in the checker's in-memory file system (checkerFiles.mjs puts them there). */
export const LIB_DIR = "/lib/";

/**
 * Options as close to tslab's as a browser allows: the same target, lib and module resolution,
 * not strict (tslab is not); the worker's globals come from workerGlobals.ts instead of @types/node.
 */
function compilerOptions(ts: typeof TS): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmitOnError: false,
    declaration: true,
    emitDeclarationOnly: true,
    types: [],
  };
}

/**
 * Missing modules are left to the runtime, whose error names the module and says why (a Node
 * built-in, or not bundled); TypeScript's "Cannot find module" would say less.
 */
const LEFT_TO_RUNTIME = new Set([2307, 2792]);

interface ImportedName {
  /** `import { imported as local } from "from"`, `import local from`, `import * as local from`. */
  kind: "named" | "default" | "namespace";
  imported: string;
  from: string;
}

interface CommittedCell {
  /** The cell's emitted declarations: imports, and one statement text per declared name. */
  imports: string[];
  decls: { name: string; text: string }[];
}

export class CellTypeChecker {
  private readonly ts: typeof TS;
  private readonly files = new Map<string, { text: string; version: number }>();
  private readonly service: TS.LanguageService;
  private nextCell = 0;
  private readonly cells: CommittedCell[] = [];
  /** For each global name, the index in `cells` of the latest cell declaring it. */
  private readonly latestDecl = new Map<string, number>();
  /** Names earlier cells imported (latest import wins). */
  private readonly importedNames = new Map<string, ImportedName>();

  /** `libFiles`: path -> text (checkerFiles.mjs): the lib files under LIB_DIR and chainlab's declarations. */
  constructor(ts: typeof TS, libFiles: Record<string, string>) {
    this.ts = ts;
    for (const [name, text] of Object.entries(libFiles)) this.files.set(name, { text, version: 0 });
    const options = compilerOptions(ts);
    this.files.set(GLOBALS_FILE, { text: WORKER_GLOBALS_DTS, version: 0 });
    const roots = () => [...this.files.keys()].filter((f) => f === GLOBALS_FILE || isCellFile(f));
    const host: TS.LanguageServiceHost = {
      getScriptFileNames: roots,
      getScriptVersion: (f) => String(this.files.get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const file = this.files.get(f);
        return file ? ts.ScriptSnapshot.fromString(file.text) : undefined;
      },
      getCurrentDirectory: () => "/",
      getCompilationSettings: () => options,
      getDefaultLibFileName: () => `${LIB_DIR}lib.d.ts`,
      fileExists: (f) => this.files.has(f),
      readFile: (f) => this.files.get(f)?.text,
      directoryExists: (d) => {
        const dir = d.endsWith("/") ? d : `${d}/`;
        for (const f of this.files.keys()) if (f.startsWith(dir)) return true;
        return false;
      },
      getDirectories: () => [],
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /**
   * Checks one cell against the cells before it. With no errors, the cell's declarations are kept
   * for the cells after it; with errors, nothing is kept (the cell does not run).
   */
  check(code: string): CellDiagnostic[] {
    const file = this.writeCell(code);
    const sf = this.service.getProgram()!.getSourceFile(file)!;
    // Syntax errors are left to the runtime, which reports them as SyntaxError at their line.
    if (this.service.getSyntacticDiagnostics(file).length > 0) {
      this.files.delete(file);
      return [];
    }
    const diagnostics = this.service
      .getSemanticDiagnostics(file)
      .filter((d) => d.category === this.ts.DiagnosticCategory.Error && !LEFT_TO_RUNTIME.has(d.code));
    const inCell = diagnostics
      .filter((d) => (d.start ?? 0) <= code.length)
      .map((d) => {
        const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
        return {
          line: line + 1,
          column: character + 1,
          code: d.code,
          message: this.ts.flattenDiagnosticMessageText(d.messageText, "\n"),
        };
      });
    if (inCell.length === 0) this.keep(file, code);
    else this.files.delete(file);
    return inCell;
  }

  /**
   * TypeScript's completions at `pos` (a UTF-16 offset) in a cell being typed, in tslab's shape
   * (the identifier typed so far is replaced); the cell is not kept. Ranking and hiding of
   * internals are the tslab kernel's (kernel/src/jupyter/completion.ts).
   */
  complete(code: string, pos: number): CompletionInfo {
    let start = pos;
    while (start > 0 && /[\w$#]/.test(code[start - 1]!)) start--;
    const typed = code.slice(start, pos).toLowerCase();
    const file = this.writeCell(code);
    try {
      const info = this.service.getCompletionsAtPosition(file, pos, {});
      const entries = (info?.entries ?? [])
        .filter((e) => e.name.toLowerCase().startsWith(typed))
        .map((e) => ({ name: e.name, kind: String(e.kind), sortText: e.sortText }));
      return { start, end: pos, candidates: entries.map((e) => e.name), original: { entries } };
    } finally {
      this.files.delete(file);
    }
  }

  /** True for names earlier cells declared or imported (ranked first in completions). */
  isUserName(name: string): boolean {
    return this.latestDecl.has(name) || this.importedNames.has(name);
  }

  /**
   * What is at `pos` (Shift+Tab): its type or signature, documentation and tags, as tslab's inspect
   * shows them; found: false when TypeScript knows nothing there. The cell is not kept.
   */
  inspect(code: string, pos: number): InspectContent {
    const ts = this.ts;
    const file = this.writeCell(code);
    try {
      const info =
        this.service.getQuickInfoAtPosition(file, pos) ??
        (pos > 0 ? this.service.getQuickInfoAtPosition(file, pos - 1) : undefined);
      if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
      const parts = [ts.displayPartsToString(info.displayParts)];
      const doc = ts.displayPartsToString(info.documentation);
      if (doc) parts.push(doc);
      for (const tag of info.tags ?? []) parts.push(`@${tag.name} ${ts.displayPartsToString(tag.text)}`.trimEnd());
      return { status: "ok", found: true, data: { "text/plain": parts.join("\n\n") }, metadata: {} };
    } finally {
      this.files.delete(file);
    }
  }

  /** Keeps a cell's declarations without reporting (cells that ran before the checker loaded). */
  add(code: string): void {
    this.keep(this.writeCell(code), code);
  }

  /** Forgets every cell (the worker restarted: the variables are gone). */
  reset(): void {
    for (const f of [...this.files.keys()]) if (isCellFile(f)) this.files.delete(f);
    this.cells.length = 0;
    this.latestDecl.clear();
    this.importedNames.clear();
  }

  /** The cell as a module file: its text unchanged, then earlier imports and its exports. */
  private writeCell(code: string): string {
    const ts = this.ts;
    const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true);
    const own = declaredNames(ts, sf);
    const lines: string[] = [];
    for (const [local, imp] of this.importedNames) {
      if (own.declared.has(local) || own.imported.has(local)) continue;
      const spec = JSON.stringify(imp.from);
      if (imp.kind === "default") lines.push(`import ${local} from ${spec};`);
      else if (imp.kind === "namespace") lines.push(`import * as ${local} from ${spec};`);
      else lines.push(`import { ${imp.imported === local ? local : `${imp.imported} as ${local}`} } from ${spec};`);
    }
    lines.push(`export { ${[...own.declared].join(", ")} };`);
    const file = `/cells/cell${this.nextCell++}.ts`;
    this.files.set(file, { text: `${code}\n;${lines.join("\n")}\n`, version: 1 });
    return file;
  }

  /** Turns a written cell into prelude declarations (per name, the latest cell's) and forgets its file. */
  private keep(file: string, code: string): void {
    const ts = this.ts;
    const out = this.service.getEmitOutput(file, true).outputFiles.find((f) => f.name.endsWith(".d.ts"));
    this.files.delete(file);
    const own = declaredNames(ts, ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true));
    for (const [local, imp] of own.imported) this.importedNames.set(local, imp);
    for (const name of own.declared) this.importedNames.delete(name);
    const dts = ts.createSourceFile("cell.d.ts", out?.text ?? "", ts.ScriptTarget.ES2022, true);
    const cell: CommittedCell = { imports: [], decls: [] };
    for (const stmt of dts.statements) {
      if (ts.isImportDeclaration(stmt)) cell.imports.push(stmt.getText());
      else if (ts.isExportDeclaration(stmt) || ts.isExportAssignment(stmt)) continue;
      else if (ts.isVariableStatement(stmt)) {
        const keyword =
          stmt.declarationList.flags & ts.NodeFlags.Const
            ? "const"
            : stmt.declarationList.flags & ts.NodeFlags.Let
              ? "let"
              : "var";
        for (const d of stmt.declarationList.declarations)
          for (const name of bindingNames(ts, d.name)) cell.decls.push({ name, text: `${keyword} ${d.getText()};` });
      } else {
        const name = (stmt as TS.DeclarationStatement).name;
        if (name && ts.isIdentifier(name)) cell.decls.push({ name: name.text, text: stripDeclare(stmt.getText()) });
      }
    }
    const index = this.cells.push(cell) - 1;
    const touched = new Set<number>([index]);
    for (const name of own.declared) {
      const before = this.latestDecl.get(name);
      if (before !== undefined) touched.add(before);
      this.latestDecl.set(name, index);
    }
    for (const i of touched) this.writePrelude(i);
  }

  private writePrelude(i: number): void {
    const cell = this.cells[i]!;
    const decls = cell.decls.filter((d) => this.latestDecl.get(d.name) === i).map((d) => `  ${d.text}`);
    const file = `/prelude/cell${i}.d.ts`;
    const text = `${cell.imports.join("\n")}\ndeclare global {\n${decls.join("\n")}\n}\nexport {};\n`;
    this.files.set(file, { text, version: (this.files.get(file)?.version ?? 0) + 1 });
  }
}

const GLOBALS_FILE = "/globals/worker.d.ts";
const isCellFile = (f: string) => f.startsWith("/cells/") || f.startsWith("/prelude/");

function stripDeclare(text: string): string {
  return text.replace(/^(export\s+)?(default\s+)?(declare\s+)?/, "");
}

function bindingNames(ts: typeof TS, name: TS.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(ts, e.name)));
}

/** A cell's top-level names: declared (variables, functions, classes, types, enums) and imported. */
function declaredNames(
  ts: typeof TS,
  sf: TS.SourceFile,
): { declared: Set<string>; imported: Map<string, ImportedName> } {
  const declared = new Set<string>();
  const imported = new Map<string, ImportedName>();
  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt)) {
      const from = (stmt.moduleSpecifier as TS.StringLiteral).text;
      const clause = stmt.importClause;
      if (!clause) continue;
      if (clause.name) imported.set(clause.name.text, { kind: "default", imported: "default", from });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings))
        imported.set(bindings.name.text, { kind: "namespace", imported: "*", from });
      else if (bindings)
        for (const el of bindings.elements)
          imported.set(el.name.text, { kind: "named", imported: (el.propertyName ?? el.name).text, from });
    } else if (ts.isVariableStatement(stmt)) {
      for (const d of stmt.declarationList.declarations) for (const n of bindingNames(ts, d.name)) declared.add(n);
    } else if (
      ts.isFunctionDeclaration(stmt) ||
      ts.isClassDeclaration(stmt) ||
      ts.isInterfaceDeclaration(stmt) ||
      ts.isTypeAliasDeclaration(stmt) ||
      ts.isEnumDeclaration(stmt)
    ) {
      if (stmt.name) declared.add(stmt.name.text);
    }
  }
  return { declared, imported };
}
