// kernel/src/display/layout.ts loads ELK with require(), which esbuild bundles for the worker.
declare function require(id: string): unknown;
