import * as fs from "fs";
import * as path from "path";
import { ChainlabError } from "../errors";

/**
 * The kernel's five ZeroMQ sockets, bound on the ports of the connection file as the very first
 * thing the process does. Jupyter picks free ports and then starts the kernel; a kernel that
 * loaded TypeScript first (seconds, ~20 s on a loaded hub) could lose those ports to another
 * kernel starting at the same moment (EADDRINUSE) and be declared dead. Nothing slow is loaded
 * here: only zeromq's prebuilt addon.
 */

export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme?: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

/** The subset of a zeromq 6 socket used here. */
export interface ZmqSocket extends AsyncIterable<Buffer[]> {
  bind(address: string): Promise<void>;
  send(frames: (Buffer | string)[] | Buffer | string): Promise<void>;
  close(): void;
}

export interface KernelSockets {
  conn: ConnectionInfo;
  iopub: ZmqSocket;
  shell: ZmqSocket;
  control: ZmqSocket;
  stdin: ZmqSocket;
  hb: ZmqSocket;
  close(): void;
}

interface ZmqModule {
  Publisher: new () => ZmqSocket;
  Router: new () => ZmqSocket;
  Reply: new () => ZmqSocket;
}

/** zeromq is tslab's dependency: resolved from tslab's folder, so any npm layout finds it. */
function loadZeromq(): ZmqModule {
  const tslabDir = path.dirname(require.resolve("tslab/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve("zeromq", { paths: [tslabDir] })) as ZmqModule;
}

export function readConnectionFile(file: string): ConnectionInfo {
  let conn: ConnectionInfo;
  try {
    conn = JSON.parse(fs.readFileSync(file, "utf8")) as ConnectionInfo;
  } catch (e) {
    throw new ChainlabError(
      "kernel start",
      `cannot read the connection file ${file}: ${e instanceof Error ? e.message : e}`,
    );
  }
  for (const k of ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const) {
    if (!Number.isInteger(conn[k])) throw new ChainlabError("kernel start", `connection file ${file} has no ${k}`);
  }
  if (conn.signature_scheme && conn.signature_scheme !== "hmac-sha256") {
    throw new ChainlabError(
      "kernel start",
      `signature scheme ${conn.signature_scheme} is not supported (only hmac-sha256)`,
    );
  }
  return conn;
}

/** Binds all five sockets and starts answering heartbeats at once. */
export async function bindKernelSockets(file: string): Promise<KernelSockets> {
  const conn = readConnectionFile(file);
  const zmq = loadZeromq();
  const sockets = {
    iopub: new zmq.Publisher(),
    shell: new zmq.Router(),
    control: new zmq.Router(),
    stdin: new zmq.Router(),
    hb: new zmq.Reply(),
  };
  const address = (port: number) => `${conn.transport}://${conn.ip}:${port}`;
  await Promise.all([
    sockets.iopub.bind(address(conn.iopub_port)),
    sockets.shell.bind(address(conn.shell_port)),
    sockets.control.bind(address(conn.control_port)),
    sockets.stdin.bind(address(conn.stdin_port)),
    sockets.hb.bind(address(conn.hb_port)),
  ]);
  void echoHeartbeats(sockets.hb);
  return {
    conn,
    ...sockets,
    close() {
      for (const s of Object.values(sockets)) s.close();
    },
  };
}

async function echoHeartbeats(hb: ZmqSocket): Promise<void> {
  try {
    for await (const frames of hb) await hb.send(frames);
  } catch {
    // The socket was closed at shutdown.
  }
}
