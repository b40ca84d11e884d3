// What the AI Training gallery and a training's own page both show about a training.
import { api, h, picture } from "./app.js";

export const ENDED = new Set(["completed", "failed", "rejected", "payment_failed", "cancelled"]);
// nothing more will come: ended, and no refund still on its way (the stream goes on for it)
export const settled = (view) => ENDED.has(view.status) && !view.refund_pending;

const WORDS = {
  validating: "Checking your photos",
  awaiting_payment: "Paying",
  queued: "Waiting for a trainer",
  training: "Training",
  completed: "Ready",
  rejected: "Photos to fix",
  payment_failed: "Not enough credits",
  failed: "Failed",
  cancelling: "Stopping",
  cancelled: "Cancelled",
};

export function statusWord(status) {
  return WORDS[status] || status;
}

export function whatToDo(view) {
  if (view.status === "rejected") return "Replace the photos marked in the report, then start the training again.";
  if (view.status === "payment_failed") return "Add credits or choose a plan on the Credits page, then start again.";
  if (view.status === "failed") return "It was the platform's fault: nothing was charged (a charge was refunded). Start it again.";
  if (view.status === "cancelling") return "Stopping at its next step; the refund follows.";
  if (view.status === "cancelled") return refundWords(view);
  return "";
}

function refundWords(view) {
  const back = view.refund;
  if (!back && view.refund_pending) return "You cancelled it; the refund follows in a moment.";
  if (back && back.free_training_restored) return "You cancelled it: your free training came back.";
  if (back && back.credits) return `You cancelled it: ${back.credits.toLocaleString()} credits came back.`;
  return view.paid_with_free_training ? "You cancelled it after it started: the free training was used." : "You cancelled it: nothing was left to give back.";
}

function confirmCancel(view) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-labelledby": "cancel-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "cancel-title" }, `Cancel the training “${view.keyword}”?`),
        h("p", {}, "You get back: ", h("strong", { class: "refund-now" }, view.cancel.refund_now), "."),
        h("p", { class: "hint" }, view.cancel.rule),
        h("p", {}, "What it trained so far is discarded."),
        h("div", { class: "row" },
          h("button", { value: "keep", autofocus: true }, "Keep training"),
          h("button", { value: "stop", class: "danger solid" }, "Cancel training"))));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "stop"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// "Cancel": says what comes back and the rule before the user confirms; `onView` gets the
// training as the cancel left it (stopping, or cancelled).
export function cancelControl(view, onView) {
  if (!view.cancel) return null;
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "button", class: "danger", "aria-label": `Cancel training ${view.keyword}` }, "Cancel training");
  button.addEventListener("click", async () => {
    if (!(await confirmCancel(view))) return;
    button.disabled = true;
    try {
      onView(await api(`/v1/trainings/${encodeURIComponent(view.training_id)}/cancel`, { method: "POST" }));
    } catch (refused) {
      error.textContent = refused.message;
      button.disabled = false;
    }
  });
  return h("div", { class: "cancel-control" }, button, error);
}

function eta(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return "less than a minute left";
  return `about ${Math.round(seconds / 60)} min left`;
}

// A waiting training's place among every account's (the trainers take them by plan).
function queueWords(queue) {
  if (!queue) return "";
  const nth = queue.place === 1 ? "next in line" : `${ordinal(queue.place)} in line`;
  const start = queue.starts_in_s === null ? ""
    : queue.starts_in_s < 60 ? " · starts within a minute"
    : ` · starts in about ${Math.round(queue.starts_in_s / 60)} min`;
  return ` · ${nth}${start}`;
}

function ordinal(n) {
  const tens = n % 100, ones = n % 10;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th";
  return `${n}${suffix}`;
}

// The live part: status, a progress bar with step and ETA, the latest sample image. `shown`,
// the block drawn before: its sample is kept while it is the same picture (links are signed
// anew on every update; loading it again each time would make it flicker).
export function progressBlock(view, shown = null) {
  const p = view.progress || {};
  const share = p.total_steps ? Math.round((100 * p.step) / p.total_steps) : view.status === "completed" ? 100 : 0;
  const label = view.status === "training" && p.total_steps
    ? `Step ${p.step} of ${p.total_steps} · ${eta(p.eta_seconds)}`
    : statusWord(view.status) + queueWords(view.queue);
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
