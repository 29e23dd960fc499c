/**
 * The web gallery's browser app: the bundled emoji CLIP runs in the page on onnxruntime-web,
 * labels every image zero-shot, and ranks the images for a typed query. Nothing leaves the page.
 *
 * Build and serve it with `npx tsx examples/web-gallery/serve.ts`.
 */
import { loadClipModel, type WebExecutionProvider, type WebImageInput } from "@clipkit/backend-web";
import { buildZeroShotHead, FlatIndex, type Scoring, searchByText, type ZeroShotHead } from "@clipkit/core";
import { getPack } from "@clipkit/prompts";

interface Item {
  id: string;
  src: string;
  image: WebImageInput;
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
const head: ZeroShotHead = await buildZeroShotHead(model, { labels, templates: getPack("emoji").templates });
const index = new FlatIndex<{ label: string }>(model.space);
const items = new Map<string, Item>();

/** Embeds, labels and indexes new images, then shows them. */
async function addImages(batch: Item[]): Promise<void> {
  const embeddings = await model.embedImages(batch.map((b) => b.image));
  const results = head.classify(embeddings, { topK: 1 });
  index.add(
    batch.map((b) => b.id),
    embeddings,
    results.map((r) => ({ label: r.top[0]?.label ?? "?" })),
  );
  for (const [i, b] of batch.entries()) {
    items.set(b.id, b);
    const best = results[i]?.top[0];
    grid.append(card(b, best ? `${best.label} <small>${(best.score * 100).toFixed(0)}%</small>` : ""));
  }
}

function card(item: Item, label: string, rank?: number, score?: number): HTMLElement {
  const el = document.createElement("figure");
  el.className = rank === 1 ? "card top" : "card";
  el.dataset.id = item.id;
  el.innerHTML = `${rank ? `<span class="rank">#${rank}</span>` : ""}<img alt="" src="${item.src}"><div class="label">${label}</div>${
    score === undefined ? "" : `<div class="score">cos ${score.toFixed(3)}</div>`
  }`;
  return el;
}

async function search(text: string): Promise<void> {
  const [hits = []] = await searchByText(model, index, [text], { k: index.size() });
  grid.replaceChildren(
    ...hits.map((h, i) => card(items.get(h.id)!, h.metadata?.label ?? "", i + 1, h.score)),
  );
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
  "#search input, #search button",
)) {
  el.disabled = false;
}
document.body.dataset.state = "ready";
