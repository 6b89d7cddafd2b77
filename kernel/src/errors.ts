/**
 * The one error type chainlab throws for bad input. The message always names the op, the
 * shapes it received and the rule that was broken, e.g.
 * `matmul: inner dimensions differ: [3,4] @ [5,2]`.
 */
export class ChainlabError extends Error {
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = "ChainlabError";
    this.op = op;
  }
}

/** `[3,4]`: shapes in messages are written as JSON arrays, as users type them. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function fail(op: string, message: string): never {
  throw new ChainlabError(op, message);
}
