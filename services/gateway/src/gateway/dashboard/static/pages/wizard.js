// New training: type → keyword → photos → check (free: the photo report and the price, nothing
// charged) → start; then the photo-by-photo report from the dataset service, payment and live
// progress. A rejected set keeps the good photos: only
// the marked ones need replacing. /training/<id> shows the same for a training started before.
import { api, follow, h, idempotencyKey, picture, plural, title } from "../app.js";
import { cancelControl, progressBlock, settled, statusWord, whatToDo } from "../trainings.js";

const TYPES = {
  character: ["Character", "A person, a pet, a mascot.", [
    "Portraits from the shoulders up, face clearly visible",
    "Only this one person: no group shots",
    "Varied expressions, angles, light and backgrounds"]],
  style: ["Style", "A look to paint anything in.", [
    "One consistent look across every picture",
    "Varied subjects, so the style is what they share",
    "No text, watermarks or frames"]],
  object: ["Object", "A product, a toy, a thing you own.", [
    "The thing itself, whole and in focus",
    "Varied places, angles and light",
    "Nothing else that steals the attention"]],
};

function sizeText(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function findingsList(findings) {
  return findings.map((f) => h("p", { class: `finding ${f.severity}` }, f.message));
}

// One photo's tile: thumbnail, name, what was found and what to do about it. `checked`:
// the dataset service's report is in (then no finding means a good photo).
function photoTile({ name, src, findings = [], checked = false, note = null, actions = [] }) {
  const bad = findings.some((f) => f.severity === "error");
  const warn = !bad && findings.length > 0;
  return h("li", { class: `photo${bad ? " bad" : warn ? " warn" : ""}`, dataset: { name } },
    src ? picture(src, name) : h("div", { class: "hint", style: "aspect-ratio:1" }),
    h("div", { class: "body" },
      h("span", { class: "name", title: name }, name),
      note && h("span", { class: "hint" }, note),
      checked && !findings.length && h("span", { class: "badge ok" }, "✓ good"),
      findingsList(findings),
      actions.length > 0 && h("div", { class: "row" }, actions)));
}

export async function render(main, match) {
  const trainingId = match && match[1];
  if (trainingId) return showTraining(main, trainingId);
  const params = new URLSearchParams(location.search);
  const versionOf = params.get("version_of"); // a new version of this model: its keyword and type
  const [options, account, model] = await Promise.all([api("/v1/training-options"), api("/v1/account"),
    versionOf ? api(`/v1/models/${encodeURIComponent(versionOf)}`) : null]);
  title(model ? `New version of ${model.keyword}` : "New training");
  const photos = []; // {file, url, findings?, checked?}: the check's findings stay with a photo
  const captions = new Map(); // image name → caption file

  const error = h("div", { role: "alert" });
  // a new version keeps the model's type: only its card, chosen and fixed
  const typeCards = h("div", { class: "types" }, options.types.filter((type) => !model || type === model.type).map((type) => {
    const [label, blurb, tips] = TYPES[type] || [type, "", []];
    return h("label", { class: `type-card${model ? " fixed" : ""}` },
      h("input", { type: "radio", name: "type", value: type, checked: model ? true : (params.get("type") || "character") === type,
        disabled: Boolean(model), onchange: forgetCheck }),
      h("strong", {}, label), h("span", {}, blurb), h("ul", {}, tips.map((t) => h("li", {}, t))));
  }));
  // the base model: asked only where the platform serves more than one; a new version keeps its model's
  const bases = options.bases || [];
  const baseName = (name) => (bases.find((b) => b.name === name) || { label: name }).label;
  const basePicker = !model && bases.length > 1 && h("select", { id: "base", name: "base" },
    bases.map((b, i) => h("option", { value: b.name, selected: (params.get("base") || bases[0].name) === b.name },
      `${b.label}${i === 0 ? " (default)" : ""}${b.training_credits != null ? ` · ${plural(b.training_credits, "credit")}` : ""}`)));
  const baseBox = basePicker
    ? h("div", { class: "stack" }, h("label", { for: "base" }, "Base model"), basePicker,
      h("p", { class: "hint" }, "What your model is trained on and paints with: a model works with its own base only."))
    : model && model.base && bases.length > 1 && h("p", { class: "hint" }, `Base model (the model's): ${baseName(model.base)}`);
  const keyword = h("input", { id: "keyword", name: "keyword", required: true, autocomplete: "off", spellcheck: "false",
    value: model ? model.keyword : params.get("keyword") || "", readonly: Boolean(model),
    "aria-describedby": "keyword-check", placeholder: "e.g. customalicemodel" });
  const keywordCheck = h("div", { id: "keyword-check", "aria-live": "polite" },
    model && h("p", { class: "hint" }, `Fixed: version ${model.version + 1} keeps the keyword of “${model.keyword}”; `,
      model.versions.length === 1 ? `version ${model.versions[0].version} stays until you delete it.`
        : `versions ${model.versions.map((v) => v.version).join(", ")} stay until you delete them.`));
  let keywordOk = Boolean(model);
  let checkTimer;
  keyword.addEventListener("input", () => {
    if (model) return;
    keyword.value = keyword.value.toLowerCase();
    keywordOk = false;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkKeyword, 250);
    refresh();
  });
  async function checkKeyword() {
    if (model) return; // the model's own: nothing to check
    const word = keyword.value.trim();
    if (!word) { keywordCheck.replaceChildren(); return; }
    try {
      const answer = await api(`/v1/keywords/${encodeURIComponent(word)}`);
      if (keyword.value.trim() !== word) return; // typed on meanwhile
      keywordOk = answer.usable;
      keywordCheck.replaceChildren(
        answer.problem ? h("p", { class: "error" }, answer.problem) : h("p", { class: "hint" }, `✓ “${word}” is free to use`),
        ...answer.warnings.map((w) => h("p", { class: "warning" }, w)));
    } catch (refused) {
      keywordCheck.replaceChildren(h("p", { class: "error" }, refused.message));
    }
    refresh();
  }

  const picker = h("input", { type: "file", multiple: true, accept: [...options.image_types, ".txt"].join(","), id: "photos-input", class: "visually-hidden", style: "position:absolute;opacity:0;width:1px" });
  const refusals = h("div", { "aria-live": "polite" });
  const grid = h("ul", { class: "photos", "aria-label": "Photos to train on" });
  const count = h("p", { class: "hint", id: "photo-count" });
  const drop = h("div", { class: "drop" },
    h("p", {}, h("strong", {}, "Drag and drop 15–25 photos here")),
    h("p", { class: "hint" }, `JPEG, PNG, WebP or HEIC, up to ${sizeText(options.max_image_bytes)} each. Caption files (photo name + .txt) are optional.`),
    h("label", { class: "button", for: "photos-input", style: "display:inline-flex" }, "Choose photos"), picker);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); add([...e.dataTransfer.files]); });
  picker.addEventListener("change", () => { add([...picker.files]); picker.value = ""; });

  function add(files) {
    const refused = [];
    for (const file of files) {
      if (file.name.endsWith(".txt")) { captions.set(file.name.slice(0, -4), file); continue; }
      if (!options.image_types.includes(file.type) && !/\.(jpe?g|png|webp|heic|heif)$/i.test(file.name)) {
        refused.push(`${file.name} is not a photo: use JPEG, PNG, WebP or HEIC.`);
      } else if (file.size > options.max_image_bytes) {
        refused.push(`${file.name} is ${sizeText(file.size)}: the limit is ${sizeText(options.max_image_bytes)}; export it smaller.`);
      } else if (photos.some((p) => p.file.name === file.name && p.file.size === file.size)) {
        refused.push(`${file.name} is already in the set.`);
      } else if (photos.length >= options.max_images) {
        refused.push(`${file.name} was left out: a set has at most ${options.max_images} photos.`);
      } else {
        photos.push({ file, url: URL.createObjectURL(file) });
      }
    }
    refusals.replaceChildren(...refused.map((r) => h("p", { class: "error" }, r)));
    refresh();
  }

  function drawPhotos() {
    grid.replaceChildren(...photos.map((photo, index) => photoTile({
      name: photo.file.name, src: photo.url, findings: photo.findings, checked: photo.checked,
      note: captions.has(photo.file.name) ? "with its caption" : sizeText(photo.file.size),
      actions: [h("button", { type: "button", class: "quiet", "aria-label": `Remove ${photo.file.name}`,
        onclick: () => { URL.revokeObjectURL(photo.url); photos.splice(index, 1); refresh(); } }, "Remove")],
    })));
    const n = photos.length;
    count.textContent = n < options.min_images
      ? `${plural(n, "photo")}: add ${options.min_images - n} more (15–25).`
      : `${plural(n, "photo")} ✓`;
    count.className = n < options.min_images ? "warning" : "hint";
  }

  const priceLine = h("p", { class: "price", id: "price" });
  const priceNote = h("div", {});
  function drawBasePrice() { // a base may cost otherwise than the account's usual price
    const name = basePicker ? basePicker.value : (model && model.base) || (bases[0] && bases[0].name);
    const own = (bases.find((b) => b.name === name) || {}).training_credits;
    const cost = own ?? account.training_credits ?? 1000;
    drawPrice({ uses_free_training: account.free_trainings > 0, credits: cost, balance: account.credits,
      covered: account.free_trainings > 0 || account.credits >= cost });
  }
  drawBasePrice();
  if (basePicker) basePicker.addEventListener("change", drawBasePrice);
  function drawPrice(price) { // the account's, then the check's (billing asked again)
    priceLine.textContent = price.uses_free_training
      ? "Free: this uses your free training."
      : `${price.credits.toLocaleString()} credits — you have ${price.balance.toLocaleString()}.`;
    priceNote.replaceChildren(...(price.covered ? [] : [h("p", { class: "warning" }, "Not enough credits for a training: ",
      h("a", { href: "/credits" }, "add credits or choose a plan"), " first.")]));
  }

  // The check before paying: the dataset service's very check, answered at once; nothing is
  // charged or reserved and the photos are deleted after a day.
  const checkButton = h("button", { type: "button", id: "check-photos" }, "Check photos");
  const checkResult = h("div", { id: "check-result", class: "stack", "aria-live": "polite" });
  let checkedOnce = false;
  checkButton.addEventListener("click", async () => {
    const missing = missingFor(false);
    if (missing.length) { checkResult.replaceChildren(h("p", { class: "error" }, `To check: ${missing.join("; ")}.`)); return; }
    checkButton.disabled = true;
    checkResult.replaceChildren(h("p", { class: "hint" }, `Checking ${plural(photos.length, "photo")}: sharpness, size, faces, duplicates…`));
    try {
      const answer = await api("/v1/trainings?dry_run=true", { method: "POST", form: formData(currentSet()) });
      answer.report.images.forEach((image, index) => {
        if (photos[index]) Object.assign(photos[index], { findings: image.findings, checked: true });
      });
      checkedOnce = true;
      drawPrice(answer.price);
      drawCheck(answer);
      refresh();
    } catch (refused) {
      checkResult.replaceChildren(h("p", { class: "error" }, refused.message));
    } finally {
      checkButton.disabled = false;
    }
  });
  function forgetCheck() { // another type is checked another way (faces for characters)
    for (const photo of photos) Object.assign(photo, { findings: [], checked: false });
    refresh();
  }
  function drawCheck(answer) {
    const toFix = answer.report.images.filter((im) => im.findings.some((f) => f.severity === "error")).length;
    const parts = [toFix
      ? h("p", { class: "error" }, `Replace or remove the ${plural(toFix, "photo")} marked in red, then check again.`)
      : h("p", { class: "hint" }, "✓ Every photo can be trained on; notes in yellow are advice, not blockers.")];
    parts.push(...findingsList(answer.report.findings));
    if (answer.keyword && answer.keyword.problem) parts.push(h("p", { class: "error" }, answer.keyword.problem));
    parts.push(h("p", { class: "hint" }, "Nothing was charged. The checked copies are deleted within a day."));
    checkResult.replaceChildren(...parts);
  }

  const overrides = h("details", {}, h("summary", {}, "Advanced: training settings"),
    h("p", { class: "hint" }, "Leave empty to use the preset for the type (recommended)."),
    h("div", { class: "row" },
      h("label", {}, "Steps (50–3000)", h("input", { name: "steps", type: "number", min: 50, max: 3000, placeholder: "preset" })),
      h("label", {}, "LoRA rank", h("select", { name: "rank" }, h("option", { value: "" }, "preset"), [4, 8, 16, 32, 64].map((r) => h("option", { value: r }, r)))),
      h("label", {}, "Learning rate", h("input", { name: "learning_rate", type: "number", step: "any", min: 0.000001, max: 0.01, placeholder: "preset" }))));
  // asked only where the operator's content policy wants it, and only for a person's likeness
  const consent = h("input", { type: "checkbox", id: "consent", name: "consent" });
  const consentBox = h("label", { class: "row", hidden: true }, consent,
    h("span", {}, "I am the person in these photos, or I have their permission to make a model of their likeness."));
  const start = h("button", { type: "submit", class: "primary", id: "start" }, "Start training");
  const stale = h("p", { class: "warning", hidden: true }, "Photos changed since the check: check again to see the new ones.");
  const form = h("form", { class: "stack", novalidate: true },
    h("ol", { class: "steps", "aria-label": "Steps" },
      h("li", { "aria-current": "step" }, "1 · Type"), h("li", {}, "2 · Keyword"), h("li", {}, "3 · Photos"), h("li", {}, "4 · Check"), h("li", {}, "5 · Start")),
    h("fieldset", { class: "panel stack" }, h("legend", {}, model ? "1. What it teaches (the model's)" : "1. What do you want to teach?"), typeCards, baseBox),
    h("fieldset", { class: "panel stack" }, h("legend", {}, "2. Its keyword"),
      h("label", { for: "keyword" }, model ? "Keyword (the model's)" : "Keyword (3–40 lowercase letters or digits)"), keyword, keywordCheck,
      !model && h("p", { class: "hint" }, "Write it in every prompt to call your model. A made-up word works best: custom[yourname]model.")),
    h("fieldset", { class: "panel stack" }, h("legend", {}, "3. Your photos"), drop, refusals, count, grid),
    h("fieldset", { class: "panel stack" }, h("legend", {}, "4. Check them (free)"),
      h("p", { class: "hint" }, "Each photo is checked as a training would check it, and you see the price. Nothing is charged."),
      consentBox, h("div", {}, checkButton), stale, checkResult),
    h("fieldset", { class: "panel stack" }, h("legend", {}, "5. Start"), overrides, priceLine, priceNote, error, h("div", {}, start)));

  function refresh() {
    drawPhotos();
    const chosen = form.querySelector("input[name=type]:checked");
    consentBox.hidden = !(options.consent_required && chosen && chosen.value === "character");
    const steps = form.querySelectorAll(".steps li");
    const unchecked = photos.some((p) => !p.checked);
    stale.hidden = !(checkedOnce && unchecked);
    const toReplace = photos.some((p) => (p.findings || []).some((f) => f.severity === "error"));
    const at = !keywordOk ? 1 : photos.length < options.min_images || toReplace ? 2 : unchecked ? 3 : 4;
    steps.forEach((li, i) => (i === at ? li.setAttribute("aria-current", "step") : li.removeAttribute("aria-current")));
    start.disabled = false; // pressing it says what is missing, rather than a silent grey button
  }

  // what the form still needs; a check may run while the keyword is taken (it says so)
  function missingFor(starting) {
    const missing = [];
    if (!keyword.value.trim()) missing.push("choose a keyword");
    else if (starting && !keywordOk) missing.push("choose a keyword that is free to use (see the check under it)");
    if (photos.length < options.min_images) missing.push(`add ${plural(options.min_images - photos.length, "more photo")} (15–25)`);
    if (!consentBox.hidden && !consent.checked) missing.push("confirm you are the person in the photos or have their permission");
    return missing;
  }
  function currentSet() {
    const preset = Object.fromEntries(["steps", "rank", "learning_rate"].map((n) => [n, form.elements[n].value]).filter(([, v]) => v));
    const type = form.querySelector("input[name=type]:checked").value;
    return { type, keyword: keyword.value.trim(), photos, captions, preset, consent: !consentBox.hidden && consent.checked,
      versionOf: model ? model.model_id : null, base: basePicker ? basePicker.value : null };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = missingFor(true);
    if (missing.length) { error.replaceChildren(h("p", { class: "error" }, `To start: ${missing.join("; ")}.`)); return; }
    start.disabled = true;
    error.replaceChildren(h("p", { class: "hint" }, `Uploading ${plural(photos.length, "photo")}…`));
    try {
      await submit(main, currentSet());
    } catch (refused) {
      error.replaceChildren(h("p", { class: "error" }, refused.message));
      start.disabled = false;
    }
  });

  const heading = model
    ? [h("h1", {}, `New version of “${model.keyword}”`),
      h("p", { class: "muted" }, `Train it again on new photos or with other settings: it becomes version ${model.version + 1}. `,
        h("a", { href: "/training" }, "← AI Training"))]
    : [h("h1", {}, "New training"),
      h("p", { class: "muted" }, "Teach a model one subject. It takes a few minutes; you can leave this page meanwhile.")];
  main.append(h("div", { class: "head" }, h("div", {}, ...heading),
    model && model.thumbnail_url && picture(model.thumbnail_url, `Thumbnail of ${model.keyword}`, { class: "head-thumb", width: 64, height: 64 })), form);
  refresh();
  if (keyword.value) checkKeyword();
}

function formData(set) {
  const form = new FormData();
  if (set.versionOf) form.append("version_of", set.versionOf); // type and keyword: the model's
  else {
    form.append("type", set.type);
    form.append("keyword", set.keyword);
    if (set.base) form.append("base", set.base);
  }
  if (set.consent) form.append("consent", "true");
  for (const [name, value] of Object.entries(set.preset || {})) form.append(name, value);
  for (const photo of set.photos) {
    form.append("images", photo.file, photo.file.name);
    const caption = set.captions.get(photo.file.name);
    if (caption) form.append("images", caption, caption.name);
  }
  return form;
}

async function submit(main, set) {
  const form = formData(set);
  const started = await api("/v1/trainings", { method: "POST", form, headers: { "Idempotency-Key": idempotencyKey() } });
  history.replaceState(null, "", `/training/${started.training_id}`);
  track(main, started.training_id, set, started.warnings);
}

// The training from the start: its photo report and its progress, live until it ends.
function track(main, trainingId, set, warnings = []) {
  main.replaceChildren();
  const heading = h("h1", {}, set && set.versionOf ? `New version of “${set.keyword}”` : `Training “${set ? set.keyword : "…"}”`);
  const statusBox = h("div", { class: "panel stack", id: "status" });
  const report = h("section", { class: "stack", "aria-labelledby": "report-title" });
  main.append(h("div", { class: "head" }, h("div", {}, heading, h("p", { class: "muted" }, h("a", { href: "/training" }, "← AI Training"))), h("a", { class: "button", href: "/training/new" }, "+ New training")),
    ...warnings.map((w) => h("p", { class: "warning" }, w)), statusBox, report);
  let source = null;
  const show = (view) => {
    title(`Training ${view.keyword}`);
    heading.textContent = view.version_of ? `New version of “${view.keyword}”` : `Training “${view.keyword}”`;
    drawStatus(statusBox, view);
    drawReport(report, view, set, main);
    if (settled(view) && source) source.close();
  };
  source = follow(`/v1/trainings/${trainingId}/events`, show);
}

function drawStatus(box, view) {
  const parts = [h("p", {}, h("span", { class: `badge${["rejected", "failed", "payment_failed"].includes(view.status) ? " bad" : ""}` }, statusWord(view.status)))];
  if (view.status === "completed") {
    parts.push(h("p", {}, "Your model is ready. ", h("a", { class: "button primary", href: `/text-to-image?model=${encodeURIComponent(view.model_id)}` }, `Generate with “${view.keyword}”`)));
  }
  const chosen = view.status === "cancelled"; // the user's choice, not an error to fix
  if (view.reason) parts.push(chosen ? h("p", {}, view.reason) : h("p", { class: "error", role: "alert" }, view.reason));
  if (whatToDo(view)) parts.push(h("p", { class: "hint" }, whatToDo(view)));
  if (!["rejected", "payment_failed", "cancelled"].includes(view.status)) parts.push(progressBlock(view, box));
  const cancel = cancelControl(view, (now) => drawStatus(box, now));
  if (cancel) parts.push(cancel);
  box.replaceChildren(...parts);
}

function drawReport(section, view, set, main) {
  const rep = view.report;
  const items = rep ? rep.images : (set ? set.photos.map((p) => ({ name: p.file.name, findings: [] })) : []);
  const rejected = view.status === "rejected";
  const tiles = items.map((item, index) => {
    const local = set && set.photos[index];
    const bad = (item.findings || []).some((f) => f.severity === "error");
    const actions = [];
    if (rejected && set && bad) {
      const swap = h("input", { type: "file", accept: "image/*", style: "position:absolute;opacity:0;width:1px", id: `swap-${index}` });
      swap.addEventListener("change", () => {
        if (!swap.files[0]) return;
        set.photos[index] = { file: swap.files[0], url: URL.createObjectURL(swap.files[0]), replaced: true };
        drawReport(section, { ...view, report: { ...rep, images: rep.images.map((im, i) => (i === index ? { name: swap.files[0].name, findings: [] } : im)) } }, set, main);
      });
      actions.push(h("label", { class: "button", for: `swap-${index}` }, "Replace"), swap,
        h("button", { type: "button", class: "quiet", onclick: () => {
          set.photos.splice(index, 1);
          drawReport(section, { ...view, report: { ...rep, images: rep.images.filter((_, i) => i !== index) } }, set, main);
        } }, "Remove"));
    }
    return photoTile({ name: item.name, src: local ? local.url : item.url, findings: item.findings || [],
      checked: Boolean(rep) && !local?.replaced,
      note: local?.replaced ? "new: checked when you start again" : rep ? null : "checking…", actions });
  });
  const toFix = rep ? rep.images.filter((im) => (im.findings || []).some((f) => f.severity === "error")).length : 0;
  const parts = [h("h2", { id: "report-title" }, "Photo report")];
  if (!rep) parts.push(h("p", { class: "hint" }, "Checking each photo: sharpness, size, faces, duplicates…"));
  else if (rejected) parts.push(h("p", { class: "error" }, toFix ? `Replace or remove the ${plural(toFix, "photo")} marked in red; the others are kept.` : "Fix what the report says about the set, then start again."));
  else parts.push(h("p", { class: "hint" }, "Every photo was checked; notes in yellow are advice, not blockers."));
  if (rep) parts.push(...findingsList(rep.findings || []));
  parts.push(h("ul", { class: "photos" }, tiles));
  if (rejected && set) {
    const again = h("button", { type: "button", class: "primary" }, "Start again with these photos");
    const error = h("div", { role: "alert" });
    again.addEventListener("click", async () => {
      again.disabled = true;
      try { await submit(main, set); } catch (refused) { error.replaceChildren(h("p", { class: "error" }, refused.message)); again.disabled = false; }
    });
    parts.push(h("p", { class: "hint" }, `${plural(set.photos.length, "photo")} in the set (15–25).`), error, h("div", {}, again));
  } else if (rejected) {
    const again = view.version_of ? `version_of=${encodeURIComponent(view.version_of)}`
      : `keyword=${encodeURIComponent(view.keyword)}&type=${view.type}`;
    parts.push(h("p", {}, h("a", { class: "button primary", href: `/training/new?${again}` }, "Start again")));
  }
  section.replaceChildren(...parts);
}

async function showTraining(main, trainingId) {
  const view = await api(`/v1/trainings/${encodeURIComponent(trainingId)}`).catch((refused) => {
    if (refused.status === 404) {
      main.append(h("h1", {}, "Training not found"), h("p", { class: "error" }, refused.message), h("p", {}, h("a", { href: "/training" }, "Back to AI Training")));
      return null;
    }
    throw refused;
  });
  if (!view) return;
  track(main, trainingId, null, view.warnings || []);
}
