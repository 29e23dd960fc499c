import { ClipkitError, type ModelFiles } from "@clipkit/core";
import { checkModelPath } from "./path.js";

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
    // No trailing slash, like a directory path: loaders append `/${path}`.
    location: base.href.slice(0, -1),
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
