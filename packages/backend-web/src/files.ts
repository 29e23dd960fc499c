import { ClipkitError, type ModelFiles } from "@clipkit/core";

/** The part of the Cache API {@link urlFiles} uses (`globalThis.caches` in browsers). */
export interface CacheStorageLike {
  open(name: string): Promise<Pick<Cache, "match" | "put">>;
}

/** Options of {@link urlFiles}. */
export interface UrlFilesOptions {
  /**
   * Keep downloaded files in the Cache API so a reload does not fetch them again: `true` uses the
   * cache named `"clipkit-models"`, a string names another one. Default `false`. Where the Cache
   * API is missing (insecure contexts, Node) files are fetched every time.
   */
  cache?: boolean | string;
  /** The fetch to use (default `globalThis.fetch`), e.g. one that adds auth headers. */
  fetch?: typeof fetch;
  /** The Cache API to use (default `globalThis.caches`). */
  caches?: CacheStorageLike;
}

const DEFAULT_CACHE = "clipkit-models";

/** Checks a model-relative path: `/`-separated, no leading slash, no `..`. */
export function checkModelPath(path: string): string {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.split("/").includes("..")) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `model file path must be relative without "..", got "${path}"`,
      {
        details: { argument: "path", path },
      },
    );
  }
  return path;
}

/**
 * Model files served over HTTP(S) below `baseUrl` (e.g. `"/models/tiny-clip/"`), read with fetch
 * and optionally kept in the Cache API.
 */
export function urlFiles(baseUrl: string | URL, options: UrlFilesOptions = {}): ModelFiles {
  const origin = (globalThis as { location?: { href: string } }).location?.href;
  let base: URL;
  try {
    base = new URL(String(baseUrl), origin);
  } catch (error) {
    throw new ClipkitError("INVALID_ARGUMENT", `baseUrl "${String(baseUrl)}" is not a URL`, {
      cause: error,
      details: { argument: "baseUrl" },
    });
  }
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cacheName = options.cache === true ? DEFAULT_CACHE : options.cache || undefined;
  const storage = options.caches ?? (globalThis as { caches?: CacheStorageLike }).caches;
  const openCache = cacheName && storage ? storage.open(cacheName) : undefined;
  const urlOf = (path: string) => new URL(checkModelPath(path), base).href;

  async function request(path: string, method: "GET" | "HEAD"): Promise<Response> {
    try {
      return await doFetch(urlOf(path), { method });
    } catch (error) {
      throw new ClipkitError("IO_FAILED", `could not fetch ${urlOf(path)}`, {
        cause: error,
        details: { file: path, url: urlOf(path) },
      });
    }
  }

  return {
    location: base.href,
    async exists(path) {
      if (openCache && (await (await openCache).match(urlOf(path)))) return true;
      let res = await request(path, "HEAD");
      // Some static hosts refuse HEAD; asking for the body is the reliable fallback.
      if (res.status === 405 || res.status === 501) res = await request(path, "GET");
      await res.body?.cancel();
      return res.ok;
    },
    async read(path) {
      const url = urlOf(path);
      const cache = openCache ? await openCache : undefined;
      const hit = await cache?.match(url);
      if (hit) return new Uint8Array(await hit.arrayBuffer());
      const res = await request(path, "GET");
      if (res.status === 404 || res.status === 410) {
        throw new ClipkitError("MODEL_FILE_MISSING", `model file ${path} not found at ${url}`, {
          details: { file: path, url, status: res.status },
        });
      }
      if (!res.ok) {
        throw new ClipkitError("IO_FAILED", `fetching ${url} failed with HTTP ${res.status}`, {
          details: { file: path, url, status: res.status },
        });
      }
      if (cache) await cache.put(url, res.clone());
      return new Uint8Array(await res.arrayBuffer());
    },
    async readText(path) {
      return new TextDecoder().decode(await this.read(path));
    },
  };
}

/** Options of {@link blobFiles}. */
export interface BlobFilesOptions {
  /** Name for error messages (default `"selected files"`). */
  location?: string;
}

/**
 * Model files the user picked or dropped: a `Map` of model-relative path → `Blob`, or `File`s.
 * A `File` from a folder picker (`<input webkitdirectory>`) is keyed by its path below the picked
 * folder; a loose file by its name. A path that matches no key falls back to the one file with the
 * same base name, so dropping `text_model.onnx` serves `onnx/text_model.onnx`.
 */
export function blobFiles(
  files: readonly File[] | ReadonlyMap<string, Blob>,
  options: BlobFilesOptions = {},
): ModelFiles {
  const byPath = new Map<string, Blob>();
  if (files instanceof Map) {
    for (const [path, blob] of files) byPath.set(checkModelPath(path), blob);
  } else {
    for (const file of files as readonly File[]) {
      const rel = file.webkitRelativePath ? file.webkitRelativePath.split("/").slice(1).join("/") : file.name;
      byPath.set(rel || file.name, file);
    }
  }
  const location = options.location ?? "selected files";
  const find = (path: string): Blob | undefined => {
    const exact = byPath.get(checkModelPath(path));
    if (exact) return exact;
    const name = path.slice(path.lastIndexOf("/") + 1);
    const same = [...byPath].filter(([key]) => key.slice(key.lastIndexOf("/") + 1) === name);
    return same.length === 1 ? same[0]![1] : undefined;
  };
  return {
    location,
    async exists(path) {
      return find(path) !== undefined;
    },
    async read(path) {
      const blob = find(path);
      if (!blob) {
        throw new ClipkitError("MODEL_FILE_MISSING", `model file ${path} is not among the ${location}`, {
          details: { file: path, available: [...byPath.keys()] },
        });
      }
      return new Uint8Array(await blob.arrayBuffer());
    },
    async readText(path) {
      return new TextDecoder().decode(await this.read(path));
    },
  };
}
