// Credits: plan, balance, free trainings, the ledger (newest first, paged), the plan choice.
import { api, h, idempotencyKey, plural, title, when } from "../app.js";

const PLANS = {
  free: "Free — pay as you go with credits",
  standard: "Standard",
  pro: "Pro",
  unlimited: "Unlimited",
};

export async function render(main) {
  title("Credits");
  const account = await api("/v1/account");
  const stats = h("div", { class: "stats" });
  const drawStats = (a) => stats.replaceChildren(
    h("div", { class: "stat" }, h("span", { class: "hint" }, "Credits"), h("b", { id: "credits" }, a.credits.toLocaleString())),
    h("div", { class: "stat" }, h("span", { class: "hint" }, "Free trainings"), h("b", { id: "free-trainings" }, a.free_trainings)),
    h("div", { class: "stat" }, h("span", { class: "hint" }, "Plan"), h("b", { id: "plan", style: "text-transform:capitalize" }, a.plan)));
  drawStats(account);

  const planError = h("div", { role: "alert" });
  const plan = h("select", { id: "plan-choice", name: "plan" }, Object.entries(PLANS).map(([value, label]) =>
    h("option", { value, selected: value === account.plan }, label)));
  const planForm = h("form", { class: "panel stack" },
    h("h2", { style: "margin-top:0" }, "Plan"),
    h("p", { class: "hint" }, "Paid plans are bought: you pay, then the plan changes. Your first paid plan comes with one free training (once per account). ",
      `A training costs ${plural(account.training_credits ?? 1000, "credit")}, an image ${plural(account.image_credits ?? 5, "credit")}. `,
      "Failed trainings and images are refunded; deleting a model refunds nothing."),
    h("div", { class: "row" }, h("label", { for: "plan-choice" }, "Choose a plan", plan),
      h("div", { style: "flex:0 0 auto" }, h("button", { type: "submit", class: "primary" }, "Change plan"))), planError);
  // A paid plan is bought: a checkout, paid on the provider's page (or confirmed by the
  // operator); the plan changes when the payment is confirmed, so the page waits for that.
  let watching = null;
  async function watchCheckout(id) {
    clearTimeout(watching);
    const checkout = await api(`/v1/checkouts/${encodeURIComponent(id)}`);
    if (checkout.status === "paid") {
      drawStats(await api("/v1/account"));
      planError.replaceChildren(h("p", { class: "note" }, `You are on the ${checkout.plan} plan.`));
      await loadLedger(true);
      return;
    }
    planError.replaceChildren(h("p", { class: checkout.status === "expired" ? "error" : "note", id: "checkout-state", dataset: { checkout: id } },
      `${checkout.plan[0].toUpperCase()}${checkout.plan.slice(1)} plan: ${checkout.next_step}.`));
    if (checkout.status === "open") watching = setTimeout(() => watchCheckout(id).catch(() => {}), 2000);
  }
  planForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    planError.replaceChildren();
    try {
      if (plan.value !== "free") {
        const checkout = await api("/v1/checkouts", { method: "POST", json: { plan: plan.value }, headers: { "Idempotency-Key": idempotencyKey() } });
        if (checkout.pay_url) { location.assign(checkout.pay_url); return; }
        await watchCheckout(checkout.checkout_id);
        return;
      }
      const now = await api("/v1/subscription", { method: "POST", json: { plan: "free" }, headers: { "Idempotency-Key": idempotencyKey() } });
      if (now.status === "pending") planError.replaceChildren(h("p", { class: "note" }, "Billing is applying it; refresh in a moment."));
      else { drawStats(now); planError.replaceChildren(h("p", { class: "note" }, `You are on the ${now.plan} plan.`)); }
      await loadLedger(true);
    } catch (refused) {
      planError.replaceChildren(h("p", { class: "error" }, refused.message));
    }
  });
  const returned = new URLSearchParams(location.search).get("checkout"); // back from the provider's page
  if (returned) watchCheckout(returned).catch((refused) => planError.replaceChildren(h("p", { class: "error" }, refused.message)));

  const rows = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Older entries");
  let before = null;
  async function loadLedger(fresh = false) {
    if (fresh) { before = null; rows.replaceChildren(); }
    const page = await api(`/v1/ledger?limit=20${before ? `&before=${before}` : ""}`);
    for (const e of page.entries) {
      const amount = e.amount ? `${e.amount > 0 ? "+" : ""}${e.amount.toLocaleString()}` : "";
      const free = e.free_trainings ? ` ${e.free_trainings > 0 ? "+" : ""}${e.free_trainings} free training` : "";
      rows.append(h("tr", { dataset: { kind: e.kind } },
        h("td", {}, when(e.time)),
        h("td", {}, h("span", {}, e.description), h("br"), h("span", { class: "hint" }, `${e.kind.replaceAll("_", " ")} · ${e.reference}`)),
        h("td", { class: `num ${e.amount > 0 || e.free_trainings > 0 ? "plus" : e.amount < 0 || e.free_trainings < 0 ? "minus" : ""}` }, (amount + free).trim() || "0"),
        h("td", { class: "num" }, e.balance_after.toLocaleString())));
    }
    if (!rows.children.length) rows.append(h("tr", {}, h("td", { colspan: 4, class: "hint" }, "Nothing yet: choose a plan or get credits to start.")));
    before = page.next_before;
    more.hidden = !before;
  }
  more.addEventListener("click", () => loadLedger());
  await loadLedger();

  main.append(h("div", { class: "head" }, h("div", {}, h("h1", {}, "Credits"),
    h("p", { class: "muted" }, "What you have, and every credit in and out."))), stats,
  h("div", { style: "height:1rem" }), planForm,
  h("h2", {}, "Ledger"), h("p", { class: "hint" }, "To buy credits, ask the operator of this platform (they are added here with the reason)."),
  h("div", { class: "table-wrap" }, h("table", { id: "ledger" },
    h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What for"), h("th", { class: "num" }, "Credits"), h("th", { class: "num" }, "Balance"))), rows)),
  h("p", {}, more));
}
