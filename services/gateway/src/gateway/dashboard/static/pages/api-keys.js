// API keys for programs (the CLI, scripts): create (shown once), list, revoke; and signing
// out of every browser.
import { api, h, idempotencyKey, title, when } from "../app.js";

export async function render(main) {
  title("API keys");
  const fresh = h("div", { "aria-live": "polite" });
  const error = h("div", { role: "alert" });
  const rows = h("tbody");
  async function load() {
    const keys = await api("/v1/api-keys");
    rows.replaceChildren(...keys.map((key) => h("tr", { dataset: { keyId: key.key_id } },
      h("td", {}, h("code", {}, `ait_${key.key_id}_…`)), h("td", {}, when(key.created_at)),
      h("td", {}, key.revoked ? h("span", { class: "badge bad" }, "revoked") : h("span", { class: "badge ok" }, "active")),
      h("td", {}, !key.revoked && h("button", { type: "button", class: "danger", onclick: () => revoke(key) }, "Revoke")))));
    if (!keys.length) rows.append(h("tr", {}, h("td", { colspan: 4, class: "hint" }, "No API keys yet.")));
  }
  let shown = null; // the key whose secret is on screen
  async function revoke(key) {
    if (!confirm(`Revoke the key ait_${key.key_id}_…? Programs using it stop working at once.`)) return;
    try { await api(`/v1/api-keys/${key.key_id}`, { method: "DELETE" }); await load(); } catch (refused) {
      error.replaceChildren(h("p", { class: "error" }, refused.message));
      return;
    }
    if (key.key_id === shown) { // a revoked secret has no business staying on screen
      shown = null;
      fresh.replaceChildren(h("p", { class: "hint" }, `Revoked ait_${key.key_id}_…: it no longer works.`));
    }
  }
  const create = h("button", { type: "button", class: "primary", id: "create-key" }, "+ Create an API key");
  create.addEventListener("click", async () => {
    error.replaceChildren();
    try {
      const made = await api("/v1/api-keys", { method: "POST", headers: { "Idempotency-Key": idempotencyKey() } });
      shown = made.key_id;
      const copy = h("button", { type: "button", onclick: async () => {
        await navigator.clipboard.writeText(made.api_key).then(() => (copy.textContent = "Copied"), () => (copy.textContent = "Select and copy it"));
      } }, "Copy");
      fresh.replaceChildren(h("div", { class: "panel stack" },
        h("p", {}, h("strong", {}, "Your new API key — shown only now. "), "Store it somewhere safe: only its hash is kept."),
        h("code", { class: "secret", id: "new-key" }, made.api_key), h("div", {}, copy),
        h("p", { class: "hint" }, `Use it as: export AITRAIN_API_KEY=${made.api_key.slice(0, 12)}… then .venv/bin/aitrain models`)));
      await load();
    } catch (refused) {
      error.replaceChildren(h("p", { class: "error" }, refused.message));
    }
  });
  const everywhere = h("button", { type: "button", class: "danger", id: "sign-out-everywhere" }, "Sign out everywhere");
  everywhere.addEventListener("click", async () => {
    if (!confirm("Sign out of every browser, this one included? API keys keep working.")) return;
    await api("/v1/sessions", { method: "DELETE" }).catch(() => null);
    location.assign("/sign-in");
  });
  await load();
  main.append(h("div", { class: "head" }, h("div", {}, h("h1", {}, "API keys"),
    h("p", { class: "muted" }, "For programs: the aitrain CLI, scripts, your own app. Send one as Authorization: Bearer <key>.")), create),
  fresh, error, h("div", { class: "table-wrap" }, h("table", { id: "keys" },
    h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Created"), h("th", {}, "State"), h("th", {}, h("span", { class: "visually-hidden" }, "Actions")))), rows)),
  h("h2", {}, "Browser sessions"), h("p", { class: "hint" }, "Lost a device, or signed in on a shared computer?"), everywhere);
}
