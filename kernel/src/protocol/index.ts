/**
 * protocol/: the contract between the kernel (producer) and the JupyterLab extension (consumer):
 * MIME type constants, one schema per payload (zod/mini) from which its type and validator both
 * come, the version, budgets and shared layout. It imports only zod/mini, so the extension can
 * compile it into its bundle unchanged. Every payload is untrusted data to the extension:
 * validate it, never inject HTML from it.
 */
export * from "./mime";
export * from "./summary";
export * from "./graph";
export * from "./heatmap";
export * from "./chain";
export * from "./plot";
export * from "./validate";
export * from "./graphLayout";
export * from "./budget";
export * from "./format";
export * from "./palette";
