/**
 * A Hugging Face hub look-alike on 127.0.0.1 for tests (never the real hub): the model API
 * (`/api/models/o/n/revision/r`, `/tree/r`), `resolve` downloads with the real hub's headers
 * (`X-Repo-Commit`, `ETag`, `X-Linked-Etag`, `X-Linked-Size`, 302 to a separate file host for LFS
 * files, `Range`), CORS for the browser, and injectable faults (5xx, dropped connections, slow or
 * corrupted bodies). Responses follow what `huggingface_hub` expects, including `X-Error-Code`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeCommit, type RepoFile, readRepoFiles } from "./repo-files.js";

export { fakeCommit } from "./repo-files.js";

/** A fake repo: which commit each branch/tag points to and which folder each commit holds. */
export interface FakeRepo {
  /** Branch or tag → commit. */
  readonly refs: Readonly<Record<string, string>>;
  /** Commit → folder on disk whose files the commit holds. */
  readonly commits: Readonly<Record<string, string>>;
  /** Gated: requests need `Authorization: Bearer <token>` (none → 401, another → 403). */
  readonly token?: string;
}

/** Failures the server can inject; `"no-range"` answers a ranged read with the whole file (200). */
export type Fault = "500" | "drop" | "slow" | "corrupt" | "no-range";

/** One request the server saw. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
  readonly authorized: boolean;
  /** HTTP status sent (0 until answered). */
  status: number;
  /** Body bytes sent (file bodies only; JSON and redirects count 0). */
  bytes: number;
}

export interface HubServer {
  /** Base URL to use as `endpoint` / `HF_ENDPOINT`. */
  readonly url: string;
  /** Every request, in order (the file host's too). */
  readonly requests: LoggedRequest[];
  /** Applies `fault` to the next `times` requests whose path contains `match` (probes of `bytes=0-0` are spared unless the fault is `"500"`). */
  fault(match: string, fault: Fault, times?: number): void;
  /** Injected faults not yet triggered. */
  readonly faultsLeft: number;
  /** Milliseconds between 4 KiB chunks of a `"slow"` body (default 50). */
  slowChunkMs: number;
  close(): Promise<void>;
}

interface PendingFault {
  match: string;
  fault: Fault;
  left: number;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Range, Authorization, Accept, Content-Type",
  "Access-Control-Expose-Headers":
    "ETag, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, X-Error-Code, Content-Range, Accept-Ranges, Content-Length",
};

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...CORS, "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Starts the hub (and its LFS file host on a second port, so redirects cross origins). */
export async function startHubServer(repos: Readonly<Record<string, FakeRepo>>): Promise<HubServer> {
  const files = new Map<string, Map<string, RepoFile>>();
  const filesOf = (dir: string) => {
    const f = files.get(dir) ?? readRepoFiles(dir);
    files.set(dir, f);
    return f;
  };
  const blobs = new Map<string, RepoFile>();
  const faults: PendingFault[] = [];
  const requests: LoggedRequest[] = [];
  const state = { slowChunkMs: 50, fileHost: "" };

  const takeFault = (path: string, range: string | undefined): Fault | undefined => {
    const i = faults.findIndex((f) => path.includes(f.match) && (f.fault === "500" || range !== "bytes=0-0"));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left <= 0) faults.splice(i, 1);
    return f.fault;
  };

  const sendBytes = async (
    req: IncomingMessage,
    res: ServerResponse,
    file: RepoFile,
    headers: Record<string, string>,
    fault: Fault | undefined,
    log: LoggedRequest,
  ) => {
    let body = file.bytes;
    if (fault === "corrupt") {
      body = Buffer.from(body);
      body[body.length >> 1] = (body[body.length >> 1]! + 1) & 255;
    }
    const m = fault === "no-range" ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = file.size - 1;
    let status = 200;
    const out: Record<string, string> = { ...CORS, ...headers, "Accept-Ranges": "bytes" };
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), file.size - 1) : file.size - 1;
      if (start >= file.size) {
        res.writeHead(416, { ...out, "Content-Range": `bytes */${file.size}` });
        res.end();
        return;
      }
      status = 206;
      out["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
    }
    const slice = body.subarray(start, end + 1);
    out["Content-Length"] = String(slice.length);
    out["Content-Type"] = "application/octet-stream";
    log.status = status;
    res.writeHead(status, out);
    if (req.method === "HEAD") return void res.end();
    log.bytes = fault === "drop" ? slice.length >> 1 : slice.length;
    if (fault === "drop") {
      res.write(slice.subarray(0, slice.length >> 1), () => res.destroy());
      return;
    }
    if (fault === "slow") {
      for (let i = 0; i < slice.length && !res.destroyed; i += 4096) {
        res.write(slice.subarray(i, i + 4096));
        await new Promise((r) => setTimeout(r, state.slowChunkMs));
      }
      res.end();
      return;
    }
    res.end(slice);
  };

  const authFails = (req: IncomingMessage, res: ServerResponse, repo: FakeRepo, name: string): boolean => {
    if (!repo.token) return false;
    const auth = req.headers.authorization;
    if (auth === `Bearer ${repo.token}`) return false;
    json(
      res,
      auth ? 403 : 401,
      {
        error: `Access to model ${name} is restricted. You must have access to it and be authenticated to access it.`,
      },
      { "X-Error-Code": "GatedRepo" },
    );
    return true;
  };

  const repoMissing = (req: IncomingMessage, res: ServerResponse) =>
    // Like the real hub: 401 without a token (private repos are not revealed), 404 with one.
    json(
      res,
      req.headers.authorization ? 404 : 401,
      { error: "Repository not found" },
      { "X-Error-Code": "RepoNotFound" },
    );

  const hub = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = decodeURIComponent(url.pathname);
    const log: LoggedRequest = {
      method: req.method ?? "GET",
      path,
      range: req.headers.range,
      authorized: !!req.headers.authorization,
      status: 0,
      bytes: 0,
    };
    requests.push(log);
    if (req.method === "OPTIONS") return void res.writeHead(204, CORS).end();
    const fault = takeFault(path, req.headers.range);
    if (fault === "500") return json(res, 500, { error: "Internal Error" });
    const lfs = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    if (lfs) {
      const file = blobs.get(lfs[1]!);
      if (!file) return json(res, 404, { error: "no such blob" });
      return sendBytes(req, res, file, { ETag: `"${file.sha256}"` }, fault, log);
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const m = api ?? resolve;
    if (!m) return json(res, 404, { error: "not found" });
    const name = m[1]!;
    const repo = repos[name];
    if (!repo) return repoMissing(req, res);
    if (authFails(req, res, repo, name)) return;
    const rev = decodeURIComponent(api ? m[3]! : m[2]!);
    const commit = repo.refs[rev] ?? (repo.commits[rev] ? rev : undefined);
    if (!commit)
      return json(res, 404, { error: `Invalid rev id: ${rev}` }, { "X-Error-Code": "RevisionNotFound" });
    const tree = filesOf(repo.commits[commit]!);
    if (api?.[2] === "revision") {
      return json(res, 200, {
        _id: fakeCommit(name).slice(0, 24),
        id: name,
        sha: commit,
        private: false,
        gated: repo.token ? "manual" : false,
        downloads: 0,
        likes: 0,
        lastModified: "2026-01-01T00:00:00.000Z",
        siblings: [...tree.keys()].map((rfilename) => ({ rfilename })),
      });
    }
    if (api) {
      const dirs = new Set<string>();
      const entries = [...tree.values()].map((f, i) => {
        const slash = f.path.lastIndexOf("/");
        if (slash > 0) dirs.add(f.path.slice(0, slash));
        // Each file's last commit differs from the revision's commit, as on the real hub.
        const lastCommit = {
          id: fakeCommit(`${commit}:${i}`),
          title: "upload",
          date: "2026-01-01T00:00:00.000Z",
        };
        return {
          type: "file",
          oid: f.gitOid,
          size: f.size,
          path: f.path,
          ...(f.lfs ? { lfs: { oid: f.sha256, size: f.size, pointerSize: 134 } } : {}),
          ...(url.searchParams.get("expand") === "true" ? { lastCommit } : {}),
        };
      });
      return json(res, 200, [
        ...[...dirs].map((d) => ({ type: "directory", oid: fakeCommit(d), size: 0, path: d })),
        ...entries,
      ]);
    }
    const file = tree.get(m[3]!);
    if (!file)
      return json(
        res,
        404,
        { error: "Entry not found" },
        { "X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit },
      );
    const common = { "X-Repo-Commit": commit };
    if (file.lfs) {
      blobs.set(file.sha256, file);
      res.writeHead(302, {
        ...CORS,
        ...common,
        Location: `${state.fileHost}/lfs/${file.sha256}`,
        ETag: `"${file.gitOid}"`,
        "X-Linked-Etag": `"${file.sha256}"`,
        "X-Linked-Size": String(file.size),
        "Content-Length": "0",
      });
      return void res.end();
    }
    return sendBytes(req, res, file, { ...common, ETag: `"${file.gitOid}"` }, fault, log);
  };

  const listen = (server: Server) =>
    new Promise<string>((ok) =>
      server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    );
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    hub(req, res).catch((error) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  };
  const main = createServer(handler);
  const host = createServer(handler);
  const url = await listen(main);
  // The file host answers under another host name, like the hub's CDN: huggingface_hub only reads
  // the 302's headers when the redirect leaves the hub's host.
  state.fileHost = (await listen(host)).replace("127.0.0.1", "localhost");
  return {
    url,
    requests,
    fault(match, fault, times = 1) {
      faults.push({ match, fault, left: times });
    },
    get faultsLeft() {
      return faults.reduce((n, f) => n + f.left, 0);
    },
    get slowChunkMs() {
      return state.slowChunkMs;
    },
    set slowChunkMs(ms: number) {
      state.slowChunkMs = ms;
    },
    async close() {
      for (const s of [main, host]) {
        s.closeAllConnections();
        await new Promise<void>((ok) => s.close(() => ok()));
      }
    },
  };
}
