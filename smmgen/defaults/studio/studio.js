// The card studio: controls made from the layout schema, every target drawn by smmgen's own renderer
// (POST /studio/api/render), undo/redo, save, the hero's focal point, and a contact sheet.
(function () {
  "use strict";

  const TOKEN = document.querySelector('meta[name="smmgen-token"]').content;
  const $ = (id) => document.getElementById(id);
  const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const BOX_MAX = 1400;      // the largest card side is 1350 px

  const state = {
    schema: null, targets: [], layouts: [], articles: [], samples: [],
    name: null, file: "", base: null, data: null,
    article: null, focus: null,
    scope: "", history: [], at: -1, last: { key: null, time: 0 },
    gens: {}, sheet: false, sheetGen: 0, renderTimer: 0,
  };

  // ---------------------------------------------------------------------------------------------------
  // Talking to the server

  async function getJSON(path) {
    const r = await fetch(path, { cache: "no-store" });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  async function post(path, data) {
    return fetch("/studio/api/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Smmgen-Token": TOKEN },
      body: JSON.stringify(data),
    });
  }

  async function postJSON(path, data) {
    const r = await post(path, data);
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  function say(text, kind) {
    const s = $("status");
    s.textContent = text;
    s.className = kind || "";
  }

  // ---------------------------------------------------------------------------------------------------
  // The layout being edited: base values, per-target overrides, what is sent

  function targetTable(create) {
    if (!state.scope) return state.data;
    if (!state.data.targets) { if (!create) return null; state.data.targets = {}; }
    if (!state.data.targets[state.scope]) { if (!create) return null; state.data.targets[state.scope] = {}; }
    return state.data.targets[state.scope];
  }

  // The table of one element (or rect item) the controls read: the base, with the scope's override on it.
  function elementOf(el, index) {
    const t = targetTable(false);
    if (el === "") return { base: state.data, over: null };
    if (el === "rect") {
      const list = (t && state.scope && t.rect) || state.data.rect || [];
      return { base: list[index] || {}, over: null, own: !!(t && state.scope && t.rect) };
    }
    return { base: state.data[el] || null, over: state.scope && t ? t[el] || null : null };
  }

  function read(el, index, key) {
    const { base, over } = elementOf(el, index);
    if (over && key in over) return { value: over[key], set: true, override: true };
    if (base && key in base) return { value: base[key], set: true, override: false };
    return { value: undefined, set: false, override: false };
  }

  function write(el, index, key, value) {
    if (el === "rect") {
      const t = targetTable(!!state.scope);
      let list;
      if (state.scope) {
        if (!t.rect) t.rect = clone(state.data.rect || []);
        list = t.rect;
      } else {
        list = state.data.rect = state.data.rect || [];
      }
      if (value === undefined) delete list[index][key]; else list[index][key] = value;
    } else if (el === "" || !state.scope) {
      const table = el === "" ? state.data : (state.data[el] = state.data[el] || {});
      if (value === undefined) delete table[key]; else table[key] = value;
    } else {
      const t = targetTable(true);
      t[el] = t[el] || {};
      if (value === undefined) delete t[el][key]; else t[el][key] = value;
      prune();
    }
    remember(`${state.scope}/${el}/${index}/${key}`);
    refreshRow(el, index, key);
    scheduleRender();
  }

  function prune() {
    const targets = state.data.targets;
    if (!targets) return;
    for (const t of Object.keys(targets)) {
      for (const el of Object.keys(targets[t])) {
        if (isObj(targets[t][el]) && !Object.keys(targets[t][el]).length) delete targets[t][el];
      }
      if (!Object.keys(targets[t]).length) delete targets[t];
    }
    if (!Object.keys(targets).length) delete state.data.targets;
  }

  // What the render request lays over the layout on disk: the edited values, and null for each key removed.
  function overrides(base, data) {
    const out = {};
    for (const k of Object.keys(data)) {
      out[k] = isObj(data[k]) && isObj(base[k]) ? overrides(base[k], data[k]) : data[k];
    }
    for (const k of Object.keys(base)) if (!(k in data)) out[k] = null;
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Undo and redo: snapshots of the layout; a burst of changes to one key is one step

  function remember(key) {
    const now = Date.now();
    const snap = JSON.stringify(state.data);
    if (key && key === state.last.key && now - state.last.time < 1000 && state.at > 0) {
      state.history[state.at] = snap;
    } else {
      state.history = state.history.slice(0, state.at + 1);
      state.history.push(snap);
      state.at = state.history.length - 1;
    }
    state.last = { key, time: now };
    updateButtons();
  }

  function step(by) {
    const at = state.at + by;
    if (at < 0 || at >= state.history.length) return;
    state.at = at;
    state.data = JSON.parse(state.history[at]);
    state.last = { key: null, time: 0 };
    buildControls();
    updateButtons();
    scheduleRender();
  }

  function updateButtons() {
    $("undo").disabled = state.at <= 0;
    $("redo").disabled = state.at >= state.history.length - 1;
  }

  // ---------------------------------------------------------------------------------------------------
  // Controls, made from the schema: every key the layout format has gets one

  function buildControls() {
    const groups = $("groups");
    const open = new Set([...groups.querySelectorAll("details[open]")].map((d) => d.dataset.group));
    groups.textContent = "";
    const elements = state.schema.elements;
    for (const el of Object.keys(elements)) {
      if (el === "rect") {
        const list = elementOf("rect", 0).own ? targetTable(false).rect : state.data.rect || [];
        list.forEach((_, i) => groups.appendChild(group("rect", i, `Shape ${i + 1}`, open)));
        const add = button("Add shape", () => {
          const t = state.scope ? targetTable(true) : state.data;
          if (state.scope && !t.rect) t.rect = clone(state.data.rect || []);
          (t.rect = t.rect || []).push({ x: 64, y: 40, w: 120, h: 8, color: "#e8483f" });
          remember(null); buildControls(); scheduleRender();
        });
        add.id = "add-rect";
        groups.appendChild(add);
        continue;
      }
      groups.appendChild(group(el, 0, el === "" ? "Layout" : el.replace("_", " "), open));
    }
  }

  function group(el, index, title, open) {
    const d = document.createElement("details");
    d.dataset.group = `${el}/${index}`;
    d.open = open.has(d.dataset.group) || (open.size === 0 && (el === "title" || el === "background"));
    const s = document.createElement("summary");
    s.textContent = title;
    d.appendChild(s);
    const exists = el === "" || el === "rect" || state.data[el] || (elementOf(el, 0).over);
    if (!exists) {
      d.appendChild(button(`Add ${title}`, () => {
        state.data[el] = el === "logo" ? { path: "logo.png", x: 64, y: 40, h: 48 }
          : { x: 64, right: 64, y: 40, h: 44, size: [24, 18] };
        remember(null); buildControls(); scheduleRender();
      }));
      return d;
    }
    if (el === "rect") {
      d.appendChild(button("Remove shape", () => {
        const t = state.scope ? targetTable(true) : state.data;
        if (state.scope && !t.rect) t.rect = clone(state.data.rect || []);
        t.rect.splice(index, 1);
        if (!t.rect.length) delete t.rect;
        remember(null); buildControls(); scheduleRender();
      }));
    }
    for (const key of state.schema.elements[el]) {
      if (el === "" && state.scope) continue;        // top-level keys apply to every target
      d.appendChild(row(el, index, key));
    }
    return d;
  }

  function button(text, onclick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  function rowId(el, index, key) { return `ctl-${el || "layout"}-${index}-${key}`; }

  function row(el, index, key) {
    const r = document.createElement("div");
    r.className = "row";
    r.id = rowId(el, index, key.name);
    r.dataset.el = el; r.dataset.index = index; r.dataset.key = key.name;
    const label = document.createElement("label");
    label.textContent = key.name.replace(/_/g, " ");
    label.title = key.doc || key.name;
    const field = document.createElement("div");
    field.className = "field";
    const reset = document.createElement("button");
    reset.className = "reset"; reset.type = "button"; reset.textContent = "×";
    reset.title = "Remove this key (use the default)";
    reset.addEventListener("click", () => { write(el, index, key.name, undefined); fill(r, el, index, key); });
    r.append(label, field, reset);
    fill(r, el, index, key);
    return r;
  }

  function refreshRow(el, index, keyName) {
    const r = $(rowId(el, index, keyName));
    if (!r) return;
    const current = read(el, index, keyName);
    r.classList.toggle("set", current.set);
    r.classList.toggle("override", current.override);
  }

  function fill(r, el, index, key) {
    const field = r.querySelector(".field");
    field.textContent = "";
    const current = read(el, index, key.name);
    r.classList.toggle("set", current.set);
    r.classList.toggle("override", current.override);
    const value = current.set ? current.value : key.default;
    const set = (v) => write(el, index, key.name, v);
    const t = key.type;
    if (t === "int" || t === "number") {
      const box = ["x", "y", "w", "h", "right", "bottom", "above_title"].includes(key.name);
      const lo = key.min ?? 0, hi = box ? BOX_MAX : key.max ?? 100;
      const stepSize = t === "int" ? (key.name === "weight" ? 100 : 1) : hi - lo <= 5 ? 0.01 : 1;
      const range = input("range", { min: lo, max: hi, step: stepSize });
      const num = input("number", { min: lo, max: key.max ?? hi, step: t === "int" ? 1 : stepSize });
      range.value = num.value = value ?? "";
      const parse = (s) => (t === "int" ? parseInt(s, 10) : parseFloat(s));
      range.addEventListener("input", () => { num.value = range.value; set(parse(range.value)); });
      num.addEventListener("change", () => { if (num.value !== "") { range.value = num.value; set(parse(num.value)); } });
      field.append(range, num);
    } else if (t === "bool") {
      const c = input("checkbox", {});
      c.checked = value === undefined ? true : !!value;
      c.addEventListener("change", () => set(c.checked));
      field.append(c);
    } else if (t === "choice" || t === "font") {
      const s = document.createElement("select");
      s.append(new Option(`(default${key.default ? ": " + key.default : ""})`, ""));
      for (const o of key.options) s.append(new Option(o, o));
      if (current.set && ![...s.options].some((o) => o.value === current.value)) s.append(new Option(current.value, current.value));
      s.value = current.set ? current.value : "";
      s.addEventListener("change", () => set(s.value === "" ? undefined : s.value));
      field.append(s);
    } else if (t === "color") {
      field.append(...colorInputs(value, set));
      if (el === "title" && key.name === "color") {
        const badge = document.createElement("span");
        badge.id = "contrast"; badge.className = "contrast";
        field.append(badge);
        updateContrast();
      }
    } else if (t === "colors" || t === "stops") {
      const list = Array.isArray(value) ? value.slice() : t === "colors" ? ["#0a1424", "#1d4275"] : [0, 0.5];
      list.forEach((v, i) => {
        const put = (nv) => { list[i] = nv; set(list.slice()); };
        if (t === "colors") {
          const pair = document.createElement("span");
          pair.className = "swatch";
          pair.append(...colorInputs(v, put));
          field.append(pair);
        } else {
          const s = input("range", { min: 0, max: 1, step: 0.01, title: `stop ${i + 1}` });
          s.value = v;
          s.addEventListener("input", () => put(parseFloat(s.value)));
          field.append(s);
        }
      });
      field.append(button("+", () => { list.push(list[list.length - 1]); set(list.slice()); fill(r, el, index, key); }));
      if (list.length > 2) field.append(button("−", () => { list.pop(); set(list.slice()); fill(r, el, index, key); }));
      field.style.flexWrap = "wrap";
    } else if (t === "pair") {
      const fractional = key.max === 1;
      const pair = Array.isArray(value) ? value.slice() : [undefined, undefined];
      [0, 1].forEach((i) => {
        const n = input("number", { min: key.min ?? 0, max: key.max ?? 400, step: fractional ? 0.01 : 1,
          title: key.name === "size" ? ["largest", "smallest"][i] : ["x", "y"][i] });
        n.value = pair[i] ?? "";
        n.addEventListener("change", () => {
          pair[i] = fractional ? parseFloat(n.value) : parseInt(n.value, 10);
          if (pair.every((p) => typeof p === "number" && !Number.isNaN(p))) set(pair.slice());
        });
        field.append(n);
      });
    } else {
      const s = input("text", {});
      s.value = value ?? "";
      s.addEventListener("change", () => set(s.value === "" ? undefined : s.value));
      field.append(s);
    }
  }

  function input(type, attrs) {
    const i = document.createElement("input");
    i.type = type;
    for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, v);
    return i;
  }

  // A colour: the picker for the RGB part, the text for any "#rrggbbaa" alpha.
  function colorInputs(value, set) {
    const pick = input("color", {});
    const text = input("text", { size: 9, spellcheck: "false" });
    text.value = value || "";
    pick.value = /^#[0-9a-f]{6}/i.test(value || "") ? value.slice(0, 7) : expand(value) || "#000000";
    pick.addEventListener("input", () => {
      const alpha = /^#[0-9a-f]{8}$/i.test(text.value) ? text.value.slice(7) : "";
      text.value = pick.value + alpha;
      set(text.value);
    });
    text.addEventListener("change", () => {
      if (/^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(text.value)) {
        pick.value = expand(text.value);
        set(text.value);
      } else if (text.value === "") {
        set(undefined);
      } else {
        say(`not a colour: ${text.value} (write #rgb, #rrggbb or #rrggbbaa)`, "error");
      }
    });
    return [pick, text];
  }

  function expand(c) {
    if (!c) return "";
    if (/^#[0-9a-f]{3}$/i.test(c)) return "#" + [...c.slice(1)].map((x) => x + x).join("");
    return c.slice(0, 7);
  }

  function updateContrast() {
    const badge = $("contrast");
    if (!badge) return;
    const card = document.querySelector(`.card[data-target="${state.scope || "og"}"]`);
    const ratio = card ? parseFloat(card.dataset.contrast) : NaN;
    if (Number.isNaN(ratio)) { badge.textContent = ""; badge.className = "contrast"; return; }
    const good = ratio >= 4.5;
    badge.textContent = `${ratio.toFixed(1)}:1 ${good ? "AA" : "low"}`;
    badge.title = `WCAG contrast of the title on what lies under it on the ${card.dataset.target} card (AA: 4.5:1)`;
    badge.className = "contrast " + (good ? "good" : "bad");
  }

  // ---------------------------------------------------------------------------------------------------
  // Drawing every target, each also in the crops platforms cut from it

  function buildCards() {
    const cards = $("cards");
    cards.textContent = "";
    for (const t of state.targets) {
      const c = document.createElement("div");
      c.className = "card";
      c.dataset.target = t.name;
      c.dataset.version = "0";
      const h = document.createElement("h2");
      h.innerHTML = `<span>${t.name} <span class="muted">${t.width}×${t.height}</span></span><span class="muted ms"></span>`;
      const img = document.createElement("img");
      img.className = "full";
      img.alt = `${t.name} card`;
      const warn = document.createElement("div");
      warn.className = "warn";
      const frames = document.createElement("div");
      frames.className = "frames";
      for (const f of t.frames) {
        const fr = document.createElement("figure");
        fr.className = "frame";
        fr.style.margin = "0";
        const box = document.createElement("div");
        box.style.width = `${Math.round(84 * f.aspect)}px`;
        const fi = document.createElement("img");
        fi.alt = f.label;
        box.appendChild(fi);
        const cap = document.createElement("figcaption");
        cap.textContent = f.label;
        fr.append(box, cap);
        frames.appendChild(fr);
      }
      c.append(h, img, warn, frames);
      cards.appendChild(c);
    }
  }

  function scheduleRender() {
    clearTimeout(state.renderTimer);
    state.renderTimer = setTimeout(renderAll, 30);
  }

  function renderRequest(source, target) {
    const req = { article: source, target, name: state.name, layout: overrides(state.base, state.data) };
    const a = state.articles.find((x) => x.source === source);
    if (a && a.image && state.focus) req.focus = state.focus;
    if (!a) {
      const withHero = state.articles.find((x) => x.image);
      if (withHero) req.hero = withHero.source;
    }
    return req;
  }

  async function drawInto(req) {
    const r = await post("render", req);
    if (!r.ok) {
      const body = await r.json().catch(() => ({ error: r.statusText }));
      return { error: body.error || r.statusText };
    }
    const blob = await r.blob();
    return {
      blob,
      warnings: JSON.parse(r.headers.get("X-Smmgen-Warnings") || "[]"),
      contrast: r.headers.get("X-Smmgen-Contrast") || "",
      ms: r.headers.get("X-Smmgen-Render-Ms") || "",
      size: r.headers.get("X-Smmgen-Size") || "",
    };
  }

  async function digest(blob) {
    if (!(window.crypto && crypto.subtle)) return String(blob.size);
    const hash = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return [...new Uint8Array(hash)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  function renderAll() {
    if (state.sheet) { renderSheet(); return; }
    if (!state.article) return;
    for (const t of state.targets) renderCard(t.name);
  }

  async function renderCard(target) {
    const card = document.querySelector(`.card[data-target="${target}"]`);
    const gen = (state.gens[target] = (state.gens[target] || 0) + 1);
    card.classList.add("busy");
    const req = renderRequest(state.article, target);
    const result = await drawInto(req).catch((e) => ({ error: String(e) }));
    if (state.gens[target] !== gen) return;         // a newer drawing is on its way
    card.classList.remove("busy");
    const warn = card.querySelector(".warn");
    if (result.error) {
      warn.className = "warn error-text";
      warn.textContent = result.error;
      card.dataset.error = result.error;
      if (target === "og") say(result.error, "error");
      return;
    }
    delete card.dataset.error;
    const url = URL.createObjectURL(result.blob);
    const imgs = card.querySelectorAll("img");
    const old = imgs[0].src;
    imgs.forEach((i) => { i.src = url; });
    if (old && old.startsWith("blob:")) setTimeout(() => URL.revokeObjectURL(old), 2000);
    warn.className = "warn";
    warn.textContent = result.warnings.join(" · ");
    card.querySelector(".ms").textContent = result.ms ? `${result.ms} ms` : "";
    card.dataset.contrast = result.contrast;
    card.dataset.size = result.size;
    card.dataset.article = req.article;
    card.dataset.sha = await digest(result.blob);
    card.dataset.version = String(Number(card.dataset.version) + 1);
    if (target === (state.scope || "og")) updateContrast();
    if ($("status").className === "error") say("");
  }

  // ---------------------------------------------------------------------------------------------------
  // Contact sheet: every article and sample headline on every target, with their warnings

  async function renderSheet() {
    const gen = ++state.sheetGen;
    const table = $("sheet-table");
    table.textContent = "";
    const head = table.insertRow();
    head.appendChild(document.createElement("th")).textContent = "Article";
    for (const t of state.targets) head.appendChild(document.createElement("th")).textContent = t.name;
    const rows = [...state.articles.filter((a) => !a.error && !a.draft), ...state.samples];
    const jobs = [];
    for (const a of rows) {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.className = "article";
      th.textContent = a.title;
      th.title = a.source;
      tr.appendChild(th);
      for (const t of state.targets) {
        const td = tr.insertCell();
        td.dataset.source = a.source; td.dataset.target = t.name;
        jobs.push(td);
      }
    }
    let flagged = 0, done = 0;
    const total = jobs.length;
    const summary = () => {
      $("sheet-summary").textContent = `${done} of ${total} drawn with the layout "${state.name}"` +
        (flagged ? ` · ${flagged} with warnings` : " · no warnings");
    };
    summary();
    const worker = async () => {
      while (jobs.length && gen === state.sheetGen) {
        const td = jobs.shift();
        const req = renderRequest(td.dataset.source, td.dataset.target);
        delete req.focus;                 // each article with its own focal point
        const result = await drawInto(req).catch((e) => ({ error: String(e) }));
        if (gen !== state.sheetGen) return;
        done++;
        if (result.error) {
          td.className = "bad";
          td.innerHTML = "";
          td.appendChild(document.createElement("div")).textContent = result.error;
          flagged++;
        } else {
          const img = document.createElement("img");
          img.src = URL.createObjectURL(result.blob);
          img.alt = `${td.dataset.target} card`;
          td.appendChild(img);
          if (result.warnings.length) {
            td.className = "bad";
            td.appendChild(document.createElement("div")).textContent = result.warnings.join(" · ");
            flagged++;
          }
        }
        summary();
      }
    };
    await Promise.all([worker(), worker()]);
    if (gen === state.sheetGen && done === total) $("sheet").dataset.done = String(gen);
  }

  // ---------------------------------------------------------------------------------------------------
  // The article: its hero's focal point, its card layout

  function chooseArticle(source) {
    state.article = source;
    const a = state.articles.find((x) => x.source === source);
    const tools = $("article-tools");
    tools.hidden = !a;
    $("save-focus").disabled = true;
    if (a) {
      $("article-layout").value = a.explicit_card || "";
      const heroWrap = $("hero-wrap");
      heroWrap.hidden = !a.image;
      $("focus-value").textContent = "–";
      if (a.image) {
        const bgFocus = (state.data.background || {}).focus;
        state.focus = a.focus || bgFocus || [0.5, 0.5];
        const src = `/studio/api/hero?article=${encodeURIComponent(source)}`;
        if ($("hero").getAttribute("src") !== src) $("hero").src = src; else drawCrops();
      } else {
        state.focus = null;
      }
    } else {
      state.focus = null;
    }
    scheduleRender();
  }

  // The part of the hero each card size shows around the focal point (as smmgen.cards.hero.cover cuts it).
  function drawCrops() {
    const wrap = $("hero-wrap");
    wrap.querySelectorAll(".crop").forEach((c) => c.remove());
    const img = $("hero");
    if (!state.focus || !img.naturalWidth) return;
    const [fx, fy] = state.focus;
    const w = img.naturalWidth, h = img.naturalHeight;
    const seen = new Set();
    const colours = ["#f97316", "#22c55e", "#3b82f6", "#e11d48"];
    for (const t of state.targets) {
      const key = `${t.width}x${t.height}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const [bw, bh] = w * t.height > h * t.width ? [h * t.width / t.height, h] : [w, w * t.height / t.width];
      const left = Math.min(Math.max(fx * w - bw / 2, 0), w - bw);
      const top = Math.min(Math.max(fy * h - bh / 2, 0), h - bh);
      const box = document.createElement("div");
      box.className = "crop";
      box.dataset.target = t.name;
      const colour = colours[(seen.size - 1) % colours.length];
      Object.assign(box.style, { left: `${(left / w) * 100}%`, top: `${(top / h) * 100}%`,
        width: `${(bw / w) * 100}%`, height: `${(bh / h) * 100}%`, borderColor: colour });
      const label = document.createElement("span");
      label.textContent = `${t.name} ${key}`;
      label.style.background = colour;
      // Crops of near shapes lie on each other: their labels take different corners.
      const corner = (seen.size - 1) % 3;
      if (corner === 1) Object.assign(label.style, { top: "auto", bottom: "2px" });
      if (corner === 2) Object.assign(label.style, { left: "auto", right: "3px" });
      box.appendChild(label);
      wrap.appendChild(box);
    }
    const dot = $("focus-dot");
    dot.style.left = `${fx * 100}%`;
    dot.style.top = `${fy * 100}%`;
    $("focus-value").textContent = `[${fx}, ${fy}]`;
  }

  function onHeroClick(e) {
    const img = $("hero");
    const rect = img.getBoundingClientRect();
    const round = (v) => Math.round(Math.min(Math.max(v, 0), 1) * 1000) / 1000;
    state.focus = [round((e.clientX - rect.left) / rect.width), round((e.clientY - rect.top) / rect.height)];
    drawCrops();
    $("save-focus").disabled = false;
    scheduleRender();
  }

  async function saveFocus() {
    const [x, y] = state.focus;
    try {
      const r = await postJSON("focus", { article: state.article, x, y });
      const a = state.articles.find((v) => v.source === state.article);
      a.focus = r.image_focus;
      $("save-focus").disabled = true;
      say(`Saved image_focus [${r.image_focus.join(", ")}] in ${r.file}`, "ok");
    } catch (err) {
      say(String(err.message || err), "error");
    }
  }

  async function saveCard() {
    const name = $("article-layout").value;
    if (!name) { say("Choose a layout for the article first", "error"); return; }
    try {
      const r = await postJSON("card", { article: state.article, layout: name });
      const a = state.articles.find((v) => v.source === state.article);
      a.explicit_card = a.card = r.card;
      say(`${r.file} now uses the card layout "${r.card}"`, "ok");
    } catch (err) {
      say(String(err.message || err), "error");
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Layouts: load, save, save as

  async function loadLayout(name) {
    const l = await getJSON(`/studio/api/layout?name=${encodeURIComponent(name)}`);
    state.name = l.name;
    state.file = l.file;
    state.base = l.data;
    state.data = clone(l.data);
    state.history = [JSON.stringify(state.data)];
    state.at = 0;
    state.last = { key: null, time: 0 };
    $("layout").value = name;
    $("layout-file").textContent = l.site ? l.file : `${l.file} (smmgen's own: Save writes layouts/cards/${name}.toml)`;
    updateButtons();
    buildControls();
    scheduleRender();
  }

  async function refreshLayouts() {
    state.layouts = await getJSON("/studio/api/layouts");
    for (const id of ["layout", "article-layout"]) {
      const s = $(id);
      const keep = s.value;
      s.textContent = "";
      if (id === "article-layout") s.append(new Option("(smmgen chooses: photo or default)", ""));
      for (const l of state.layouts) s.append(new Option(l.name + (l.site ? "" : " (built in)"), l.name));
      s.value = keep;
    }
  }

  async function save(name) {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) {
      say("A layout name is lower-case letters, digits and '-' (e.g. photo-dark)", "error");
      return;
    }
    try {
      const r = await postJSON("save", { name, layout: state.data, base: state.name });
      await refreshLayouts();
      const wasAs = name !== state.name;
      state.name = name;
      state.base = clone(state.data);
      state.file = r.file;
      $("layout").value = name;
      $("layout-file").textContent = r.file;
      say(`${r.changed ? "Saved" : "No change to"} ${r.file}${wasAs ? " (new layout)" : ""}`, "ok");
      document.body.dataset.saved = r.file;
    } catch (err) {
      say(String(err.message || err), "error");
    }
  }

  // ---------------------------------------------------------------------------------------------------

  async function start() {
    try {
      const [schema, articles] = await Promise.all([getJSON("/studio/api/schema"), getJSON("/studio/api/articles")]);
      state.schema = schema;
      state.targets = schema.targets;
      state.articles = articles.articles;
      state.samples = articles.samples;
      await refreshLayouts();
    } catch (err) {
      say(`The studio cannot start: ${err.message || err}`, "error");
      return;
    }
    const scope = $("scope");
    for (const t of state.targets) scope.append(new Option(`${t.name} only`, t.name));
    const pick = $("article");
    const articles = document.createElement("optgroup");
    articles.label = "Articles";
    for (const a of state.articles) {
      const o = new Option(a.error ? `⚠ ${a.source}` : `${a.draft ? "[draft] " : ""}${a.title}`, a.source);
      o.disabled = !!a.error;
      articles.appendChild(o);
    }
    const samples = document.createElement("optgroup");
    samples.label = "Sample headlines";
    for (const s of state.samples) samples.appendChild(new Option(`${s.source.slice(7)}: ${s.title}`, s.source));
    pick.append(articles, samples);
    const first = state.articles.find((a) => a.image && !a.error) || state.articles.find((a) => !a.error);
    buildCards();
    const chosen = first ? first.source : state.samples[0].source;
    pick.value = chosen;
    await loadLayout(first ? first.card : "default");
    chooseArticle(pick.value);        // the one chosen meanwhile, if any

    pick.addEventListener("change", () => chooseArticle(pick.value));
    $("layout").addEventListener("change", () => loadLayout($("layout").value).catch((e) => say(e.message, "error")));
    scope.addEventListener("change", () => { state.scope = scope.value; buildControls(); updateContrast(); });
    $("undo").addEventListener("click", () => step(-1));
    $("redo").addEventListener("click", () => step(1));
    $("save").addEventListener("click", () => save(state.name));
    $("saveas").addEventListener("click", () => save($("saveas-name").value.trim()));
    $("hero").addEventListener("click", onHeroClick);
    $("hero").addEventListener("load", drawCrops);
    $("save-focus").addEventListener("click", saveFocus);
    $("save-card").addEventListener("click", saveCard);
    $("view-sheet").addEventListener("click", () => {
      state.sheet = !state.sheet;
      $("view-sheet").setAttribute("aria-pressed", String(state.sheet));
      $("sheet").hidden = !state.sheet;
      $("cards").hidden = state.sheet;
      $("article-tools").hidden = state.sheet || !state.articles.some((a) => a.source === state.article);
      scheduleRender();
    });
    document.body.dataset.ready = "1";
    document.addEventListener("keydown", (e) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z") return;
      if (e.target.matches && e.target.matches("input[type=text], input[type=number]")) return;
      e.preventDefault();
      step(e.shiftKey ? 1 : -1);
    });
  }

  start();
})();
