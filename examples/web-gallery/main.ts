/**
 * The web gallery's browser app: the bundled emoji CLIP runs in the page on onnxruntime-web,
 * labels every image zero-shot, and ranks the images for a typed query. Selected cards can be
 * taught a label: a Tip-Adapter head (few-shot, training-free) is built from the taught examples
 * and relabels the gallery. Nothing leaves the page.
 *
 * Build and serve it with `npx tsx examples/web-gallery/serve.ts`.
 */
import {
  loadClipModel,
  type WebExecutionProvider,
  type WebImageInput,
  webBackend,
} from "@clipkit/backend-web";
import {
  type AdaptedHead,
  buildZeroShotHead,
  concatEmbeddings,
  type Embeddings,
  FlatIndex,
  type Scoring,
  searchByText,
  trainHeadAsync,
  type ZeroShotHead,
} from "@clipkit/core";
import { getPack } from "@clipkit/prompts";

interface Item {
  id: string;
  src: string;
  image: WebImageInput;
  embedding: Embeddings;
  label: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>("status");
const grid = $<HTMLElement>("grid");
const query = $<HTMLInputElement>("query");
const params = new URLSearchParams(location.search);
// ?ep=webgpu tries WebGPU first; wasm stays as the fallback.
const providers: WebExecutionProvider[] = params.get("ep") === "webgpu" ? ["webgpu", "wasm"] : ["wasm"];

// The emoji export has no combined graph to read its trained temperature from; config.json has it.
const config = (await (await fetch("/model/config.json")).json()) as { logit_scale: number };
const scoring: Scoring = { kind: "softmax", logitScale: Math.exp(config.logit_scale) };
const model = await loadClipModel("/model/", {
  executionProviders: providers,
  wasmPaths: "/ort/",
  scoring,
  cache: true,
});

const manifest = (await (await fetch("/assets/manifest.jsonl")).text())
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as { image: string; label: string });
const labels = [...manifest.map((m) => m.label), "banana", "cloud", "football", "train"];
// The few-shot trainer's large products go to onnxruntime-web's GEMM on the same runtime files.
const trainingBackend = webBackend({ executionProviders: ["wasm"], wasmPaths: "/ort/" });
const templates = getPack("emoji").templates;
let zeroShot: ZeroShotHead = await buildZeroShotHead(model, { labels, templates });
let head: ZeroShotHead | AdaptedHead = zeroShot;
/** Taught examples: card id → label. */
const taught = new Map<string, string>();
const index = new FlatIndex<{ label: string }>(model.space);
const items = new Map<string, Item>();

/** Embeds, labels and indexes new images, then shows them. */
async function addImages(batch: Omit<Item, "embedding" | "label">[]): Promise<void> {
  const embeddings = await model.embedImages(batch.map((b) => b.image));
  const results = head.classify(embeddings, { topK: 1 });
  index.add(
    batch.map((b) => b.id),
    embeddings,
    results.map((r) => ({ label: r.top[0]?.label ?? "?" })),
  );
  for (const [i, b] of batch.entries()) {
    const best = results[i]?.top[0];
    const item: Item = {
      ...b,
      embedding: {
        ...embeddings,
        data: embeddings.data.slice(i * embeddings.dim, (i + 1) * embeddings.dim),
        count: 1,
      },
      label: best?.label ?? "?",
    };
    items.set(b.id, item);
    grid.append(card(item, best ? `${best.label} <small>${(best.score * 100).toFixed(0)}%</small>` : ""));
  }
}

/**
 * Few-shot teaching: the taught cards become a Tip-Adapter cache over the zero-shot head (new
 * labels are added to it), and every card is relabelled. α and β are set high rather than
 * searched: with one or two examples per label there is nothing to validate on, and a teaching
 * UI wants each taught example to stick while leaving dissimilar images to zero-shot.
 * `trainHeadAsync` awaits the large products on onnxruntime-web (products under a million
 * multiply-adds, all of them for a handful of cards, stay on clipkit's kernel), so a big teaching
 * set does not freeze the page.
 */
async function teach(ids: string[], label: string): Promise<void> {
  for (const id of ids) taught.set(id, label);
  const all = [...new Set([...labels, ...taught.values()])];
  if (all.length !== zeroShot.labels.length)
    zeroShot = await buildZeroShotHead(model, { labels: all, templates });
  const examples = [...taught.keys()].map((id) => items.get(id)!);
  const started = performance.now();
  head = await trainHeadAsync(
    "tip",
    {
      embeddings: concatEmbeddings(examples.map((e) => e.embedding)),
      labels: examples.map((e) => taught.get(e.id)!),
    },
    { zeroShot, alpha: 100, beta: 15, backend: trainingBackend },
  );
  const ms = performance.now() - started;
  const list = [...items.values()];
  const results = head.classify(concatEmbeddings(list.map((i) => i.embedding)), { topK: 1 });
  grid.replaceChildren(
    ...list.map((item, i) => {
      const best = results[i]!.top[0]!;
      item.label = best.label;
      const mark = taught.has(item.id) ? " ✎" : "";
      return card(item, `${best.label}${mark} <small>${(best.score * 100).toFixed(0)}%</small>`);
    }),
  );
  status.textContent = `Taught ${taught.size} examples of ${new Set(taught.values()).size} labels; Tip-Adapter head built in ${ms.toFixed(1)} ms, gallery relabelled.`;
  document.body.dataset.state = "taught";
}

function card(item: Item, label: string, rank?: number, score?: number): HTMLElement {
  const el = document.createElement("figure");
  el.className = rank === 1 ? "card top" : "card";
  el.dataset.id = item.id;
  el.addEventListener("click", () => el.classList.toggle("selected"));
  el.innerHTML = `${rank ? `<span class="rank">#${rank}</span>` : ""}<img alt="" src="${item.src}"><div class="label">${label}</div>${
    score === undefined ? "" : `<div class="score">cos ${score.toFixed(3)}</div>`
  }`;
  return el;
}

async function search(text: string): Promise<void> {
  const [hits = []] = await searchByText(model, index, [text], { k: index.size() });
  grid.replaceChildren(...hits.map((h, i) => card(items.get(h.id)!, items.get(h.id)!.label, i + 1, h.score)));
  status.textContent = `“${text}”: ${hits.length} images ranked by cosine similarity (${model.space.id}).`;
  document.body.dataset.state = "searched";
}

const started = performance.now();
await addImages(
  await Promise.all(
    manifest.map(async (m) => {
      const src = `/assets/${m.image}`;
      return { id: m.image.replace(/^images\//, ""), src, image: await (await fetch(src)).blob() };
    }),
  ),
);
status.textContent = `${items.size} images embedded and labelled in ${((performance.now() - started) / 1000).toFixed(1)} s on ${
  providers[0]
} — ${model.space.id}, ${model.space.dim}-d; zero-shot over ${labels.length} labels.`;

$<HTMLFormElement>("search").addEventListener("submit", (e) => {
  e.preventDefault();
  if (query.value.trim()) void search(query.value.trim());
});

async function addFiles(files: Iterable<File>): Promise<void> {
  const batch = [...files]
    .filter((f) => f.type.startsWith("image/"))
    .map((f, i) => ({ id: `${f.name}#${items.size + i}`, src: URL.createObjectURL(f), image: f }));
  if (batch.length > 0) await addImages(batch);
}
$<HTMLFormElement>("teach").addEventListener("submit", (e) => {
  e.preventDefault();
  const label = $<HTMLInputElement>("teach-label").value.trim();
  const ids = [...grid.querySelectorAll<HTMLElement>(".card.selected")].map((el) => el.dataset.id!);
  if (label && ids.length > 0) void teach(ids, label);
  else status.textContent = "Select one or more cards (click them) and type a label to teach.";
});
$<HTMLInputElement>("files").addEventListener("change", (e) => {
  void addFiles((e.target as HTMLInputElement).files ?? []);
});
document.addEventListener("dragover", (e) => {
  e.preventDefault();
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  document.body.classList.remove("dragging");
  void addFiles(e.dataTransfer?.files ?? []);
});

for (const el of document.querySelectorAll<HTMLInputElement | HTMLButtonElement>(
  "#search input, #search button, #teach input, #teach button",
)) {
  el.disabled = false;
}
document.body.dataset.state = "ready";
