import type { EmbedOptions, ImageEmbedder, TextEmbedder } from "../model/types.js";
import type { Metadata, Retriever, SearchHit, SearchOptions } from "./types.js";

/** Options of {@link searchByText} / {@link searchByImage}: search options plus embedding options. */
export interface SearchByOptions extends SearchOptions {
  embed?: EmbedOptions;
}

/**
 * Text → items: embeds `texts` with the model's text tower and searches `index` (an image gallery,
 * or a caption index for text → text). One hit list per text, best first. The index must hold the
 * same embedding space as the model, else `SPACE_MISMATCH`.
 */
export async function searchByText<M extends Metadata>(
  model: TextEmbedder,
  index: Retriever<M>,
  texts: readonly string[],
  options: SearchByOptions,
): Promise<SearchHit<M>[][]> {
  const { embed, ...search } = options;
  const queries = await model.embedTexts(texts, embed);
  return index.search(queries, search);
}

/**
 * Image → items: embeds `images` with the model's image tower and searches `index` (a caption
 * index for image → text, or a gallery for near-duplicate / similar-image search).
 */
export async function searchByImage<I, M extends Metadata>(
  model: ImageEmbedder<I>,
  index: Retriever<M>,
  images: readonly I[],
  options: SearchByOptions,
): Promise<SearchHit<M>[][]> {
  const { embed, ...search } = options;
  const queries = await model.embedImages(images, embed);
  return index.search(queries, search);
}
