// The lib and chainlab declaration files, { path: text }, that build-worker.mjs bundles into the
// type checker's worker (from checkerFiles.mjs).
declare module "chainlab-lite:checker-files" {
  const files: Record<string, string>;
  export default files;
}
