/** Options shared by every hub entry point, with the environment variables Python reads. */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ClipkitError, type HubProgress } from "@clipkit/core";

/** How to reach the hub and where to cache. Every field has an environment default. */
export interface HubOptions {
  /** Cache root; default `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` (Python's). */
  cacheDir?: string;
  /** Hub base URL; default `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** Access token for gated/private repos; default `HF_TOKEN`, else the token file Python's `hf auth login` writes; `""` sends none. Never logged. */
  token?: string;
  /** Use only the cache, never the network; default `HF_HUB_OFFLINE=1`. */
  offline?: boolean;
  /** Branch, tag or commit; overrides an `@revision` in the id. Default `"main"`. */
  revision?: string;
  /** Ask the hub again what a branch/tag points to even when `refs/` already knows (default `false`: a resolved ref is reused offline). */
  refresh?: boolean;
  /** Called as bytes arrive. */
  onProgress?: (progress: HubProgress) => void;
  /** Aborts the download (rejects with `ABORTED`); a partial file stays for the next attempt to resume. */
  signal?: AbortSignal;
  /** Attempts per file after 5xx answers or dropped connections, resuming each time (default 5). */
  retries?: number;
  /** A connection that delivers no byte for this long is dropped and resumed (default 30 000 ms). */
  stallTimeoutMs?: number;
  /** Custom fetch (proxies, tests). */
  fetch?: typeof fetch;
}

/** {@link HubOptions} with the environment applied. */
export interface ResolvedHubOptions extends HubOptions {
  readonly endpoint: string;
  readonly offline: boolean;
  readonly token: string | undefined;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

function tokenFromFile(): string | undefined {
  const home =
    process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface");
  try {
    const token = readFileSync(process.env.HF_TOKEN_PATH ?? join(home, "token"), "utf8").trim();
    return token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Applies `HF_ENDPOINT`, `HF_HUB_OFFLINE`, `HF_TOKEN` (the option wins over the environment). */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  const env = process.env;
  const endpoint = (options.endpoint ?? (env.HF_ENDPOINT || "https://huggingface.co")).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ClipkitError("INVALID_ARGUMENT", `hub endpoint must be an http(s) URL, got "${endpoint}"`, {
      details: { argument: "endpoint", value: endpoint },
    });
  }
  return {
    ...options,
    endpoint,
    offline: options.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? "").toLowerCase()),
    token: options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN ?? tokenFromFile(),
  };
}
