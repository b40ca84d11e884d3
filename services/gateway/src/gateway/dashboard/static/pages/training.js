// AI Training: the user's models, the trainings under way (live), the ones that need action.
import { api, errorBox, follow, h, picture, title, when } from "../app.js";
import { ENDED, cancelControl, progressBlock, settled, statusWord, whatToDo } from "../trainings.js";

function confirmDelete(model) {
  const count = (model.versions || []).length;
  return confirmDialog({
    heading: `Delete the model “${model.keyword}”?`,
    what: count > 1
      ? `All ${count} versions are deleted for good: their weights are removed and they can no longer generate images.`
      : "It is deleted for good: its weights are removed and it can no longer generate images.",
    after: ` — and the keyword “${model.keyword}” becomes free for a new training.`,
    button: "Delete model",
  });
}

function confirmDeleteVersion(model, version) {
  return confirmDialog({
    heading: `Delete version ${version} of “${model.keyword}”?`,
    what: `Version ${version} is deleted for good: its weights are removed and it can no longer generate images. The other versions stay.`,
    after: ` — the keyword “${model.keyword}” stays yours while another version lives.`,
    button: `Delete version ${version}`,
  });
}

function confirmDialog({ heading, what, after, button }) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-labelledby": "delete-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "delete-title" }, heading),
        h("p", {}, what),
        h("p", {}, h("strong", {}, "Nothing is refunded"), after),
        h("div", { class: "row" },
          h("button", { value: "cancel", autofocus: true }, "Keep it"),
          h("button", { value: "delete", class: "danger solid" }, button))));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "delete"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// What the trainer measured: in words, with the numbers behind them.
function qualityLine(quality) {
  if (!quality) return null;
  const learned = quality.learned_verdict === "strong" ? "ok" : "warn";
  const drift = quality.drift_verdict === "low" ? "ok" : "warn";
  return h("span", {
    class: "hint quality",
    title: "Measured on every training: how much better than the base model it denoises your photos, and how much it changes prompts without the keyword",
  },
  h("span", { class: `badge ${learned}` }, `learned: ${quality.learned_verdict}`), ` ${Math.round(quality.learned * 100)} % · `,
  h("span", { class: `badge ${drift}` }, `drift: ${quality.drift_verdict}`), ` ${quality.drift.toFixed(3)}`);
}

// The LoRA as a file for other tools: a fresh link (presigned, 15 min) on each click.
const FORMATS = [
  { format: "diffusers", name: "Diffusers", fits: "for diffusers (Python)" },
  { format: "kohya", name: "Kohya", fits: "for ComfyUI, AUTOMATIC1111" },
];

// With several versions, the one to download is picked first (the latest by default).
function downloadControl(model) {
  const error = h("p", { class: "error", role: "alert" });
  const versions = model.versions || [];
  const which = versions.length > 1
    ? h("select", { name: "version", "aria-label": `Version of ${model.keyword} to download` },
      [...versions].reverse().map((v) => h("option", { value: v.version },
        v.version === model.version ? `v${v.version} (latest)` : `v${v.version}`)))
    : null;
  const fetchFile = async (format) => {
    error.textContent = "";
    const version = which ? `&version=${which.value}` : "";
    try {
      const link = await api(`/v1/models/${encodeURIComponent(model.model_id)}/weights?format=${format}${version}`);
      const save = h("a", { href: link.url, download: link.file_name, hidden: true });
      document.body.append(save); // the object store answers it as an attachment: the page stays
      save.click();
      save.remove();
    } catch (refused) {
      error.textContent = refused.message;
    }
  };
  return h("details", { class: "download" },
    h("summary", {}, "Download weights"),
    which && h("label", { class: "check which" }, "Version", which),
    h("div", { class: "formats" }, FORMATS.flatMap(({ format, name, fits }) => [
      h("button", { type: "button", dataset: { format }, "aria-label": `Download ${model.keyword}, ${name} format`,
        onclick: () => fetchFile(format) }, name),
      h("span", { class: "hint" }, fits)])),
    h("p", { class: "hint note-line" }, "LoRA files (.safetensors) for the base model it was trained on."),
    error);
}

function generateLink(model, version = null) {
  const query = `model=${encodeURIComponent(model.model_id)}${version ? `&version=${version}` : ""}`;
  return `/text-to-image?${query}`;
}

// Each version on its own line, the latest first: its date and what the trainer measured,
// Generate with it, delete it alone.
function versionList(model, onChanged, error) {
  const versions = [...model.versions].reverse();
  return h("ul", { class: "versions", "aria-label": `Versions of ${model.keyword}` }, versions.map((v) => {
    const latest = v.version === model.version;
    const remove = h("button", { type: "button", class: "quiet danger", "aria-label": `Delete version ${v.version} of ${model.keyword}` }, "Delete");
    remove.addEventListener("click", async () => {
      if (!(await confirmDeleteVersion(model, v.version))) return;
      error.textContent = "";
      try {
        await api(`/v1/models/${encodeURIComponent(model.model_id)}?version=${v.version}`, { method: "DELETE" });
        onChanged();
      } catch (refused) {
        error.textContent = refused.message;
      }
    });
    return h("li", { class: latest ? "latest" : null, dataset: { version: v.version, modelId: v.model_id } },
      h("div", { class: "version-head" },
        h("strong", {}, `v${v.version}`), latest && h("span", { class: "badge" }, "latest")),
      h("span", { class: "hint when" }, when(v.created_at)),
      qualityLine(v.quality),
      h("div", { class: "version-actions" },
        h("a", { href: generateLink(model, v.version), "aria-label": `Generate with ${model.keyword} version ${v.version}` }, "Generate"),
        remove));
  }));
}

// the base model a model was trained on, named where the platform serves more than one
function baseLine(model, bases) {
  if (bases.length < 2) return null;
  const base = bases.find((b) => b.name === (model.base || bases[0].name));
  return h("span", { class: "hint base", title: "The base model it was trained on and paints with" },
    "on ", h("strong", {}, base ? base.label : model.base));
}

function modelCard(model, bases, onDeleted, onChanged) {
  const error = h("p", { class: "error", role: "alert" });
  const several = (model.versions || []).length > 1;
  const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete model ${model.keyword}` },
    several ? "Delete all" : "Delete");
  const card = h("article", { class: "card model", dataset: { modelId: model.model_id, versions: (model.versions || []).length } },
    h("a", { class: "thumb", href: generateLink(model), title: `Generate with ${model.keyword}` },
      model.thumbnail_url ? picture(model.thumbnail_url, `Thumbnail of ${model.keyword}`) : h("span", { class: "hint" }, "no thumbnail")),
    h("div", { class: "body" },
      h("span", { class: "keyword" }, model.keyword),
      h("span", { class: "hint" }, h("span", { class: "badge type" }, model.type), " ",
        several ? `${model.versions.length} versions` : when(model.created_at)),
      baseLine(model, bases),
      several ? versionList(model, onChanged, error) : qualityLine(model.quality),
      downloadControl(model),
      h("div", { class: "actions" },
        h("a", { href: generateLink(model) }, "Generate"), remove),
      h("div", { class: "more" },
        h("a", { href: `/training/new?version_of=${encodeURIComponent(model.model_id)}` }, "Train a new version"),
        several && h("a", { href: `/training/compare?model=${encodeURIComponent(model.model_id)}` }, "Compare versions")),
      error));
  remove.addEventListener("click", async () => {
    if (!(await confirmDelete(model))) return;
    try {
      await api(`/v1/models/${encodeURIComponent(model.model_id)}`, { method: "DELETE" });
      card.remove();
      onDeleted();
    } catch (refused) {
      error.textContent = refused.message;
    }
  });
  return card;
}

function runningCard(view, onEnded) {
  const live = h("div", {}, progressBlock(view));
  const cancel = h("div", {});
  const drawCancel = (now) => cancel.replaceChildren(cancelControl(now, (after) => {
    live.replaceChildren(progressBlock(after, live));
    drawCancel(after);
  }) || "");
  drawCancel(view);
  const card = h("article", { class: "card running panel", dataset: { trainingId: view.training_id } },
    h("div", { class: "body" },
      h("span", { class: "keyword" }, view.keyword),
      h("span", { class: "hint" }, h("span", { class: "badge type" }, view.type), view.version_of ? " new version, started " : " started ", when(view.created_at)),
      live,
      h("div", { class: "row" }, h("a", { href: `/training/${view.training_id}` }, "Open the photo report"), cancel)));
  const source = follow(`/v1/trainings/${view.training_id}/events`, (now) => {
    live.replaceChildren(progressBlock(now, live));
    drawCancel(now);
    if (settled(now)) { source.close(); onEnded(); }
  });
  return card;
}

function endedCard(view) {
  return h("article", { class: "card ended", dataset: { trainingId: view.training_id } },
    h("div", { class: "body" },
      h("span", { class: "keyword" }, view.keyword),
      h("span", {}, h("span", { class: "badge bad" }, statusWord(view.status)), " ", h("span", { class: "hint" }, when(view.created_at))),
      view.reason && h("p", { class: "error" }, view.reason),
      h("p", { class: "hint" }, whatToDo(view)),
      h("a", { href: `/training/${view.training_id}` }, "See what to fix")));
}

function emptyState() {
  return h("div", { class: "empty panel" },
    h("h2", {}, "Train your first model"),
    h("p", {}, "A model learns one subject from your photos, then paints it in any scene you describe."),
    h("ol", {},
      h("li", {}, "Pick what to teach: a character (a person or pet), a style, or an object."),
      h("li", {}, "Choose a keyword, a made-up word like customalicemodel."),
      h("li", {}, "Drop 15–25 good photos. We check each one and tell you what to fix."),
      h("li", {}, "When it is ready, click its thumbnail and write a prompt with the keyword.")),
    h("p", {}, h("a", { class: "button primary", href: "/training/new" }, "Start a new training")));
}

export async function render(main) {
  title("AI Training");
  const [models, trainings, options] = await Promise.all([api("/v1/models"), api("/v1/trainings"), api("/v1/training-options")]);
  const refresh = () => { main.replaceChildren(); render(main).catch((e) => main.append(errorBox(e))); };
  main.append(h("div", { class: "head" },
    h("div", {}, h("h1", {}, "AI Training"), h("p", { class: "muted" }, "Your custom models. Click one to generate images with it.")),
    h("a", { class: "button primary", href: "/training/new" }, "+ New training")));
  const running = trainings.filter((t) => !ENDED.has(t.status));
  // a failure matters until the keyword is tried again: only each keyword's latest training
  const latest = trainings.filter((t, i) => trainings.findIndex((u) => u.keyword === t.keyword) === i);
  const failed = latest.filter((t) => ENDED.has(t.status) && !["completed", "cancelled"].includes(t.status)).slice(0, 6);
  if (running.length) {
    main.append(h("h2", {}, "In progress"), h("div", { class: "cards" }, running.map((t) => runningCard(t, refresh))));
  }
  if (models.length) {
    main.append(h("h2", {}, "Your models"), h("div", { class: "cards", id: "models" },
      models.map((m) => modelCard(m, options.bases || [], () => { if (!document.querySelector(".card.model")) refresh(); }, refresh))));
  } else if (!running.length) {
    main.append(emptyState());
  }
  if (failed.length) {
    main.append(h("h2", {}, "Needs your attention"), h("div", { class: "cards" }, failed.map(endedCard)));
  }
}
