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
    public content: any,
  ) {}

  static parse(key: string, frames: Buffer[]): WireMessage {
    const delimAt = frames.findIndex((f) => f.equals(DELIM));
    if (delimAt < 0 || frames.length < delimAt + 6) throw new ChainlabError("kernel", "malformed message: no <IDS|MSG> delimiter or too few frames");
    const signature = frames[delimAt + 1].toString();
    const parts = frames.slice(delimAt + 2, delimAt + 6);
    if (key) {
      const expected = sign(key, parts.map((p) => p.toString()));
      const a = Buffer.from(signature);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b)) throw new ChainlabError("kernel", "message signature does not match the connection key");
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

  signAndSend(key: string, socket: { send(frames: (Buffer | string)[]): unknown }): void {
    const bodies = [this.header, this.parent, this.metadata, this.content].map((x) => JSON.stringify(x));
    const sent = socket.send([...this.identity, DELIM, sign(key, bodies), ...bodies]);
    // zeromq 6 returns a promise; a failed send (socket closed at shutdown) must not crash.
    if (sent && typeof (sent as Promise<unknown>).catch === "function") (sent as Promise<unknown>).catch(() => undefined);
  }
}

/** An empty key means the connection is unsigned: the signature frame is then empty too. */
function sign(key: string, bodies: string[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const b of bodies) h.update(b);
  return h.digest("hex");
}
