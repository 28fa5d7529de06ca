/**
 * A JSR-shaped registry on the loopback interface, for the JSR install test.
 *
 * It takes the package the way jsr.io does, from `deno publish` itself (with
 * `JSR_URL` pointing here), so what it serves is exactly what `deno publish`
 * uploads: the files of deno.json's "publish.include", with their bare
 * specifiers rewritten ("unfurled") to `npm:`/`jsr:` ones. Then it answers a
 * consumer's `jsr:` imports as jsr.io does:
 *
 * - `GET /@<scope>/<name>/meta.json`: the versions and the latest one;
 * - `GET /@<scope>/<name>/<version>_meta.json`: the exports (read from the
 *   published deno.json) and a manifest of every file with its sha256 checksum;
 * - `GET /@<scope>/<name>/<version>/<path>`: a file.
 *
 * The publishing side is the part of JSR's API that `deno publish --token`
 * uses: `GET /api/scopes/<scope>/packages/<name>` (the package exists),
 * `POST /api/scopes/<scope>/packages/<name>/versions/<version>?config=/deno.json`
 * (a gzipped tarball; the task succeeds at once) and
 * `GET /api/publish_status/<id>`.
 *
 * It listens on 127.0.0.1 only and logs every request, so a failing test can
 * show what the client asked for.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One published version: its files by absolute path ("/mod.ts") and its exports. */
export interface PublishedVersion {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly exports: Readonly<Record<string, string>>;
}

export interface JsrServer {
  /** `http://127.0.0.1:<port>/`, the value for `JSR_URL`. */
  readonly url: string;
  /** Published versions, by `@scope/name@version`. */
  readonly published: ReadonlyMap<string, PublishedVersion>;
  /** Every request seen, as `METHOD /path -> status`. */
  readonly log: ReadonlyArray<string>;
  close(): Promise<void>;
}

/** The files of a (ustar or GNU) tar archive, by path; directories are left out. */
export const untar = (tar: Uint8Array): Map<string, Uint8Array> => {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, length: number): string => {
    const bytes = tar.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
  };
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break; // the end-of-archive blocks
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const prefix = text(at + 257, 6).startsWith("ustar") ? text(at + 345, 155) : "";
    const name = longName ?? (prefix === "" ? text(at, 100) : `${prefix}/${text(at, 100)}`);
    const body = tar.subarray(at + 512, at + 512 + size);
    longName = undefined;
    if (type === "L") longName = text(at + 512, size); // GNU long name of the next entry
    else if (type === "0" || type === "\0") files.set(name.startsWith("/") ? name : `/${name}`, body);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
};

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

const contentType = (path: string): string =>
  /\.(ts|mts|tsx)$/.test(path) ? "text/typescript"
  : /\.(js|mjs)$/.test(path) ? "text/javascript"
  : /\.json$/.test(path) ? "application/json"
  : "text/plain";

/** Starts the registry on 127.0.0.1 (a free port); rejects with a clear error if it cannot listen. */
export const startJsrServer = async (): Promise<JsrServer> => {
  const published = new Map<string, PublishedVersion>();
  const log: string[] = [];

  const send = (res: ServerResponse, status: number, body: string | Uint8Array, type = "application/json") => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value));
  const notFound = (res: ServerResponse) => json(res, 404, { code: "notFound", message: "not found" });

  const versionsOf = (scope: string, name: string): string[] =>
    [...published.keys()]
      .filter((k) => k.startsWith(`@${scope}/${name}@`))
      .map((k) => k.slice(`@${scope}/${name}@`.length));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    let m: RegExpMatchArray | null;

    // ------------------------------------------------------------ publishing API
    if ((m = path.match(/^\/api\/scopes\/([^/]+)\/packages\/([^/]+)$/)) && req.method === "GET") {
      return json(res, 200, { scope: m[1], name: m[2] });
    }
    if ((m = path.match(/^\/api\/scopes\/([^/]+)\/packages\/([^/]+)\/versions\/([^/]+)$/)) && req.method === "POST") {
      const [, scope, name, version] = m;
      const body = await readBody(req);
      const files = untar(new Uint8Array(req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body));
      const configPath = url.searchParams.get("config") ?? "/deno.json";
      const config = files.get(configPath);
      if (config === undefined) {
        return json(res, 400, { code: "missingConfigFile", message: `the tarball has no ${configPath}` });
      }
      const exportsField = (JSON.parse(new TextDecoder().decode(config)) as { exports?: string | Record<string, string> }).exports;
      const exports = typeof exportsField === "string" ? { ".": exportsField } : (exportsField ?? {});
      published.set(`@${scope}/${name}@${version}`, { files, exports });
      return json(res, 200, { id: `${scope}-${name}-${version}`, status: "success", error: null });
    }
    if ((m = path.match(/^\/api\/publish_status\/(.+)$/))) {
      return json(res, 200, { id: m[1], status: "success", error: null });
    }

    // ---------------------------------------------------------------- registry
    if ((m = path.match(/^\/@([^/]+)\/([^/]+)\/meta\.json$/))) {
      const [, scope, name] = m as unknown as [string, string, string];
      const versions = versionsOf(scope, name);
      if (versions.length === 0) return notFound(res);
      return json(res, 200, {
        scope,
        name,
        latest: versions.at(-1),
        versions: Object.fromEntries(versions.map((v) => [v, {}])),
      });
    }
    if ((m = path.match(/^\/@([^/]+)\/([^/]+)\/([^/]+)_meta\.json$/))) {
      const version = published.get(`@${m[1]}/${m[2]}@${m[3]}`);
      if (version === undefined) return notFound(res);
      return json(res, 200, {
        exports: version.exports,
        manifest: Object.fromEntries(
          [...version.files].map(([p, bytes]) => [p, { size: bytes.length, checksum: `sha256-${sha256(bytes)}` }]),
        ),
      });
    }
    if ((m = path.match(/^\/@([^/]+)\/([^/]+)\/([^/_]+)(\/.+)$/))) {
      const file = published.get(`@${m[1]}/${m[2]}@${m[3]}`)?.files.get(m[4]!);
      if (file === undefined) return notFound(res);
      return send(res, 200, file, contentType(m[4]!));
    }
    return notFound(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).then(
      () => log.push(`${req.method} ${req.url} -> ${res.statusCode}`),
      (err: unknown) => {
        log.push(`${req.method} ${req.url} -> 500 ${String(err)}`);
        if (!res.headersSent) json(res, 500, { code: "internalServerError", message: String(err) });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: Error) =>
      reject(new Error(`The JSR test registry cannot listen on 127.0.0.1 (a free port): ${err.message}`, { cause: err })));
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    published,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
