// The ClipNet search page: plain JavaScript over the JSON API, no framework and nothing from a CDN.
"use strict";

const $ = id => document.getElementById(id);
const state = {
  query: { kind: "text", text: "" },   // kind: text | image | similar
  controller: null,                    // aborts a search that a newer one replaces
  ready: false,
};

// ---- status: the model loads once at start; the page says so until it is ready ----
async function pollStatus() {
  const label = $("status");
  try {
    const status = await (await fetch("/api/status")).json();
    label.className = status.state;
    if (status.state === "ready") {
      label.textContent = `${status.photos.toLocaleString()} photos · ${status.model}`;
      label.title = status.index;
      const first = !state.ready;
      state.ready = true;
      if (first) runQuery();
      return;
    }
    if (status.state === "failed") { label.textContent = `model failed to load: ${status.message}`; return; }
    label.textContent = `Loading model… (${status.photos.toLocaleString()} photos indexed)`;
  } catch {
    label.className = "failed";
    label.textContent = "server not reachable";
  }
  setTimeout(pollStatus, 500);
}

// ---- query building ----
function filterParams(form) {
  const add = (name, value) => { if (value !== "" && value != null) form.append(name, value); };
  add("plus", $("plus").value.trim());
  add("minus", $("minus").value.trim());
  add("folder", $("folder").value.trim());
  add("from", $("from").value);
  add("to", $("to").value);
  add("type", $("type").value);
  if (Number($("min-score").value) > 0) add("minScore", $("min-score").value);   // 0 is "off": no minimum
  add("top", $("top").value);
  return form;
}

async function runQuery() {
  if (!state.ready) return;
  const q = state.query;
  if (state.controller) state.controller.abort();
  const controller = state.controller = new AbortController();
  let request;
  if (q.kind === "image") {
    const form = filterParams(new FormData());
    form.append("image", q.image, q.image.name || "pasted image");
    request = fetch("/api/search", { method: "POST", body: form, signal: controller.signal });
  } else if (q.kind === "similar") {
    const params = filterParams(new URLSearchParams());
    request = fetch(`/api/similar/${q.id}?${params}`, { signal: controller.signal });
  } else {
    if (q.text.trim() === "" && $("plus").value.trim() === "") { showResults(null); return; }
    const params = filterParams(new URLSearchParams({ q: q.text }));
    request = fetch(`/api/search?${params}`, { signal: controller.signal });
  }
  try {
    const response = await request;
    const body = await response.json();
    if (controller !== state.controller) return;
    if (!response.ok) { showError(body.error || response.statusText); return; }
    showResults(body);
  } catch (e) {
    if (e.name !== "AbortError") showError(String(e));
  }
}

function showError(message) {
  const summary = $("summary");
  summary.className = "error";
  summary.textContent = message;
  $("results").replaceChildren();
}

function describeQuery() {
  const q = state.query;
  if (q.kind === "image") return `photos like ${q.image.name || "the pasted image"}`;
  if (q.kind === "similar") return `more like ${q.path}`;
  return `“${q.text}”`;
}

function showResults(body) {
  const summary = $("summary");
  summary.className = "";
  if (!body) { summary.textContent = ""; $("results").replaceChildren(); return; }
  summary.textContent = `${body.results.length} result${body.results.length === 1 ? "" : "s"} for ${describeQuery()} in ${body.milliseconds.toFixed(0)} ms`;
  $("results").replaceChildren(...body.results.map(photoCard));
}

function photoCard(hit) {
  const card = document.createElement("figure");
  card.className = "photo";
  card.dataset.id = hit.id;
  const img = document.createElement("img");
  img.src = `/api/thumb/${hit.id}`;
  img.alt = hit.name;
  img.loading = "lazy";
  img.addEventListener("click", () => openViewer(hit));
  // A file moved or deleted since indexing (or one the server refuses) shows as such, not as a broken image.
  img.addEventListener("error", () => card.classList.add("missing"));
  const caption = document.createElement("figcaption");
  const score = document.createElement("span");
  score.className = "score";
  score.textContent = hit.score.toFixed(3);
  caption.append(score, moreLikeThisButton(hit));
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = hit.name;
  name.title = hit.path;
  card.append(img, caption, name);
  return card;
}

function moreLikeThisButton(hit) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "more-like-this";
  button.textContent = "More like this";
  button.addEventListener("click", () => searchSimilar(hit));
  return button;
}

function searchSimilar(hit) {
  closeViewer();
  showSearchTab();
  state.query = { kind: "similar", id: hit.id, path: hit.path };
  $("q").value = "";
  $("image-query").hidden = true;
  runQuery();
}

// ---- search as you type, debounced ----
let typingTimer = 0;
$("q").addEventListener("input", () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    state.query = { kind: "text", text: $("q").value };
    $("image-query").hidden = true;
    runQuery();
  }, 250);
});
for (const id of ["plus", "minus", "folder"])
  $(id).addEventListener("input", () => { clearTimeout(typingTimer); typingTimer = setTimeout(runQuery, 250); });
for (const id of ["from", "to", "type", "top"]) $(id).addEventListener("change", runQuery);
$("min-score").addEventListener("input", () => {
  const value = Number($("min-score").value);
  $("min-score-value").textContent = value > 0 ? value.toFixed(2) : "off";
  clearTimeout(typingTimer);
  typingTimer = setTimeout(runQuery, 120);
});

// ---- search by image: drag and drop anywhere, or paste ----
function searchByImage(file) {
  if (!file || !file.type.startsWith("image/")) { showError("that is not an image file"); return; }
  state.query = { kind: "image", image: file };
  const preview = $("query-image");
  if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  $("query-image-label").textContent = file.name || "pasted image";
  $("image-query").hidden = false;
  $("q").value = "";
  showSearchTab();
  runQuery();
}
let dragDepth = 0;
document.addEventListener("dragenter", e => { e.preventDefault(); dragDepth++; $("drop-overlay").hidden = false; });
document.addEventListener("dragleave", () => { if (--dragDepth <= 0) { dragDepth = 0; $("drop-overlay").hidden = true; } });
document.addEventListener("dragover", e => e.preventDefault());
document.addEventListener("drop", e => {
  e.preventDefault();
  dragDepth = 0;
  $("drop-overlay").hidden = true;
  searchByImage(e.dataTransfer.files[0]);
});
document.addEventListener("paste", e => {
  const file = [...e.clipboardData.files].find(f => f.type.startsWith("image/"));
  if (file) { e.preventDefault(); searchByImage(file); }
});
$("clear-image").addEventListener("click", () => {
  $("image-query").hidden = true;
  state.query = { kind: "text", text: $("q").value };
  runQuery();
});

// ---- full image and its path ----
let viewed = null;
function openViewer(hit) {
  viewed = hit;
  $("viewer-image").src = `/api/image/${hit.id}`;
  $("viewer-image").alt = hit.name;
  $("viewer-path").textContent = hit.path;
  $("viewer-score").textContent = hit.score != null ? `score ${hit.score.toFixed(3)}` : "";
  $("viewer").hidden = false;
}
function closeViewer() { $("viewer").hidden = true; $("viewer-image").removeAttribute("src"); }
$("viewer-close").addEventListener("click", closeViewer);
$("viewer-similar").addEventListener("click", () => searchSimilar(viewed));
$("viewer").addEventListener("click", e => { if (e.target === $("viewer")) closeViewer(); });
document.addEventListener("keydown", e => { if (e.key === "Escape") closeViewer(); });

// ---- duplicates: groups side by side, with sizes and paths; nothing is deleted ----
function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

async function loadDuplicates() {
  const summary = $("dup-summary");
  summary.className = "";
  summary.textContent = "Looking for duplicates…";
  const threshold = $("dup-threshold").value;
  try {
    const response = await fetch(`/api/duplicates${threshold ? `?threshold=${threshold}` : ""}`);
    const body = await response.json();
    if (!response.ok) { summary.className = "error"; summary.textContent = body.error || response.statusText; return; }
    $("dup-threshold").placeholder = body.threshold.toFixed(2);
    const exact = body.groups.filter(g => g.kind === "exact").length;
    summary.textContent = `${body.groups.length} groups (${exact} exact, ${body.groups.length - exact} near, similarity ≥ ${body.threshold.toFixed(2)})`;
    $("duplicate-groups").replaceChildren(...body.groups.map(duplicateGroup));
  } catch (e) {
    summary.className = "error";
    summary.textContent = String(e);
  }
}

function duplicateGroup(group) {
  const box = document.createElement("section");
  box.className = "dup-group";
  const title = document.createElement("h3");
  title.textContent = group.kind === "exact"
    ? `Exact duplicates · ${group.photos.length} identical files`
    : `Similar shots · ${group.photos.length} photos · similarity ${group.similarity.toFixed(3)}`;
  const members = document.createElement("div");
  members.className = "dup-members";
  for (const photo of group.photos) {
    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = `/api/thumb/${photo.id}`;
    img.alt = photo.name;
    img.addEventListener("click", () => openViewer({ ...photo, score: null }));
    const caption = document.createElement("figcaption");
    const size = document.createElement("div");
    size.className = "size";
    size.textContent = formatBytes(photo.bytes);
    const path = document.createElement("div");
    path.textContent = photo.path;
    caption.append(size, path);
    figure.append(img, caption);
    members.append(figure);
  }
  box.append(title, members);
  return box;
}

// ---- tabs ----
function showSearchTab() {
  $("search-view").hidden = false; $("duplicates-view").hidden = true;
  $("tab-search").classList.add("active"); $("tab-duplicates").classList.remove("active");
}
$("tab-search").addEventListener("click", showSearchTab);
$("tab-duplicates").addEventListener("click", () => {
  $("search-view").hidden = true; $("duplicates-view").hidden = false;
  $("tab-duplicates").classList.add("active"); $("tab-search").classList.remove("active");
  loadDuplicates();
});
$("dup-refresh").addEventListener("click", loadDuplicates);

pollStatus();
