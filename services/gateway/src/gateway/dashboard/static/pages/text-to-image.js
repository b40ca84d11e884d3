// Text to Image: the keyword switcher (with up to two more models combined, each at a weight),
// the prompt (checked for every keyword before anything is sent), the settings, the price;
// Generate → live status → the images; the history.
import { api, fill, follow, h, idempotencyKey, picture, plural, title, when } from "../app.js";

const RATIO_HINT = { "1:1": "square", "16:9": "wide", "9:16": "tall", "4:3": "photo", "3:4": "portrait", "21:9": "cinema" };

export function hasKeyword(text, keyword) {
  // as the platform checks it: the keyword as a word of its own, in any case
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${keyword}(?![\\p{L}\\p{N}])`, "u");
  return pattern.test(text.toLowerCase());
}

function chips(name, values, chosen, label = (v) => v) {
  return h("div", { class: "chips", role: "radiogroup" }, values.map((value) =>
    h("label", {}, h("input", { type: "radio", name, value, checked: String(value) === String(chosen) }), label(value))));
}

// A dropdown of the user's models by keyword, each with its thumbnail (an ARIA listbox).
function switcher(models, selected, onPick) {
  const list = h("ul", { role: "listbox", id: "model-list", class: "panel", tabindex: -1, hidden: true,
    style: "position:absolute;z-index:5;list-style:none;margin:.3rem 0 0;padding:.3rem;max-height:320px;overflow:auto;min-width:100%" });
  const face = h("span", { class: "switcher" });
  const button = h("button", { type: "button", id: "model-switcher", "aria-haspopup": "listbox", "aria-expanded": "false",
    "aria-label": "Model", style: "width:100%;justify-content:space-between" }, face, h("span", { "aria-hidden": "true" }, "▾"));
  const thumb = (m) => (m.thumbnail_url ? picture(m.thumbnail_url, "", { width: 40, height: 40 }) : h("span", { style: "width:40px" }));
  const draw = (m) => face.replaceChildren(thumb(m), h("strong", {}, m.keyword), h("span", { class: "hint" }, m.type));
  const options = models.map((m) => {
    const option = h("li", { role: "option", id: `opt-${m.model_id}`, dataset: { modelId: m.model_id }, "aria-selected": String(m === selected),
      class: "switcher", style: "padding:.35rem .5rem;border-radius:8px;cursor:pointer" },
    thumb(m), h("span", {}, m.keyword), h("span", { class: "hint" }, m.type));
    option.addEventListener("click", () => pick(m));
    return option;
  });
  list.append(...options);
  let active = Math.max(0, models.indexOf(selected));
  const open = (yes) => {
    list.hidden = !yes;
    button.setAttribute("aria-expanded", String(yes));
    if (yes) { focus(active); list.focus(); }
  };
  const focus = (i) => {
    active = (i + options.length) % options.length;
    options.forEach((o, j) => (o.style.background = j === active ? "var(--accent-soft)" : ""));
    list.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  };
  const pick = (m) => {
    options.forEach((o) => o.setAttribute("aria-selected", String(o.dataset.modelId === m.model_id)));
    draw(m);
    open(false);
    button.focus();
    onPick(m);
  };
  button.addEventListener("click", () => open(list.hidden));
  list.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") focus(active + 1);
    else if (e.key === "ArrowUp") focus(active - 1);
    else if (e.key === "Enter" || e.key === " ") pick(models[active]);
    else if (e.key === "Escape") { open(false); button.focus(); } else return;
    e.preventDefault();
  });
  list.addEventListener("focusout", (e) => { if (!list.contains(e.relatedTarget) && e.relatedTarget !== button) open(false); });
  if (selected) draw(selected);
  return h("div", { style: "position:relative" }, button, list);
}

// Other models painted into the same image, each with its weight (0 leaves it out, 1 as
// trained, up to 2). `onChange` hears the chosen [{model, weight}] after every change.
// Only models of the main one's base model: a LoRA paints on the base it was trained on.
function combiner(models, maxExtra, baseOf, onChange) {
  const rows = h("div", { class: "combine-list" });
  const chosen = new Map(); // model_id → weight
  const say = () => onChange([...chosen].map(([id, weight]) => ({ model: models.find((m) => m.model_id === id), weight })));
  const draw = (main) => {
    const others = models.filter((m) => m.model_id !== main.model_id && baseOf(m) === baseOf(main));
    block.hidden = !others.length;
    rows.replaceChildren(...others.map((m) => {
      const on = chosen.has(m.model_id);
      const full = !on && chosen.size >= maxExtra;
      const weight = h("input", { type: "range", min: 0, max: 2, step: 0.1, value: chosen.get(m.model_id) ?? 1,
        "aria-label": `Weight of ${m.keyword}`, hidden: !on, oninput: () => { chosen.set(m.model_id, Number(weight.value)); shown.textContent = Number(weight.value).toFixed(1); say(); } });
      const shown = h("output", { hidden: !on }, Number(weight.value).toFixed(1));
      const box = h("input", { type: "checkbox", value: m.model_id, checked: on, disabled: full,
        onchange: () => { if (box.checked) chosen.set(m.model_id, Number(weight.value)); else chosen.delete(m.model_id); draw(main); say(); } });
      return h("div", { class: "combine-row", dataset: { modelId: m.model_id } },
        h("label", { class: "check" }, box, h("strong", {}, m.keyword), h("span", { class: "hint" }, m.type)), weight, shown);
    }));
  };
  const reset = (main) => {
    for (const id of [...chosen.keys()]) {
      const other = models.find((m) => m.model_id === id);
      if (id === main.model_id || baseOf(other) !== baseOf(main)) chosen.delete(id);
    }
    draw(main);
    say();
  };
  const block = h("fieldset", { class: "combine", hidden: true },
    h("legend", {}, `Combine with (up to ${maxExtra} more, same price)`), rows);
  return { block, reset };
}

// A model's versions, the latest first ("" = the latest, whichever it is when painting).
function versionOptions(model, chosen) {
  return [h("option", { value: "" }, `latest (v${model.version})`),
    ...[...model.versions].reverse().map((v) => h("option", { value: v.version, selected: String(v.version) === String(chosen) },
      `v${v.version} · ${when(v.created_at)}`))];
}

// A model found by its id or by one of its versions' ids (a retrain's training names the latter).
function findModel(models, id) {
  return models.find((m) => m.model_id === id || (m.versions || []).some((v) => v.model_id === id)) || null;
}

export async function render(main) {
  title("Text to Image");
  const query = new URLSearchParams(location.search);
  const wanted = query.get("model");
  let wantedVersion = query.get("version") || "";
  const [models, options, account, history] = await Promise.all([
    api("/v1/models"), api("/v1/generation-options"), api("/v1/account"), api("/v1/generations?limit=20")]);
  main.append(h("div", { class: "head" }, h("div", {}, h("h1", {}, "Text to Image"),
    h("p", { class: "muted" }, "Describe a scene with your model's keyword in it."))));
  let model = wanted ? findModel(models, wanted) : null;
  if (wanted && !model) {
    try { model = await api(`/v1/models/${encodeURIComponent(wanted)}`); models.unshift(model); } catch (refused) {
      main.append(h("p", { class: "error", role: "alert" }, refused.status === 404
        ? "This model was not found: it may have been deleted, or it is not yours." : refused.message));
    }
  }
  if (!models.length) {
    main.append(h("div", { class: "empty panel" }, h("h2", {}, "No model yet"),
      h("p", {}, "Train a model on your photos first; then it appears here."),
      h("a", { class: "button primary", href: "/training/new" }, "Start a new training")));
    return;
  }
  model = model || models[0];
  if (!wantedVersion && wanted && wanted !== model.model_id) { // a version's own id: that version
    const named = model.versions.find((v) => v.model_id === wanted);
    if (named && named.version !== model.version) wantedVersion = String(named.version);
  }
  const imageCredits = account.image_credits ?? 5;
  let balance = account.credits;
  let extras = []; // [{model, weight}] painted with `model`
  const keywordsNeeded = () => [model, ...extras.map((e) => e.model)].map((m) => m.keyword);

  const prompt = h("textarea", { id: "prompt", name: "prompt", required: true, maxlength: 1000,
    placeholder: `a photo of ${model.keyword} on a beach at sunset` });
  // kept in the page (shown or hidden, never rebuilt) so a click on its button always lands
  const missingText = h("span");
  const insertButton = h("button", { type: "button", id: "insert-keyword" });
  const keywordWarning = h("p", { class: "warning", id: "keyword-warning", role: "status", hidden: true }, missingText, insertButton);
  const price = h("p", { class: "price", id: "price" });
  const error = h("div", { role: "alert" });
  const seed = h("input", { id: "seed", name: "seed", type: "number", min: 0, max: 4294967295, placeholder: "random" });
  const negative = h("textarea", { id: "negative", name: "negative_prompt", maxlength: 1000, placeholder: "blurry, text, watermark", style: "min-height:3rem" });
  // a model's base (those trained before there was a choice: the default) and its family
  const bases = options.bases || [];
  const baseOf = (m) => m.base || (bases[0] && bases[0].name);
  const familyOf = (m) => (bases.find((b) => b.name === baseOf(m)) || {}).family;
  const noNegative = h("p", { class: "hint", id: "no-negative", hidden: true }, "FLUX.1 models take no negative prompt.");
  const drawNegative = () => {
    const flux = familyOf(model) === "flux";
    negative.disabled = flux;
    noNegative.hidden = !flux;
  };
  const advanced = h("details", {}, h("summary", {}, "Advanced"), h("div", { class: "stack", style: "margin-top:.6rem" },
    h("label", { for: "seed" }, "Seed (the same seed and settings give the same image)"), seed,
    h("label", { for: "negative" }, "Negative prompt (what the images should not show)"), negative, noNegative));
  const style = h("select", { id: "style", name: "style" }, options.styles.map((s) => h("option", { value: s }, s === "none" ? "No style" : s)));
  const generate = h("button", { type: "submit", class: "primary", id: "generate" }, "Generate");
  const combine = combiner(models, (options.max_models ?? 3) - 1, baseOf, (now) => { extras = now; check(); });
  // shown when the model has more than one version; "" paints with the latest
  const version = h("select", { id: "version", name: "version", onchange: () => showUrl() });
  const versionBox = h("div", { style: "display:contents" }, h("label", { for: "version" }, "Version"), version);
  const drawVersions = (chosen = "") => {
    const several = (model.versions || []).length > 1;
    versionBox.hidden = !several;
    version.replaceChildren(...(several ? versionOptions(model, chosen) : [h("option", { value: "" }, "latest")]));
  };
  drawVersions(wantedVersion);
  drawNegative();
  const showUrl = () => window.history.replaceState(null, "",
    `/text-to-image?model=${model.model_id}${version.value ? `&version=${version.value}` : ""}`);
  const form = h("form", { class: "panel stack", novalidate: true },
    h("label", { for: "model-switcher" }, "Model"),
    switcher(models, model, (picked) => {
      model = picked;
      prompt.placeholder = `a photo of ${picked.keyword} on a beach at sunset`;
      drawVersions();
      drawNegative();
      combine.reset(picked);
      history_.replaceChildren(...historyItems());
      check();
      showUrl();
    }),
    versionBox,
    combine.block,
    h("label", { for: "prompt" }, "Prompt"), prompt, keywordWarning,
    h("fieldset", {}, h("legend", {}, "Ratio"), chips("aspect_ratio", options.aspect_ratios, "1:1", (r) => `${r} ${RATIO_HINT[r] || ""}`)),
    h("fieldset", {}, h("legend", {}, "Resolution"), chips("resolution", options.resolutions, options.resolutions[0])),
    h("fieldset", {}, h("legend", {}, "Outputs"), chips("num_outputs", Array.from({ length: options.max_outputs }, (_, i) => i + 1), 1)),
    h("label", { for: "style" }, "Style"), style, advanced, price, error, generate);

  const results = h("section", { class: "stack", id: "results", "aria-label": "Results" });
  const history_ = h("ul", { class: "history", id: "history" });
  main.append(h("div", { class: "t2i" }, form, h("div", { class: "stack" }, results,
    h("h2", {}, "History"), history_)));

  function outputs() { return Number(form.querySelector("input[name=num_outputs]:checked").value); }
  function check() {
    const cost = imageCredits * outputs();
    price.textContent = `${plural(cost, "credit")} — you have ${balance.toLocaleString()}`;
    price.className = cost > balance ? "price warning" : "price";
    const text = prompt.value;
    const missing = keywordsNeeded().filter((k) => !hasKeyword(text, k));
    keywordWarning.hidden = !(text.trim() && missing.length);
    if (!missing.length) return;
    missingText.textContent = missing.length === 1 && missing[0] === model.keyword && !extras.length
      ? `Your prompt needs the keyword “${model.keyword}” to use this model. `
      : `Your prompt needs the keyword of each model: ${missing.map((k) => `“${k}”`).join(", ")} missing. `;
    insertButton.textContent = `Insert “${missing[0]}”`;
    insertButton.dataset.keyword = missing[0];
  }
  insertButton.addEventListener("click", insertKeyword);
  function insertKeyword() {
    const at = prompt.selectionStart ?? prompt.value.length;
    const before = prompt.value.slice(0, at), after = prompt.value.slice(at);
    const pad = (s, side) => (s && !/\s$|^\s/.test(side === "l" ? s.slice(-1) : s[0]) ? " " : "");
    const keyword = insertButton.dataset.keyword || model.keyword;
    prompt.value = `${before}${pad(before, "l")}${keyword}${pad(after, "r")}${after}`;
    prompt.focus();
    check();
  }
  form.addEventListener("input", check);
  form.addEventListener("change", check);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    if (!prompt.value.trim()) { error.replaceChildren(h("p", { class: "error" }, "Write a prompt first.")); prompt.focus(); return; }
    if (keywordsNeeded().some((k) => !hasKeyword(prompt.value, k))) { check(); prompt.focus(); return; }
    const picked = version.value ? { version: Number(version.value) } : {};
    const chosen = extras.length
      ? { models: [{ model_id: model.model_id, weight: 1, ...picked }, ...extras.map((e) => ({ model_id: e.model.model_id, weight: e.weight }))] }
      : { model_id: model.model_id, ...picked };
    const body = {
      ...chosen, prompt: prompt.value.trim(),
      aspect_ratio: form.querySelector("input[name=aspect_ratio]:checked").value,
      resolution: form.querySelector("input[name=resolution]:checked").value,
      num_outputs: outputs(), style: style.value,
    };
    if (seed.value !== "") body.seed = Number(seed.value);
    if (negative.value.trim() && !negative.disabled) body.negative_prompt = negative.value.trim();
    generate.disabled = true;
    try {
      const started = await api("/v1/generations", { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey() } });
      watch(started.generation_id, body);
    } catch (refused) {
      error.replaceChildren(h("p", { class: "error" }, refused.message));
      generate.disabled = false;
    }
  });

  const STATUS = { awaiting_payment: "Paying…", generating: "Painting…", completed: "Done", payment_failed: "Not enough credits", failed: "Failed" };
  function watch(generationId, body) {
    const status = h("p", { class: "hint", id: "generation-status", role: "status" }, "Sending…");
    results.replaceChildren(h("h2", {}, "Result"), status);
    const source = follow(`/v1/generations/${generationId}/events`, async (view) => {
      status.textContent = STATUS[view.status] || view.status;
      if (!["completed", "failed", "payment_failed"].includes(view.status)) return;
      source.close();
      generate.disabled = false;
      const now = await api("/v1/account").catch(() => null);
      if (now) balance = now.credits;
      check();
      if (view.status === "completed") showImages(view);
      else {
        status.className = "error";
        status.textContent = `${STATUS[view.status]}: ${view.reason || ""}`;
        if (view.status === "payment_failed") {
          results.append(h("p", { class: "warning", id: "balance-note" }, `You have ${plural(balance, "credit")}; this needed ${imageCredits * body.num_outputs}. `,
            h("a", { href: "/credits" }, "Add credits")));
        } else if (view.refunded) results.append(h("p", { class: "hint" }, "Your credits were refunded."));
      }
      history.unshift(view);
      history_.replaceChildren(...historyItems());
    });
  }

  function showImages(view) {
    const named = (m) => `${m.keyword}${m.version > 1 ? ` v${m.version}` : ""}`; // v1 goes without saying
    const used = view.models || [];
    const first = used[0];
    const family = first && findModel(models, first.model_id);
    const line = used.length > 1
      ? h("p", { class: "hint", id: "models-used" }, `Models: ${used.map((m) => `${named(m)} ×${Number(m.weight).toFixed(1)}`).join(" + ")}`)
      : first && first.version && (first.version > 1 || (family && family.versions.length > 1))
        ? h("p", { class: "hint", id: "version-used" }, `Version ${first.version} of “${first.keyword}”`,
          family && family.version === first.version ? " (the latest)" : "")
        : null;
    const withheld = view.withheld || [];
    const stopped = withheld.length ? h("p", { class: "warning", id: "withheld-note" },
      `${plural(withheld.length, "image")} withheld (${withheld.length === 1 ? "seed" : "seeds"} ${withheld.map((w) => w.seed).join(", ")}), ${withheld.length === 1 ? "its" : "their"} credits refunded: ${withheld[0].reason}.`) : null;
    fill(results, h("h2", {}, "Result"), h("p", { class: "hint" }, view.prompt), line, stopped,
      h("div", { class: "results" }, view.images.map((image, i) => h("figure", { class: "result" },
        picture(image.url, `Image ${i + 1}: ${view.prompt}`, { style: `aspect-ratio:${image.width}/${image.height}` }),
        h("figcaption", {}, h("span", {}, `${image.width}×${image.height} · seed ${image.seed}`),
          h("span", { class: "image-actions" },
            h("a", { class: "button", href: image.download_url, download: "", "aria-label": `Download image ${i + 1}` }, "Download"),
            h("button", { type: "button", class: "quiet", onclick: () => { seed.value = image.seed; advanced.open = true; seed.focus(); } }, "Use this seed")))))));
  }

  const versionOf = (g) => { // which version painted it, where the model has several
    const v = g.models && g.models[0] && g.models[0].version;
    return v && (model.versions || []).length > 1 ? `v${v} · ` : "";
  };
  function historyItems() {
    const ids = new Set([model.model_id, ...(model.versions || []).map((v) => v.model_id)]);
    const mine = history.filter((g) => ids.has(g.model_id));
    if (!mine.length) return [h("li", { class: "hint" }, `No images with “${model.keyword}” yet.`)];
    return mine.map((g) => h("li", {},
      g.images[0] ? picture(g.images[0].url, "") : h("span", { style: "width:56px" }),
      h("div", { class: "what" }, h("p", {}, g.prompt), h("p", { class: "hint" }, `${versionOf(g)}${STATUS[g.status] || g.status} · ${plural(g.images.length || g.settings.num_outputs || 0, "image")} · ${when(g.created_at)}`)),
      g.status === "completed" && h("button", { type: "button", class: "quiet", onclick: () => showImages(g) }, "Show")));
  }

  history_.replaceChildren(...historyItems());
  combine.reset(model); // draws the other models to combine with, and checks the form
}
