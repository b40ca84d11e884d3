// Webhooks: the account's endpoints (add one: its secret is shown once), a test event, the
// delivery log with each attempt's answer, and the notice when the platform disabled one.
import { api, h, idempotencyKey, title, when } from "../app.js";

const WORDS = {
  "training.completed": "Training completed",
  "training.failed": "Training failed (refunded)",
  "training.rejected": "Training rejected (photos or credits)",
  "training.cancelled": "Training cancelled",
  "generation.completed": "Images generated",
  "generation.failed": "Generation failed",
  "model.deleted": "Model deleted",
  "webhook.test": "Test event",
};

function attemptsText(delivery) {
  const answers = delivery.attempts.map((a) => (a.status_code ? String(a.status_code) : a.error));
  return answers.length ? answers.join(" → ") : "not sent yet";
}

function stateBadge(delivery) {
  const cls = { delivered: "badge ok", failed: "badge bad", pending: "badge warn" }[delivery.state];
  const word = delivery.state === "pending" && delivery.attempts.length ? "retrying" : delivery.state;
  return h("span", { class: cls }, word);
}

function deliveryLog(endpoint) {
  const rows = h("tbody");
  const load = async () => {
    const deliveries = await api(`/v1/webhooks/${endpoint.endpoint_id}/deliveries`);
    rows.replaceChildren(...deliveries.map((d) => h("tr", { dataset: { deliveryId: d.delivery_id } },
      h("td", {}, when(d.created_at)), h("td", {}, WORDS[d.type] || d.type), h("td", {}, stateBadge(d)),
      h("td", { class: "attempts" }, attemptsText(d)))));
    if (!deliveries.length) rows.append(h("tr", {}, h("td", { colspan: 4, class: "hint" }, "Nothing sent yet.")));
    return deliveries;
  };
  const table = h("div", { class: "table-wrap" }, h("table", { class: "deliveries", "aria-label": `Deliveries to ${endpoint.url}` },
    h("thead", {}, h("tr", {}, h("th", {}, "Sent"), h("th", {}, "Event"), h("th", {}, "State"), h("th", {}, "Answers"))), rows));
  return { table, load };
}

function endpointCard(endpoint, reload) {
  const error = h("p", { class: "error", role: "alert" });
  const log = deliveryLog(endpoint);
  const act = (label, run, cls = "") => h("button", { type: "button", class: cls, onclick: async () => {
    error.textContent = "";
    try { await run(); } catch (refused) { error.textContent = refused.message; }
  } }, label);
  const path = `/v1/webhooks/${endpoint.endpoint_id}`;
  const watch = async () => { // a test goes out within a second or two: show its answer
    for (let i = 0; i < 20; i++) {
      const deliveries = await log.load();
      if (deliveries.length && deliveries[0].state !== "pending") return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const notice = !endpoint.enabled && h("div", { class: "warning", role: "status" },
    h("strong", {}, "Disabled: "), endpoint.disabled_reason || "", " ",
    act("Enable again", async () => { await api(path, { method: "PATCH", json: { enabled: true } }); reload(); }, "primary"));
  const card = h("article", { class: "panel stack endpoint", dataset: { endpointId: endpoint.endpoint_id } },
    h("div", { class: "row spread" }, h("code", { class: "url" }, endpoint.url),
      h("span", { class: endpoint.enabled ? "badge ok" : "badge bad" }, endpoint.enabled ? "active" : "disabled")),
    endpoint.description && h("p", { class: "hint" }, endpoint.description),
    h("p", { class: "events" }, endpoint.events.map((e) => h("span", { class: "badge type-event" }, WORDS[e] || e))),
    notice,
    h("div", { class: "row" },
      endpoint.enabled && act("Send test event", async () => { await api(`${path}/test`, { method: "POST" }); await watch(); }),
      endpoint.enabled && act("Disable", async () => { await api(path, { method: "PATCH", json: { enabled: false } }); reload(); }),
      act("Refresh log", () => log.load(), "quiet"),
      act("Delete", async () => {
        if (!confirm(`Delete the endpoint ${endpoint.url}? Nothing more is sent to it and its log goes.`)) return;
        await api(path, { method: "DELETE" });
        reload();
      }, "danger")),
    error, h("h3", {}, "Delivery log"), log.table);
  log.load().catch((refused) => (error.textContent = refused.message));
  return card;
}

function addForm(types, onMade) {
  const error = h("p", { class: "error", role: "alert" });
  const url = h("input", { type: "url", name: "url", required: true, placeholder: "https://your.server/aitrain", autocomplete: "off" });
  const description = h("input", { type: "text", name: "description", maxlength: 200, placeholder: "optional" });
  const boxes = types.map((t) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "events", value: t, checked: t.startsWith("training.") }), " ", WORDS[t] || t));
  const form = h("form", { class: "panel stack", id: "add-endpoint" },
    h("label", {}, "Endpoint URL", url), h("fieldset", {}, h("legend", {}, "Events to send"), h("div", { class: "checks" }, boxes)),
    h("label", {}, "Description", description), error,
    h("div", {}, h("button", { type: "submit", class: "primary" }, "Add endpoint")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const events = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    try {
      const made = await api("/v1/webhooks", { method: "POST", headers: { "Idempotency-Key": idempotencyKey() },
        json: { url: url.value, events, description: description.value } });
      form.reset();
      onMade(made);
    } catch (refused) {
      error.textContent = refused.message;
    }
  });
  return form;
}

function secretPanel(made) {
  const copy = h("button", { type: "button", onclick: async () => {
    await navigator.clipboard.writeText(made.secret).then(() => (copy.textContent = "Copied"), () => (copy.textContent = "Select and copy it"));
  } }, "Copy");
  return h("div", { class: "panel stack", id: "new-secret" },
    h("p", {}, h("strong", {}, "Signing secret — shown only now. "), `Your server checks each message to ${made.url} with it.`),
    h("code", { class: "secret" }, made.secret), h("div", {}, copy),
    h("p", { class: "hint" }, "Messages follow the Standard Webhooks spec: verify webhook-signature with any of its libraries, e.g. Python's standardwebhooks: Webhook(secret).verify(body, headers)."));
}

export async function render(main) {
  title("Webhooks");
  const fresh = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "stack", id: "endpoints" });
  const listed = await api("/v1/webhooks");
  let shown = null; // the endpoint whose secret is on screen
  const reload = async () => {
    const now = await api("/v1/webhooks");
    list.replaceChildren(...now.endpoints.map((e) => endpointCard(e, reload)));
    if (!now.endpoints.length) list.append(h("p", { class: "hint" }, "No endpoints yet."));
    if (shown && !now.endpoints.some((e) => e.endpoint_id === shown)) { // deleted: its secret goes
      shown = null;
      fresh.replaceChildren(h("p", { class: "hint" }, "Endpoint deleted: its signing secret signs nothing more."));
    }
  };
  const form = addForm(listed.event_types, async (made) => {
    shown = made.endpoint_id;
    fresh.replaceChildren(secretPanel(made));
    await reload();
  });
  main.append(h("div", { class: "head" }, h("div", {}, h("h1", {}, "Webhooks"),
    h("p", { class: "muted" }, "Your server hears when a training or a generation ends, at once, signed. A failed delivery is retried for about a day."))),
  list, h("h2", {}, "Add an endpoint"), fresh, form);
  await reload();
}
