/**
 * jupyter/: the chainlab Jupyter kernel: a launcher around tslab's internals, the cell runner that
 * turns executions into protocol messages, and the kernelspec installer behind `npx chainlab`.
 * Not here: what a display looks like (display/) or anything the notebook imports from "chainlab".
 */
export { main } from "./cli";
export { installKernelSpec, kernelSpec, KERNEL_NAME, DISPLAY_NAME } from "./kernelspec";
