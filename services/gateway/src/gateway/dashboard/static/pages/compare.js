// Compare a model's versions: one prompt, the same settings and seed painted by each version
// (a generation per version, billed as images), side by side, each column filling in live.
import { api, follow, h, idempotencyKey, picture, plural, title, when } from "../app.js";
import { hasKeyword } from "./text-to-image.js";

const MAX_COMPARED = 4; // the platform's limit on one comparison
const STATUS = { awaiting_payment: "Paying…", generating: "Painting…", completed: "Done", payment_failed: "Not enough credits", failed: "Failed" };
const ENDED = new Set(["completed", "failed", "payment_failed"]);

export async function render(main) {
  const wanted = new URLSearchParams(location.search).get("model");
  const back = h("a", { href: "/training" }, "← AI Training");
  if (!wanted) {
    title("Compare versions");
    main.append(h("h1", {}, "Compare versions"), h("p", { class: "error", role: "alert" }, "No model named: open it from its card on AI Training."), h("p", {}, back));
    return;
  }
  const [model, options, account] = await Promise.all([
    api(`/v1/models/${encodeURIComponent(wanted)}`).catch((refused) => {
      if (refused.status !== 404) throw refused;
      return null;
    }),
    api("/v1/generation-options"), api("/v1/account")]);
  if (!model) {
    title("Compare versions");
    main.append(h("h1", {}, "Compare versions"),
      h("p", { class: "error", role: "alert" }, "This model was not found: it may have been deleted, or it is not yours."), h("p", {}, back));
    return;
  }
  title(`Compare ${model.keyword}`);
  main.append(h("div", { class: "head" }, h("div", {}, h("h1", {}, `Compare versions of “${model.keyword}”`),
    h("p", { class: "muted" }, "The same prompt, settings and seed painted by each version, side by side. ", back))));
  if (model.versions.length < 2) {
    main.append(h("div", { class: "empty panel" }, h("h2", {}, "Only one version so far"),
      h("p", {}, "Train the model again on new photos or with other settings; then compare the versions here."),
      h("a", { class: "button primary", href: `/training/new?version_of=${encodeURIComponent(model.model_id)}` }, "Train a new version")));
    return;
  }

  const imageCredits = account.image_credits ?? 5;
  let balance = account.credits;
  const prompt = h("textarea", { id: "prompt", name: "prompt", required: true, maxlength: 1000, style: "min-height:4rem" },
    `a photo of ${model.keyword}`);
  const keywordWarning = h("p", { class: "warning", id: "keyword-warning", role: "status", hidden: true },
    `Your prompt needs the keyword “${model.keyword}”.`);
  // the latest ones are checked (up to the limit); at most MAX_COMPARED at once
  const newest = model.versions.slice(-MAX_COMPARED).map((v) => v.version);
  const boxes = model.versions.map((v) => h("input", { type: "checkbox", name: "versions", value: v.version, checked: newest.includes(v.version) }));
  const versionList = h("div", { class: "checks compare-versions" }, model.versions.map((v, i) => h("label", { class: "check", dataset: { version: v.version } },
    boxes[i], h("span", { class: "what" },
      h("span", {}, h("strong", {}, `Version ${v.version}`), v.version === model.version && h("span", { class: "badge" }, "latest")),
      h("span", { class: "hint" }, when(v.created_at))))));
  const ratio = h("select", { id: "aspect-ratio", name: "aspect_ratio" }, options.aspect_ratios.map((r) => h("option", { value: r }, r)));
  const seed = h("input", { id: "seed", name: "seed", type: "number", min: 0, max: 4294967295, placeholder: "random" });
  const advanced = h("details", {}, h("summary", {}, "Advanced"), h("div", { class: "row", style: "margin-top:.6rem" },
    h("label", {}, "Ratio", ratio), h("label", {}, "Seed (empty: one is picked, the same for every version)", seed)));
  const price = h("p", { class: "price", id: "price" });
  const error = h("div", { role: "alert", id: "compare-error" });
  const compare = h("button", { type: "submit", class: "primary", id: "compare" }, "Compare");
  const form = h("form", { class: "panel stack", novalidate: true },
    h("label", { for: "prompt" }, "Prompt"), prompt, keywordWarning,
    h("fieldset", {}, h("legend", {}, `Versions to compare (2–${MAX_COMPARED})`), versionList),
    advanced, price, error, h("div", {}, compare));
  const results = h("section", { class: "stack", id: "comparison", "aria-label": "Comparison" });
  main.append(form, results);

  const chosen = () => boxes.filter((b) => b.checked).map((b) => Number(b.value));
  function check() {
    const count = chosen().length;
    boxes.forEach((b) => { b.disabled = !b.checked && count >= MAX_COMPARED; });
    const cost = imageCredits * count;
    price.textContent = `${plural(cost, "credit")} — you have ${balance.toLocaleString()}`;
    price.className = cost > balance ? "price warning" : "price";
    keywordWarning.hidden = !prompt.value.trim() || hasKeyword(prompt.value, model.keyword);
  }
  form.addEventListener("input", check);
  form.addEventListener("change", check);
  check();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const versions = chosen();
    const problem = !prompt.value.trim() ? "Write a prompt first."
      : !hasKeyword(prompt.value, model.keyword) ? `Your prompt needs the keyword “${model.keyword}”.`
        : versions.length < 2 ? "Choose at least two versions to compare." : null;
    if (problem) { error.replaceChildren(h("p", { class: "error" }, problem)); return; }
    const body = { prompt: prompt.value.trim(), versions, aspect_ratio: ratio.value };
    if (seed.value !== "") body.seed = Number(seed.value);
    compare.disabled = true;
    try {
      const started = await api(`/v1/models/${encodeURIComponent(model.model_id)}/compare`,
        { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey() } });
      show(started, body);
    } catch (refused) {
      error.replaceChildren(h("p", { class: "error" }, refused.message),
        refused.status === 402 ? h("p", {}, h("a", { href: "/credits" }, "Add credits")) : null);
      compare.disabled = false;
    }
  });

  // a column per version, in the order asked; each fills in as its generation ends
  function show(started, body) {
    let open = started.generations.length;
    const columns = started.generations.map(({ version, generation_id: id, status }) => {
      const state = h("p", { class: "hint status" }, STATUS[status] || status);
      const frame = h("div", { class: "frame", style: `aspect-ratio:${body.aspect_ratio.replace(":", "/")}` }, state);
      const caption = h("figcaption", {});
      const column = h("figure", { class: "result compare-col", dataset: { version, generationId: id, status } },
        h("h3", {}, `Version ${version}`, version === model.version ? h("span", { class: "badge" }, "latest") : null),
        frame, caption);
      const source = follow(`/v1/generations/${id}/events`, async (view) => {
        column.dataset.status = view.status;
        state.textContent = STATUS[view.status] || view.status;
        if (!ENDED.has(view.status)) return;
        source.close();
        if (view.status === "completed" && view.images[0]) {
          const image = view.images[0];
          frame.replaceChildren(picture(image.url, `Version ${version}: ${view.prompt}`, { style: `aspect-ratio:${image.width}/${image.height}` }));
          caption.replaceChildren(h("span", {}, `${image.width}×${image.height} · seed ${image.seed}`),
            h("span", { class: "image-actions" },
              h("a", { class: "button", href: image.download_url, download: "", "aria-label": `Download version ${version}'s image` }, "Download"),
              h("a", { class: "button quiet", href: `/text-to-image?model=${encodeURIComponent(model.model_id)}&version=${version}`,
                "aria-label": `Generate with version ${version}` }, "Use")));
        } else {
          state.className = "error";
          state.textContent = `${STATUS[view.status]}: ${view.reason || "no image"}${view.refunded ? " (refunded)" : ""}`;
        }
        open -= 1;
        if (!open) {
          compare.disabled = false;
          const now = await api("/v1/account").catch(() => null);
          if (now) balance = now.credits;
          check();
        }
      });
      return column;
    });
    results.replaceChildren(h("h2", {}, "Side by side"),
      h("p", { class: "hint", id: "compare-seed" }, `“${body.prompt}” · seed ${started.seed} for every version · ${plural(started.credits, "credit")}`),
      h("div", { class: "compare-grid", style: `--columns:${columns.length}` }, columns));
  }
}
