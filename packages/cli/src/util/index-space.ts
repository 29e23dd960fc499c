import { ClipkitError, describeSpace, type EmbeddingSpace, sameSpace } from "@clipkit/core";

/**
 * Refuses to search an index with a model of another embedding space, before any query is
 * embedded: the vectors of two models are not comparable, and the library's own error (raised
 * at search time) names neither the file nor the flag that chose the model.
 *
 * @throws ClipkitError `SPACE_MISMATCH` naming `path`, both spaces and what to do.
 */
export function assertIndexSpace(path: string, index: EmbeddingSpace, model: EmbeddingSpace): void {
  if (sameSpace(index, model)) return;
  throw new ClipkitError(
    "SPACE_MISMATCH",
    `${path} was built in ${describeSpace(index)}, the model embeds into ${describeSpace(model)}; ` +
      "pass the --model that built it, or re-index with this one",
    { details: { path, index, model } },
  );
}
