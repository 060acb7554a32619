// The n2v serve page: search with autocomplete, a movie's neighbours, "movies like these" from
// several picks, and the 2-D map. Everything comes from the /v1/ API of the server that sent it.
// ?search=TEXT&select=TITLE runs a search and chooses a result as a user would, ?like=ID,ID picks
// movies, ?view=map shows the map alone (the headless browser check and the screenshots use them); body[data-state] says
// "ready" once neighbours are shown.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { map: null, chosen: null, neighbors: [], picks: [], hover: -1 };
const palette = ["#ffb454", "#59c2ff", "#ff7a90", "#95e6cb", "#d2a6ff", "#f07178", "#aad94c", "#e6b673",
                 "#73d0ff", "#ff8f40", "#c3a6ff", "#7fd962", "#f29668", "#5ccfe6", "#ffd173", "#dfbfff",
                 "#b8cc52", "#ffcc66", "#8aa4d8", "#cccccc"];

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText), { data });
  return data;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function movieItem(movie, onClick) {
  const title = element("span", { class: "title" }, movie.title, element("small", {}, movie.genres.join(" · ")));
  const percent = Math.max(0, Math.min(1, movie.score)) * 100;
  const score = element("span", { class: "score" }, element("i", { style: `width:${percent * 0.6}px` }),
                        movie.score.toFixed(3));
  return element("li", { "data-id": String(movie.id), onclick: () => onClick(movie) }, title, score);
}

// Autocomplete: each keystroke asks /v1/search; an older answer never replaces a newer one.
let searchSeq = 0;
async function suggest(text) {
  const seq = ++searchSeq;
  const list = $("suggestions");
  if (!text.trim()) { list.hidden = true; return []; }
  const data = await api(`/v1/search?q=${encodeURIComponent(text)}&limit=12`);
  if (seq !== searchSeq) return data.results;
  list.replaceChildren(...data.results.map((movie) =>
    element("li", { role: "option", "data-id": String(movie.id), onclick: () => choose(movie) },
            movie.title, element("small", {}, movie.genres.slice(0, 3).join(" · ")))));
  list.hidden = data.results.length === 0;
  return data.results;
}

async function choose(movie) {
  $("suggestions").hidden = true;
  $("search").value = movie.title;
  const data = await api(`/v1/similar?id=${encodeURIComponent(movie.id)}&k=12`);
  state.chosen = data.query;
  state.neighbors = data.neighbors.map((n) => n.id);
  $("chosen").hidden = false;
  $("chosen-title").textContent = data.query.title;
  $("chosen-genres").textContent = data.query.genres.join(" · ");
  $("neighbors-heading").hidden = false;
  $("neighbors").replaceChildren(...data.neighbors.map((n) => movieItem(n, choose)));
  drawMap();
  document.body.dataset.state = "ready";
}

async function recommend() {
  $("picks").replaceChildren(...state.picks.map((movie) =>
    element("li", {}, movie.title, element("button", { title: "remove", onclick: () => {
      state.picks = state.picks.filter((p) => p.id !== movie.id);
      recommend();
    } }, "×"))));
  if (state.picks.length === 0) { $("recommendations").replaceChildren(); return; }
  const data = await api("/v1/recommend", { liked: state.picks.map((p) => p.id), k: 12 });
  $("recommendations").replaceChildren(...data.recommendations.map((n) => movieItem(n, choose)));
}

// The map: PCA coordinates from /v1/map scaled into the canvas; the chosen movie and its
// neighbours drawn larger on top.
function mapPoint(i) {
  const m = state.map, canvas = $("map"), pad = 24;
  return [pad + (m.x[i] - m.minX) / (m.maxX - m.minX || 1) * (canvas.width - 2 * pad),
          canvas.height - pad - (m.y[i] - m.minY) / (m.maxY - m.minY || 1) * (canvas.height - 2 * pad)];
}

function drawMap() {
  const m = state.map;
  if (!m) return;
  const canvas = $("map"), g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.globalAlpha = 0.75;
  for (let i = 0; i < m.x.length; i++) {
    const [px, py] = mapPoint(i);
    g.fillStyle = palette[m.genre[i] % palette.length];
    g.fillRect(px - 2, py - 2, 4, 4);
  }
  g.globalAlpha = 1;
  const mark = (id, radius, color) => {
    const i = m.index.get(String(id));
    if (i === undefined) return;
    const [px, py] = mapPoint(i);
    g.beginPath(); g.arc(px, py, radius, 0, 2 * Math.PI);
    g.strokeStyle = color; g.lineWidth = 2; g.stroke();
  };
  for (const id of state.neighbors) mark(id, 5, "#ffffff");
  if (state.chosen) mark(state.chosen.id, 9, "#ffb454");
  if (state.hover >= 0) {
    const [px, py] = mapPoint(state.hover);
    g.beginPath(); g.arc(px, py, 6, 0, 2 * Math.PI); g.fillStyle = "#ffffff"; g.fill();
  }
}

function nearestPoint(event) {
  const canvas = $("map"), box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) * canvas.width / box.width, y = (event.clientY - box.top) * canvas.height / box.height;
  let best = -1, bestDistance = 64;  // within 8 canvas pixels
  for (let i = 0; i < state.map.x.length; i++) {
    const [px, py] = mapPoint(i), d = (px - x) ** 2 + (py - y) ** 2;
    if (d < bestDistance) { best = i; bestDistance = d; }
  }
  return best;
}

async function loadMap() {
  const m = await api("/v1/map");
  m.minX = Math.min(...m.x); m.maxX = Math.max(...m.x); m.minY = Math.min(...m.y); m.maxY = Math.max(...m.y);
  m.index = new Map(m.id.map((id, i) => [String(id), i]));
  state.map = m;
  $("legend").replaceChildren(...m.genres.map((name, i) =>
    element("li", {}, element("i", { style: `background:${palette[i % palette.length]}` }), name || "no genre")));
  const canvas = $("map"), tooltip = $("tooltip");
  canvas.addEventListener("mousemove", (event) => {
    state.hover = nearestPoint(event);
    tooltip.hidden = state.hover < 0;
    if (state.hover >= 0) {
      tooltip.textContent = m.title[state.hover];
      tooltip.style.left = `${event.offsetX + 12}px`;
      tooltip.style.top = `${event.offsetY + 12}px`;
    }
    drawMap();
  });
  canvas.addEventListener("mouseleave", () => { state.hover = -1; tooltip.hidden = true; drawMap(); });
  canvas.addEventListener("click", (event) => {
    const i = nearestPoint(event);
    if (i >= 0) choose({ id: m.id[i], title: m.title[i] });
  });
  drawMap();
}

async function start() {
  const facts = await api("/v1/model");
  $("facts").textContent = `${facts.movies.toLocaleString()} movies · dimension ${facts.dim} · ` +
    `${facts.index.kind} index · generation ${facts.generation} · loaded ${facts.loaded_at}`;
  const input = $("search");
  input.addEventListener("input", () => suggest(input.value).catch(() => {}));
  // Arrow keys move through the suggestions, Enter chooses the highlighted one (else the first).
  input.addEventListener("keydown", (event) => {
    const items = [...$("suggestions").querySelectorAll("li")];
    const at = items.findIndex((li) => li.classList.contains("active"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (items.length === 0) return;
      const next = (at + (event.key === "ArrowDown" ? 1 : items.length - 1 + (at < 0 ? 1 : 0))) % items.length;
      items.forEach((li, i) => li.classList.toggle("active", i === next));
      items[next].scrollIntoView({ block: "nearest" });
    }
    if (event.key === "Enter" && items.length) items[Math.max(at, 0)].click();
    if (event.key === "Escape") $("suggestions").hidden = true;
  });
  $("pick").addEventListener("click", () => {
    if (state.chosen && !state.picks.some((p) => p.id === state.chosen.id)) state.picks.push(state.chosen);
    recommend();
  });
  const params = new URLSearchParams(location.search);
  // ?view=map shows the map alone (a picture of it for the docs).
  if (params.get("view") === "map") document.body.classList.add("map-only");
  await loadMap();
  for (const id of (params.get("like") || "").split(",").filter(Boolean)) {
    const data = await api(`/v1/similar?id=${encodeURIComponent(id)}&k=1`);
    state.picks.push(data.query);
  }
  if (state.picks.length) await recommend();
  // ?search=TEXT&select=TITLE: type, wait for the suggestions, click the one titled TITLE.
  if (params.has("search")) {
    input.value = params.get("search");
    input.dispatchEvent(new Event("input"));
    const results = await suggest(input.value);
    const wanted = params.get("select");
    const option = [...$("suggestions").querySelectorAll("li")]
      .find((li, i) => results[i] && results[i].title === wanted);
    if (option) option.click();
  } else {
    document.body.dataset.state = "ready";
  }
}

start().catch((error) => { $("facts").textContent = `error: ${error.message}`; });
