import { createHmac, randomBytes, timingSafeEqual } from "crypto";
import { ChainlabError } from "../errors";

/**
 * One Jupyter wire-protocol message (HMAC-SHA256 signed frames). tslab parses messages the
 * same way but does not export its class; the launcher needs its own to dispatch message
 * types tslab does not know (history_request, interrupt_request) and to publish any iopub type.
 */

const DELIM = Buffer.from("<IDS|MSG>");
export const PROTOCOL_VERSION = "5.3";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export class WireMessage {
  constructor(
    readonly identity: Buffer[],
    public header: Header,
    public parent: Header | Record<string, never>,
    public metadata: Record<string, unknown>,
    // Message content is whatever JSON the Jupyter message type defines; handlers narrow it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each message type's content: narrowed by its handler
    public content: any,
  ) {}

  static parse(key: string, frames: Buffer[]): WireMessage {
    const delimAt = frames.findIndex((f) => f.equals(DELIM));
    if (delimAt < 0 || frames.length < delimAt + 6)
      throw new ChainlabError("kernel", "malformed message: no <IDS|MSG> delimiter or too few frames");
    const signature = frames[delimAt + 1].toString();
    const parts = frames.slice(delimAt + 2, delimAt + 6);
    if (key) {
      const expected = sign(
        key,
        parts.map((p) => p.toString()),
      );
      const a = Buffer.from(signature);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b))
        throw new ChainlabError("kernel", "message signature does not match the connection key");
    }
    const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString()));
    return new WireMessage(frames.slice(0, delimAt), header, parent, metadata, content);
  }

  /** A message answering or caused by this one: same session and routing identities. */
  createReply(msgType?: string): WireMessage {
    const header: Header = {
      msg_id: randomBytes(16).toString("hex"),
      msg_type: msgType ?? this.header.msg_type,
      session: this.header.session,
      username: this.header.username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    };
    return new WireMessage(this.identity, header, this.header, {}, {});
  }

  signAndSend(key: string, socket: Socket): void {
    const bodies = [this.header, this.parent, this.metadata, this.content].map((x) => JSON.stringify(x));
    sendInOrder(socket, [...this.identity, DELIM, sign(key, bodies), ...bodies]);
  }
}

type Frames = (Buffer | string)[];
export interface Socket {
  send(frames: Frames): unknown;
}

/**
 * zeromq 6 sends synchronously only 512 times in a row per socket (receives count too); the
 * next send is deferred to the event loop, and any send while one is deferred throws EBUSY.
 * tslab ignores this, so its kernels stop answering after a few hundred cells (the reply is
 * lost). Here a busy socket's messages wait in a backlog, sent in order once it is free.
 */
interface Outbox {
  backlog: Frames[];
  draining: boolean;
  last: Promise<unknown> | null;
}
const outboxes = new WeakMap<object, Outbox>();

function isBusy(e: unknown): boolean {
  return e instanceof Error && ((e as { code?: string }).code === "EBUSY" || /busy/i.test(e.message));
}

function trySend(socket: Socket, box: Outbox, frames: Frames): void {
  const sent = socket.send(frames);
  if (sent && typeof (sent as Promise<unknown>).then === "function") {
    // A failed send (socket closed at shutdown) must not crash the kernel.
    box.last = (sent as Promise<unknown>).catch(() => undefined);
  }
}

export function sendInOrder(socket: Socket, frames: Frames): void {
  let box = outboxes.get(socket);
  if (!box) {
    box = { backlog: [], draining: false, last: null };
    outboxes.set(socket, box);
  }
  if (box.backlog.length === 0) {
    try {
      trySend(socket, box, frames);
      return;
    } catch (e) {
      if (!isBusy(e)) return; // closed socket: nothing to deliver to
    }
  }
  box.backlog.push(frames);
  if (!box.draining) void drain(socket, box);
}

async function drain(socket: Socket, box: Outbox): Promise<void> {
  box.draining = true;
  try {
    while (box.backlog.length) {
      if (box.last) await box.last;
      else await new Promise((resolve) => setImmediate(resolve));
      try {
        box.last = null;
        trySend(socket, box, box.backlog[0]);
        box.backlog.shift();
      } catch (e) {
        if (!isBusy(e)) box.backlog.shift();
      }
    }
  } finally {
    box.draining = false;
  }
}

/** An empty key means the connection is unsigned: the signature frame is then empty too. */
function sign(key: string, bodies: string[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const b of bodies) h.update(b);
  return h.digest("hex");
}
