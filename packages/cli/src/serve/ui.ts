/**
 * The web UI served at `/`: one self-contained page (no build step, no CDN — the server may run
 * offline). Text search, image drop/upload search, a k and a metadata filter field, a results grid
 * with scores and paths; thumbnails come from `/file/:id`. A token, when the server needs one, is
 * read from the page URL's `#token=…` and sent as a bearer header.
 */
export const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clipkit serve</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header span { opacity: .7; font-size: 13px; }
  main { padding: 16px 20px; }
  form { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
  input[type=text] { padding: 8px; border: 1px solid #c6cbd4; border-radius: 6px; }
  #q { flex: 1 1 320px; font-size: 16px; }
  #k { width: 60px; } #filter { width: 220px; }
  button { padding: 8px 14px; border: 0; border-radius: 6px; background: #3b6ef5; color: #fff; cursor: pointer; }
  #drop { margin-top: 12px; border: 2px dashed #aab2c0; border-radius: 8px; padding: 14px; text-align: center; color: #5b6475; }
  #drop.over { background: #e8eefc; border-color: #3b6ef5; }
  #status { margin: 12px 0; color: #5b6475; min-height: 1.2em; }
  #status.error { color: #c0262d; }
  #results { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
  .hit { background: #fff; border-radius: 8px; padding: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); overflow: hidden; }
  .hit img { width: 100%; height: 140px; object-fit: contain; background: #eef0f3; border-radius: 4px; image-rendering: pixelated; }
  .score { font-weight: 600; font-variant-numeric: tabular-nums; }
  .path { font-size: 12px; color: #5b6475; word-break: break-all; }
</style>
</head>
<body>
<header><h1>clipkit serve</h1><span id="info"></span></header>
<main>
  <form id="form">
    <input id="q" type="text" placeholder="Search by text…" autocomplete="off">
    <label>k <input id="k" type="text" value="12"></label>
    <input id="filter" type="text" placeholder='filter, e.g. {"folder":"cats"}'>
    <button type="submit">Search</button>
  </form>
  <div id="drop">Drop an image here, or <label style="text-decoration:underline;cursor:pointer">choose one<input id="file" type="file" accept="image/*" hidden></label>, to search by image</div>
  <div id="status"></div>
  <div id="results"></div>
</main>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const auth = token ? { authorization: "Bearer " + token } : {};
const $ = (id) => document.getElementById(id);
function setStatus(text, error) { $("status").textContent = text; $("status").className = error ? "error" : ""; }
function params() {
  const k = $("k").value.trim() || "12";
  const filter = $("filter").value.trim();
  if (filter) JSON.parse(filter);
  return { k: Number(k), filter: filter ? JSON.parse(filter) : undefined };
}
async function thumb(img, id) {
  const r = await fetch("/file/" + encodeURIComponent(id), { headers: auth });
  if (r.ok) img.src = URL.createObjectURL(await r.blob()); else img.alt = "(no preview)";
}
function show(data) {
  const box = $("results");
  box.replaceChildren();
  for (const hit of data.results) {
    const card = document.createElement("div");
    card.className = "hit";
    const m = hit.metadata || {};
    if (typeof m.path === "string") { const img = document.createElement("img"); img.alt = m.path; card.append(img); thumb(img, hit.id); }
    const score = document.createElement("div"); score.className = "score"; score.textContent = hit.score.toFixed(4);
    const path = document.createElement("div"); path.className = "path"; path.textContent = m.path || m.text || hit.id;
    card.append(score, path);
    box.append(card);
  }
  setStatus(data.results.length + " results (" + data.query + " query)");
}
async function search(body, headers, query) {
  setStatus("searching…");
  try {
    const r = await fetch("/search" + (query || ""), { method: "POST", headers: { ...auth, ...headers }, body });
    const data = await r.json();
    if (!r.ok) return setStatus(data.error.code + ": " + data.error.message, true);
    show(data);
  } catch (e) { setStatus(String(e), true); }
}
$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  let p; try { p = params(); } catch { return setStatus("filter must be JSON", true); }
  search(JSON.stringify({ text: $("q").value, ...p }), { "content-type": "application/json" });
});
function searchFile(file) {
  let p; try { p = params(); } catch { return setStatus("filter must be JSON", true); }
  const q = "?k=" + p.k + (p.filter ? "&filter=" + encodeURIComponent(JSON.stringify(p.filter)) : "");
  search(file, { "content-type": file.type || "application/octet-stream" }, q);
}
$("file").addEventListener("change", (e) => { if (e.target.files[0]) searchFile(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) searchFile(e.dataTransfer.files[0]); });
fetch("/healthz").then((r) => r.json()).then((h) => { $("info").textContent = h.index.size + " items · " + h.index.kind + " · " + h.model; });
</script>
</body>
</html>
`;
