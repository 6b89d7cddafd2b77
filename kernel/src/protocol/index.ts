/**
 * protocol/: the contract between the kernel (producer) and the JupyterLab extension (consumer):
 * MIME type constants, payload types, their version and validators. This folder imports nothing,
 * so the extension can compile it into its bundle unchanged. Every payload is untrusted data to
 * the extension: validate it, never inject HTML from it.
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
