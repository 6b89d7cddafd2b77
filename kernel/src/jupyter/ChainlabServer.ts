import { WireMessage, type Socket } from "./WireMessage";
import type { CellRunner, HistoryEntry } from "./CellRunner";
import type { KernelSockets, ZmqSocket } from "./kernelSockets";
import type { JupyterHandler } from "./tslabInternals";

/**
 * The kernel's message loop over sockets bound at process start (kernelSockets.ts). What needs
 * TypeScript (execute, complete, inspect, is_complete) asks for the runtime, which is loaded on
 * first use; kernel_info, heartbeats, history and interrupts are answered without it, so a
 * kernel is "ready" in a second and an idle kernel does not hold a TypeScript program.
 */

/** What the launcher builds when TypeScript is first needed. */
export interface KernelRuntime {
  cells: CellRunner;
  /** tslab's handler: complete, inspect and is_complete. */
  handler: JupyterHandler;
  /** complete_reply / inspect_reply content for a request's content. */
  complete(req: { code: string; cursor_pos: number }): object;
  inspect(req: { code: string; cursor_pos: number; detail_level?: number }): object;
  /** Creates the TypeScript program now rather than at the first cell. */
  warm(): void;
  /** Called after every execute_reply (idle-time garbage collection). */
  afterCell(): void;
  close(): void;
}

export class ChainlabServer {
  private closed = false;

  constructor(
    private readonly sockets: KernelSockets,
    /** Loads (once) and returns the runtime; synchronous, may take seconds the first time. */
    private readonly runtime: () => KernelRuntime,
    /** The runtime if it is already loaded (interrupts and shutdown must not load it). */
    private readonly loadedRuntime: () => KernelRuntime | undefined,
    private readonly onInterrupt: () => void,
  ) {}

  /** Serves shell and control until shutdown. */
  start(): void {
    void this.serve(this.sockets.shell);
    void this.serve(this.sockets.control);
  }

  private async serve(sock: ZmqSocket): Promise<void> {
    try {
      for await (const frames of sock) void this.handleMessage(sock, frames);
    } catch (e) {
      if (!this.closed) console.error("chainlab kernel: a socket failed:", e);
    }
  }

  private get key(): string {
    return this.sockets.conn.key;
  }

  private send(sock: unknown, parent: WireMessage, msgType: string, content: object): void {
    const reply = parent.createReply(msgType);
    reply.content = content;
    reply.signAndSend(this.key, sock as Socket);
  }

  private publish(parent: WireMessage, msgType: string, content: object): void {
    this.send(this.sockets.iopub, parent, msgType, content);
  }

  async handleMessage(sock: ZmqSocket, frames: Buffer[]): Promise<void> {
    let msg: WireMessage;
    try {
      msg = WireMessage.parse(this.key, frames);
    } catch (e) {
      // A malformed or wrongly signed message is dropped, as ipykernel does; the kernel lives on.
      console.error("chainlab kernel: dropped a message:", e instanceof Error ? e.message : e);
      return;
    }
    let shutdown = false;
    this.publish(msg, "status", { execution_state: "busy" });
    try {
      const t = msg.header.msg_type;
      switch (t) {
        case "execute_request": {
          const rt = this.runtime();
          const content = await rt.cells.execute(msg.content, (type, c) => this.publish(msg, type, c));
          this.send(sock, msg, "execute_reply", content);
          rt.afterCell();
          break;
        }
        case "kernel_info_request":
          this.send(sock, msg, "kernel_info_reply", { status: "ok", ...kernelInfo() });
          break;
        case "is_complete_request":
          this.send(sock, msg, "is_complete_reply", this.runtime().handler.handleIsComplete(msg.content) as object);
          break;
        case "inspect_request":
          this.send(sock, msg, "inspect_reply", this.runtime().inspect(msg.content));
          break;
        case "complete_request":
          this.send(sock, msg, "complete_reply", this.runtime().complete(msg.content));
          break;
        case "comm_info_request":
          this.send(sock, msg, "comm_info_reply", { status: "ok", comms: {} });
          break;
        case "history_request": {
          const history = this.loadedRuntime()?.cells.history ?? [];
          this.send(sock, msg, "history_reply", { status: "ok", history: historyReply(history, msg.content) });
          break;
        }
        case "interrupt_request":
          this.onInterrupt();
          this.send(sock, msg, "interrupt_reply", { status: "ok" });
          break;
        case "shutdown_request":
          this.send(sock, msg, "shutdown_reply", { status: "ok", restart: msg.content?.restart === true });
          shutdown = true;
          break;
        default:
          console.error(`chainlab kernel: unsupported message type ${t}`);
      }
    } catch (e) {
      console.error("chainlab kernel: failed to handle a message:", e);
    } finally {
      this.publish(msg, "status", { execution_state: "idle" });
    }
    if (shutdown) this.close();
  }

  close(): void {
    this.closed = true;
    try {
      this.loadedRuntime()?.close();
    } finally {
      // Let the replies above leave before the sockets close.
      setTimeout(() => this.sockets.close(), 50).unref();
      // User code may hold timers or sockets open; a shut-down kernel must still exit.
      setTimeout(() => process.exit(0), 200).unref();
    }
  }
}

/** Static: answered before TypeScript is loaded (the versions come from package.json files). */
export function kernelInfo(): Record<string, unknown> {
  const versions = readVersions();
  return {
    protocol_version: "5.3",
    implementation: "chainlab",
    implementation_version: versions.chainlab,
    language_info: {
      name: "typescript",
      version: versions.typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      // As tslab: makes both JupyterLab and the classic Notebook use TypeScript highlighting.
      codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
    },
    banner: `chainlab ${versions.chainlab}: TypeScript ${versions.typescript} through tslab ${versions.tslab}`,
    help_links: [],
  };
}

function readVersions(): { chainlab: string; tslab: string; typescript: string } {
  const read = (p: string): string => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolves a package.json by module path
      return (require(p) as { version: string }).version;
    } catch {
      return "unknown";
    }
  };
  return {
    chainlab: read("../../package.json"),
    tslab: read("tslab/package.json"),
    typescript: read("@tslab/typescript-for-tslab/package.json"),
  };
}

interface HistoryRequest {
  output?: boolean;
  hist_access_type?: "tail" | "range" | "search";
  n?: number;
  session?: number;
  start?: number;
  stop?: number;
  pattern?: string;
  unique?: boolean;
}

/** Session 1 is this kernel's only session (nothing is persisted across restarts). */
const SESSION = 1;

export function historyReply(
  history: readonly HistoryEntry[],
  req: HistoryRequest,
): [number, number, string | [string, string | null]][] {
  let rows: HistoryEntry[] = [...history];
  const type = req.hist_access_type ?? "tail";
  if (type === "range") {
    const session = req.session ?? 0;
    if (session !== 0 && session !== SESSION) rows = [];
    const start = req.start ?? 1;
    const stop = req.stop ?? Number.POSITIVE_INFINITY;
    rows = rows.filter((h) => h.line >= start && h.line < stop);
  } else if (type === "search") {
    const re = globToRegExp(req.pattern ?? "*");
    rows = rows.filter((h) => re.test(h.code));
    if (req.unique) {
      const seen = new Set<string>();
      rows = rows
        .reverse()
        .filter((h) => (seen.has(h.code) ? false : (seen.add(h.code), true)))
        .reverse();
    }
    if (req.n) rows = rows.slice(-req.n);
  } else if (req.n !== undefined) {
    rows = rows.slice(-req.n);
  }
  return rows.map((h) => [SESSION, h.line, req.output ? [h.code, h.output] : h.code]);
}

/** IPython's history search pattern: a glob where * and ? are wildcards. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
