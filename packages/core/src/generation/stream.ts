/**
 * Streaming helpers: turn a callback-driven generation into an async iterator, and token ids
 * into text deltas that never split a UTF-8 character.
 */

/** One streamed piece: the token and the text it added (may be empty mid-character). */
export interface StreamChunk {
  /** Which input (image) of the call the token belongs to. */
  readonly input: number;
  readonly token: number;
  readonly text: string;
}

/**
 * Produces text deltas for a growing id list: decodes everything so far and returns what was
 * added, holding back a trailing U+FFFD (an unfinished multi-byte character).
 */
export class TextDeltas {
  #ids: number[] = [];
  #emitted = "";

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** Adds a token and returns the new text. */
  push(token: number): string {
    this.#ids.push(token);
    let text = this.decode(this.#ids);
    if (text.endsWith("\uFFFD")) text = text.slice(0, -1);
    if (!text.startsWith(this.#emitted)) return "";
    const delta = text.slice(this.#emitted.length);
    this.#emitted = text;
    return delta;
  }
}

/**
 * Runs `produce(emit)` and yields every emitted value as it comes. Errors of `produce`
 * (including `ABORTED`) are thrown from the iterator; breaking out early aborts nothing by
 * itself, so pass an AbortSignal to stop the work.
 */
export async function* iterate<T>(
  produce: (emit: (value: T) => void) => Promise<unknown>,
): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const done = produce((value) => {
    queue.push(value);
    wake?.();
  }).then(
    () => {
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      failure = { error };
      finished = true;
      wake?.();
    },
  );
  while (true) {
    if (queue.length > 0) {
      yield queue.shift()!;
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  await done;
  if (failure) throw failure.error;
}
