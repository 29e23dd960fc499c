import type { CacheStorageLike } from "../../files/url-files.js";

/**
 * A Map-backed Cache API for tests in Node: enough of `match`/`put` for urlFiles, the API answers
 * and scoring records (the real one is exercised in browser.test.ts).
 */
export function memoryCaches(): CacheStorageLike & { urls(): string[] } {
  const store = new Map<string, ArrayBuffer>();
  const cache = {
    async match(url: RequestInfo | URL) {
      const hit = store.get(String(url));
      return hit ? new Response(hit.slice(0)) : undefined;
    },
    async put(url: RequestInfo | URL, res: Response) {
      store.set(String(url), await res.arrayBuffer());
    },
  };
  return { open: async () => cache as unknown as Cache, urls: () => [...store.keys()] };
}
