/**
 * The JupyterLite plugin: registers the kernelspec "chainlab-lite" ("TypeScript (chainlab, in
 * the browser)") and routes the Interrupt button to the kernel, whose worker script ships in this
 * extension's static folder (built by build.sh next to remoteEntry.js).
 */
import { IKernelClient, IKernelSpecs, type IKernel } from "@jupyterlite/services";
import { ChainlabLiteKernel } from "./kernel";

declare const __webpack_public_path__: string;

// The name the notebooks' metadata already carries: they open here without a kernel dialog.
export const KERNEL_NAME = "chainlab";
export const DISPLAY_NAME = "TypeScript (chainlab, in the browser)";
export const WORKER_FILE = "chainlab-lite-worker.js";
export const CHECKER_FILE = "chainlab-lite-checker.js";

const LOGO =
  "data:image/svg+xml;base64," +
  btoa(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="8" fill="#3178c6"/>' +
      '<text x="32" y="42" font-size="26" font-family="sans-serif" font-weight="bold" fill="#fff" text-anchor="middle">∂TS</text></svg>'.replace(
        "∂",
        "d",
      ),
  );

const kernels = new Map<string, ChainlabLiteKernel>();

const plugin = {
  id: "chainlab-jupyterlite:kernel",
  description: "TypeScript kernel with chainlab running in a Web Worker",
  autoStart: true,
  requires: [IKernelSpecs],
  optional: [IKernelClient],
  activate: (_app: unknown, specs: IKernelSpecs, client: IKernelClient | null) => {
    const base = new URL(__webpack_public_path__, location.href);
    const workerUrl = new URL(WORKER_FILE, base).href;
    const checkerUrl = new URL(CHECKER_FILE, base).href;
    specs.register({
      spec: {
        name: KERNEL_NAME,
        display_name: DISPLAY_NAME,
        language: "typescript",
        argv: [],
        resources: { "logo-32x32": LOGO, "logo-64x64": LOGO },
      },
      create: async (options: IKernel.IOptions): Promise<IKernel> => {
        const kernel = new ChainlabLiteKernel(options, workerUrl, checkerUrl);
        kernels.set(kernel.id, kernel);
        kernel.disposed.connect(() => kernels.delete(kernel.id));
        return kernel;
      },
    });
    // JupyterLite's interrupt only cancels queued cells; the running one needs its worker replaced.
    if (client) {
      const interrupt = client.interrupt.bind(client);
      client.interrupt = async (id: string) => {
        await interrupt(id);
        kernels.get(id)?.interrupt();
      };
    }
  },
};

export default [plugin];
