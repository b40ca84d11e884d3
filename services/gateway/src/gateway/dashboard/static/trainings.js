// What the AI Training gallery and a training's own page both show about a training.
import { h, picture } from "./app.js";

export const ENDED = new Set(["completed", "failed", "rejected", "payment_failed"]);

const WORDS = {
  validating: "Checking your photos",
  awaiting_payment: "Paying",
  queued: "Waiting for a trainer",
  training: "Training",
  completed: "Ready",
  rejected: "Photos to fix",
  payment_failed: "Not enough credits",
  failed: "Failed",
};

export function statusWord(status) {
  return WORDS[status] || status;
}

export function whatToDo(view) {
  if (view.status === "rejected") return "Replace the photos marked in the report, then start the training again.";
  if (view.status === "payment_failed") return "Add credits or choose a plan on the Credits page, then start again.";
  if (view.status === "failed") return "It was the platform's fault: nothing was charged (a charge was refunded). Start it again.";
  return "";
}

function eta(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return "less than a minute left";
  return `about ${Math.round(seconds / 60)} min left`;
}

// The live part: status, a progress bar with step and ETA, the latest sample image. `shown`,
// the block drawn before: its sample is kept while it is the same picture (links are signed
// anew on every update; loading it again each time would make it flicker).
export function progressBlock(view, shown = null) {
  const p = view.progress || {};
  const share = p.total_steps ? Math.round((100 * p.step) / p.total_steps) : view.status === "completed" ? 100 : 0;
  const label = view.status === "training" && p.total_steps
    ? `Step ${p.step} of ${p.total_steps} · ${eta(p.eta_seconds)}`
    : statusWord(view.status);
  const path = view.sample_url && view.sample_url.split("?")[0];
  const before = shown && shown.querySelector(".sample img");
  const sample = before && before.dataset.path === path ? before
    : path && picture(view.sample_url, `Latest sample of ${view.keyword}`, { width: 160, height: 160, dataset: { path },
      style: "width:160px;height:160px;object-fit:cover;border-radius:8px" });
  return h("div", { class: "stack live", dataset: { status: view.status } },
    h("div", { class: "progress", role: "progressbar", "aria-label": "Training progress",
      "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": share },
    h("span", { style: `width:${share}%` })),
    h("p", { class: "hint status-line" }, label),
    sample && h("figure", { class: "sample", style: "margin:0" }, sample, h("figcaption", { class: "hint" }, "Latest sample")));
}
