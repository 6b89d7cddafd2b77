/**
 * Keeps the top-level declarations of a cell that compiled but then failed or was interrupted.
 * tslab passes the previous cells' declarations (a .d.ts text, "prevDecl") to its compiler and
 * updates them only when a cell succeeds, so `let x = 1; while (true) {}` interrupted left x's
 * value in place but made x unknown to later cells ("Cannot find name 'x'"). This wraps the
 * converter and substitutes the failed cell's declarations until tslab has newer ones.
 * Pure logic, no Node built-ins: a browser (JupyterLite) kernel can use it too.
 */

/** The part of a tslab converter this needs. */
export interface CellConverter {
  convert(prevDecl: string, src: string): { diagnostics: readonly unknown[]; declOutput?: string };
  inspect(prevDecl: string, src: string, position: number): unknown;
  complete(prevDecl: string, src: string, position: number): unknown;
}

export class DeclarationKeeper {
  /** Declarations to use instead of tslab's own, or null when tslab's are current. */
  private pending: string | null = null;
  /** Declarations the last compiled cell produced (null: it did not compile). */
  private lastCompiled: string | null = null;

  /** The converter with prevDecl replaced by the kept declarations when there are any. */
  wrap<C extends CellConverter>(conv: C): C {
    return new Proxy(conv, {
      get: (target, prop, receiver) => {
        if (prop === "convert") {
          return (prev: string, src: string) => {
            const result = target.convert(this.pending ?? prev, src);
            this.lastCompiled = result.diagnostics.length === 0 ? (result.declOutput ?? "") : null;
            return result;
          };
        }
        if (prop === "inspect" || prop === "complete") {
          return (prev: string, src: string, pos: number) => target[prop](this.pending ?? prev, src, pos);
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Before each cell: forget what the previous cell compiled to. */
  cellStarted(): void {
    this.lastCompiled = null;
  }

  /**
   * After each cell. Succeeded: tslab now holds the declarations. Compiled but failed at run
   * time (error, interrupt): keep its declarations. Did not compile: nothing changes.
   * Returns true when the failed cell's declarations were kept.
   */
  cellFinished(ok: boolean): boolean {
    if (ok) {
      this.pending = null;
      return false;
    }
    if (this.lastCompiled !== null) {
      this.pending = this.lastCompiled;
      return true;
    }
    return false;
  }
}
