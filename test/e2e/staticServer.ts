import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".ipynb": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ico": "image/x-icon",
};

export interface StaticServer {
  url: string;
  /** Paths requested so far (with their status), for tests that check what was fetched. */
  requests: { path: string; status: number }[];
  close: () => Promise<void>;
}

/**
 * Serves files under `root` on 127.0.0.1 at a free port, as a static web host (GitHub Pages, a
 * university server) would: GET only, a directory gives its index.html, nothing is generated.
 * `extra` maps URL paths to files outside `root`.
 */
export async function serveStatic(root: string, extra: Record<string, string> = {}): Promise<StaticServer> {
  const base = path.resolve(root);
  const requests: { path: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    let file = extra[urlPath] ?? path.join(base, path.normalize(urlPath).replace(/^([/\\])+/, ""));
    if (!extra[urlPath] && !file.startsWith(base)) file = "";
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    const ok = req.method === "GET" && file !== "" && fs.existsSync(file);
    requests.push({ path: urlPath, status: ok ? 200 : 404 });
    if (!ok) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const type = TYPES[path.extname(file)] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
