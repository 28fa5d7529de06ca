/**
 * The UI's HTTP server (node:http, on Node and Deno): the live page and its events, a
 * page per batch, `/metrics`, and Spark's streaming REST API. Read-only unless stopping
 * is enabled; unknown paths give 404; only loopback Host headers are accepted on a
 * loopback address (no DNS rebinding).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import type { UIStore } from "./_store.ts";
import { batches, batchJson, operations, receivers, snapshot, sparkDate, statistics } from "./_api.ts";
import { batchPage, livePage, messagePage } from "./_html.ts";
import { prometheusText } from "./_prometheus.ts";
import { UI_CSS, UI_SCRIPT } from "./_assets.ts";

export interface ServerOptions {
  readonly store: UIStore;
  readonly appName: string;
  readonly appId: string;
  readonly killEnabled: boolean;
  readonly droppedEvents: () => number;
  readonly stop: () => void;
  /** How often the page is sent a new snapshot, at most. */
  readonly pushIntervalMs: number;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** What a slow page may have waiting in its socket before it is skipped. */
const MAX_BUFFERED_BYTES = 1 << 20;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export const isLoopback = (host: string): boolean => LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

const hostnameOf = (hostHeader: string): string => {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  const colon = hostHeader.lastIndexOf(":");
  return colon < 0 ? hostHeader : hostHeader.slice(0, colon);
};

export class UIServer {
  readonly #options: ServerOptions;
  readonly #server: Server;
  readonly #clients = new Set<ServerResponse>();
  /** Responses to HEAD requests: headers only. */
  readonly #headOnly = new WeakSet<ServerResponse>();
  #loopbackOnly = true;
  #pushTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  readonly #unsubscribe: () => void;
  /** Snapshots a slow page missed. */
  skippedPushes = 0;

  constructor(options: ServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#unsubscribe = options.store.onChange(() => this.#schedulePush());
  }

  /** Listens on `host:port`; with a port in use, tries the next ones (as Spark does, 16 times). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    this.#loopbackOnly = isLoopback(host);
    for (let attempt = 0;; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => {
            this.#server.off("listening", onListening);
            reject(error);
          };
          const onListening = () => {
            this.#server.off("error", onError);
            resolve();
          };
          this.#server.once("error", onError);
          this.#server.once("listening", onListening);
          this.#server.listen(port === 0 ? 0 : port + attempt, host);
        });
        break;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== "EADDRINUSE" || port === 0 || attempt >= 16) throw error;
      }
    }
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.write(": keep-alive\n\n");
    }, 15_000);
    (this.#heartbeat as { unref?: () => void }).unref?.();
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    clearTimeout(this.#pushTimer);
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections?.();
    await closed;
  }

  #schedulePush(): void {
    if (this.#pushTimer !== undefined || this.#clients.size === 0) return;
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = undefined;
      this.#push();
    }, this.#options.pushIntervalMs);
  }

  #push(): void {
    if (this.#clients.size === 0) return;
    const message = `data: ${JSON.stringify(this.#snapshot())}\n\n`;
    for (const client of this.#clients) {
      // A page that does not read its events is skipped, not buffered without bound.
      if (client.writableLength > MAX_BUFFERED_BYTES) this.skippedPushes++;
      else client.write(message);
    }
  }

  #snapshot(): Record<string, unknown> {
    const { store, appName, appId, killEnabled } = this.#options;
    return { ...snapshot(store, appName, killEnabled), appId };
  }

  #send(res: ServerResponse, status: number, type: string, body: string, extra: Readonly<Record<string, string>> = {}): void {
    res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": String(Buffer.byteLength(body)), ...extra });
    if (this.#headOnly.has(res)) res.end();
    else res.end(body);
  }

  #json(res: ServerResponse, value: unknown): void {
    this.#send(res, 200, "application/json; charset=utf-8", `${JSON.stringify(value, null, 2)}\n`);
  }

  #notFound(res: ServerResponse, what: string): void {
    this.#send(res, 404, "text/html; charset=utf-8", messagePage(404, what));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "HEAD") this.#headOnly.add(res);
    try {
      this.#route(req, res);
    } catch (error) {
      if (!res.headersSent) this.#send(res, 500, "text/plain; charset=utf-8", `The UI failed to answer: ${String(error)}\n`);
      else res.end();
    }
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? "";
    if (this.#loopbackOnly && !isLoopback(hostnameOf(host))) {
      this.#send(res, 421, "text/plain; charset=utf-8", "This UI answers only on loopback addresses (127.0.0.1, localhost)\n");
      return;
    }
    const url = new URL(req.url ?? "/", "http://ui.invalid");
    const path = url.pathname;
    if (req.method === "POST" && path === "/stop") return this.#stop(req, res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      this.#send(res, 405, "text/plain; charset=utf-8", "This UI is read-only: only GET and HEAD are answered\n", { allow: "GET, HEAD" });
      return;
    }
    const { store, appName, appId } = this.#options;
    switch (path) {
      case "/":
        return this.#send(res, 200, "text/html; charset=utf-8", livePage(appName, store.batchDuration));
      case "/static/ui.js":
        return this.#send(res, 200, "text/javascript; charset=utf-8", UI_SCRIPT);
      case "/static/ui.css":
        return this.#send(res, 200, "text/css; charset=utf-8", UI_CSS);
      case "/favicon.ico":
        res.writeHead(204, SECURITY_HEADERS);
        return void res.end();
      case "/events":
        return this.#events(res);
      case "/metrics":
        return this.#send(res, 200, "text/plain; version=0.0.4; charset=utf-8", prometheusText(store, this.#options.droppedEvents()));
      case "/batch": {
        const time = Number(url.searchParams.get("time"));
        const batch = Number.isSafeInteger(time) ? store.batch(time) : undefined;
        if (batch === undefined) return this.#notFound(res, `No batch at time ${url.searchParams.get("time") ?? "(none)"} is kept`);
        return this.#send(res, 200, "text/html; charset=utf-8", batchPage(appName, store, batch));
      }
      case "/api/v1/applications":
      case "/api/v1/applications/":
        return this.#json(res, [{
          id: appId,
          name: appName,
          attempts: [{ startTime: sparkDate(store.startTime ?? Date.now()), completed: store.ssc.getState() === "STOPPED" }],
        }]);
    }
    const api = /^\/api\/v1\/applications\/([^/]+)\/streaming\/(statistics|receivers|batches)(?:\/([^/]+))?(?:\/(operations))?\/?$/.exec(path);
    if (api !== null) {
      const [, app, resource, id, sub] = api;
      let name: string;
      try {
        name = decodeURIComponent(app as string);
      } catch {
        return this.#notFound(res, "Unknown application");
      }
      if (name !== appId && name !== appName) return this.#notFound(res, `Unknown application ${name}: this UI serves ${appId}`);
      if (resource === "statistics" && id === undefined) return this.#json(res, statistics(store));
      if (resource === "receivers" && sub === undefined) {
        const all = receivers(store);
        if (id === undefined) return this.#json(res, all);
        const one = all.find((r) => String(r["streamId"]) === id);
        return one === undefined ? this.#notFound(res, `No receiver with stream id ${id}`) : this.#json(res, one);
      }
      if (resource === "batches") {
        if (id === undefined) return this.#json(res, batches(store, url.searchParams.get("status") ?? undefined));
        const batch = /^\d+$/.test(id) ? store.batch(Number(id)) : undefined;
        if (batch === undefined) return this.#notFound(res, `No batch with id ${id} is kept`);
        return this.#json(res, sub === undefined ? batchJson(store, batch) : operations(batch));
      }
    }
    this.#notFound(res, `Nothing at ${path}`);
  }

  #events(res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    res.write(`retry: 2000\ndata: ${JSON.stringify(this.#snapshot())}\n\n`);
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
  }

  #stop(req: IncomingMessage, res: ServerResponse): void {
    // A custom header cannot be sent cross-site without CORS, so other sites cannot stop the job.
    if (!this.#options.killEnabled || req.headers["x-dstreams-stop"] !== "yes") {
      this.#send(res, 405, "text/plain; charset=utf-8", "Stopping the job from the UI is not enabled: start it with startUI(ssc, { killEnabled: true })\n", {
        allow: "GET, HEAD",
      });
      return;
    }
    this.#send(res, 202, "text/plain; charset=utf-8", "Stopping\n");
    this.#options.stop();
  }
}
