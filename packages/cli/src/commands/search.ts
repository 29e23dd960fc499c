import { loadIndexFile } from "@clipkit/backend-node";
import { type Metadata, type SearchHit, searchByImage, searchByText } from "@clipkit/core";
import type { Command, CommandContext } from "../command.js";
import { MAX_HNSW_EF, parseFlags, parsePositiveInt, readListFile, usageError } from "../util/args.js";
import { assertIndexSpace } from "../util/index-space.js";
import { MODEL_FLAGS, MODEL_FLAGS_USAGE, openModel } from "../util/model.js";
import { namedImageError } from "../util/per-file.js";

const usage = `Usage: clipkit search "<text>" --index INDEX --model DIR [options]
       clipkit search --image QUERY.jpg --index INDEX --model DIR [options]
       clipkit search --query "a dog" --query "a cat" [--image Q.jpg …] --index INDEX [options]

Searches an index built by 'clipkit index' (images) or 'clipkit index-texts' (captions) with a
text or an image query, embedded by the same model that built the index. Exact (flat) and HNSW
(--ann) index files are told apart by their header.

Options:
  --index FILE        index file (required)
  --image FILE        query with an image (repeatable)
  --query TEXT        one more text query (repeatable); the words before the options are one
                      query, so several queries need --query, --image or --queries-file
  --queries-file F    text queries, one per line (# comments and blank lines skipped)
  --k N               results (default 10)
  --filter KEY=VALUE  only items whose metadata KEY equals VALUE (repeatable)
  --ef N              HNSW indexes: search candidate list size (default: the one stored in
                      the index, 64 unless set by 'clipkit index --ann --ef'); higher = better
                      recall, slower. Ignored, with a note, for exact indexes
  --json              results as JSON on stdout: {query, results} for one query,
                      {queries: [{query, results}, …]} for several
${MODEL_FLAGS_USAGE}

Several queries are embedded together (one model call per --batch-size) and answered in order,
each under a "# query" header.
`;

/** What a hit shows: the image path or caption text when the index stored one, else the id. */
function label(hit: SearchHit<Metadata>): string {
  const m = hit.metadata;
  if (m && typeof m.path === "string") return m.path;
  if (m && typeof m.text === "string") return m.text;
  return hit.id;
}

function parseFilter(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const filter: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw usageError(`--filter expects KEY=VALUE, got ${JSON.stringify(v)}`, "--filter");
    filter[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return filter;
}

async function search(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseFlags(ctx.argv, {
    ...MODEL_FLAGS,
    index: { type: "string" },
    image: { type: "string", multiple: true },
    query: { type: "string", multiple: true },
    "queries-file": { type: "string" },
    k: { type: "string" },
    ef: { type: "string" },
    filter: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  if (!values.index) throw usageError("--index FILE is required", "--index");
  const texts: string[] = [];
  const joined = positionals.join(" ").trim();
  if (joined) texts.push(joined);
  texts.push(...(values.query ?? []).map((q) => q.trim()).filter(Boolean));
  if (values["queries-file"]) texts.push(...(await readListFile(values["queries-file"], "--queries-file")));
  const images = values.image ?? [];
  if (texts.length === 0 && images.length === 0)
    throw usageError(
      'no query: clipkit search "<text>", --query TEXT, --queries-file F or --image FILE (see --help)',
    );
  const k = parsePositiveInt(values.k, "--k", 10);
  const filter = parseFilter(values.filter);
  const ef = values.ef === undefined ? undefined : parsePositiveInt(values.ef, "--ef", 1, MAX_HNSW_EF);
  const { kind, index } = await loadIndexFile(values.index, ef === undefined ? {} : { expansionSearch: ef });
  if (ef !== undefined && kind === "flat")
    ctx.stderr.write(`clipkit: --ef ignored: ${values.index} is an exact index, searched exhaustively\n`);
  const model = await openModel(values);
  try {
    assertIndexSpace(values.index, index.space, model.space);
    const options = { k, ...(filter ? { filter } : {}) };
    const byText = texts.length > 0 ? await searchByText(model, index, texts, options) : [];
    const byImage =
      images.length > 0
        ? await searchByImage(model, index, images, options).catch((error: unknown) => {
            // The library names a bad image by its place in the batch; the user typed a file.
            throw namedImageError(error, images);
          })
        : [];
    const answered = [
      ...texts.map((text, i) => ({ query: { text } as Query, results: byText[i] ?? [] })),
      ...images.map((image, i) => ({ query: { image } as Query, results: byImage[i] ?? [] })),
    ];
    if (values.json) {
      const doc =
        answered.length === 1
          ? { query: answered[0]!.query, index: values.index, kind, results: answered[0]!.results }
          : { index: values.index, kind, queries: answered };
      ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    for (const { query, results } of answered) {
      if (answered.length > 1) {
        ctx.stdout.write(
          `# query: ${"text" in query ? JSON.stringify(query.text) : `image ${query.image}`}\n`,
        );
      }
      results.forEach((h, i) => {
        ctx.stdout.write(`${String(i + 1).padStart(3)}  ${h.score.toFixed(4)}  ${label(h)}\n`);
      });
      if (results.length === 0) ctx.stdout.write("(no results)\n");
    }
    return 0;
  } finally {
    await model.release();
  }
}

type Query = { text: string } | { image: string };

/** `clipkit search`: text → images or image → captions over a saved index. */
export const searchCommand: Command = {
  name: "search",
  summary: "search an index by text or by image (--image)",
  usage,
  run: search,
};
