import { WireMessage, type Socket } from "./WireMessage";
import type { CellRunner, HistoryEntry } from "./CellRunner";
import { tslabJupyter, type JupyterHandler, type ZmqServerInstance } from "./tslabInternals";

/**
 * tslab's ZmqServer (sockets, heartbeat, kernel_info, complete, inspect, is_complete) with the
 * message dispatch replaced: execute goes through chainlab's CellRunner, and the types tslab
 * lacks or gets wrong are answered here (history, interrupt over control, comm_info's reply type).
 */

const { ZmqServer } = tslabJupyter();

export class ChainlabServer extends (ZmqServer as new (handler: JupyterHandler, configPath: string) => ZmqServerInstance) {
  constructor(
    handler: JupyterHandler,
    configPath: string,
    private readonly cells: CellRunner,
    private readonly onInterrupt: () => void,
  ) {
    super(handler, configPath);
  }

  private send(sock: unknown, parent: WireMessage, msgType: string, content: object): void {
    const reply = parent.createReply(msgType);
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock as Socket);
  }

  private publish(parent: WireMessage, msgType: string, content: object): void {
    this.send(this.iopub, parent, msgType, content);
  }

  override async handleShellMessage(sock: unknown, ...frames: Buffer[]): Promise<void> {
    let msg: WireMessage;
    try {
      msg = WireMessage.parse(this.connInfo.key, frames);
    } catch (e) {
      // A malformed or wrongly signed message is dropped, as ipykernel does; the kernel lives on.
      console.error("chainlab kernel: dropped a message:", e instanceof Error ? e.message : e);
      return;
    }
    let shutdown = false;
    this.publish(msg, "status", { execution_state: "busy" });
    try {
      const t = msg.header.msg_type;
      const self = this as unknown as Record<string, (sock: unknown, msg: WireMessage) => unknown>;
      switch (t) {
        case "execute_request": {
          const content = await this.cells.execute(msg.content, (type, c) => this.publish(msg, type, c));
          this.send(sock, msg, "execute_reply", content);
          break;
        }
        case "kernel_info_request":
          this.send(sock, msg, "kernel_info_reply", { status: "ok", ...this.kernelInfo() });
          break;
        case "is_complete_request":
          self.handleIsComplete.call(this, sock, msg);
          break;
        case "inspect_request":
          self.handleInspect.call(this, sock, msg);
          break;
        case "complete_request":
          self.handleComplete.call(this, sock, msg);
          break;
        case "comm_info_request":
          this.send(sock, msg, "comm_info_reply", { status: "ok", comms: {} });
          break;
        case "history_request":
          this.send(sock, msg, "history_reply", { status: "ok", history: historyReply(this.cells.history, msg.content) });
          break;
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

  /** tslab's kernel info, naming chainlab as the implementation and the real TypeScript version. */
  private kernelInfo(): Record<string, unknown> {
    const info = this.handler.handleKernel() as { language_info: Record<string, unknown> } & Record<string, unknown>;
    const versions = readVersions();
    return {
      ...info,
      implementation: "chainlab",
      implementation_version: versions.chainlab,
      language_info: { ...info.language_info, version: versions.typescript },
      banner: `chainlab ${versions.chainlab}: TypeScript ${versions.typescript} through tslab ${versions.tslab}`,
    };
  }

  override close(): void {
    super.close();
    // User code may hold timers or sockets open; a shut-down kernel must still exit.
    setTimeout(() => process.exit(0), 200).unref();
  }
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
  return { chainlab: read("../../package.json"), tslab: read("tslab/package.json"), typescript: read("@tslab/typescript-for-tslab/package.json") };
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

export function historyReply(history: readonly HistoryEntry[], req: HistoryRequest): [number, number, string | [string, string | null]][] {
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
      rows = rows.reverse().filter((h) => (seen.has(h.code) ? false : (seen.add(h.code), true))).reverse();
    }
    if (req.n) rows = rows.slice(-req.n);
  } else if (req.n !== undefined) {
    rows = rows.slice(-req.n);
  }
  return rows.map((h) => [SESSION, h.line, req.output ? [h.code, h.output] : h.code]);
}

/** IPython's history search pattern: a glob where * and ? are wildcards. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
