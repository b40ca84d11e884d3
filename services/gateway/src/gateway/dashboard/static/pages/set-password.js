// Choose a password through the one-time link the operator gave (…/set-password#link=…).
import { api, h, title } from "../app.js";

export async function render(main) {
  title("Choose a password");
  const link = new URLSearchParams(location.hash.slice(1)).get("link") || "";
  const error = h("p", { class: "error", role: "alert" });
  const password = h("input", { name: "password", type: "password", required: true, minlength: 10, autocomplete: "new-password" });
  const form = h("form", { class: "stack" },
    h("label", {}, "New password", password),
    h("p", { class: "hint" }, "At least 10 characters. The link works once."),
    error, h("button", { type: "submit", class: "primary" }, "Set password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const done = await api("/v1/password", { method: "POST", json: { link, password: password.value } });
      form.replaceWith(h("p", { class: "note" }, `Password set for ${done.email}. `, h("a", { href: "/sign-in" }, "Sign in now")));
    } catch (refused) {
      error.textContent = refused.message;
    }
  });
  main.append(h("div", { class: "sign-in panel stack" },
    h("a", { class: "brand", href: "/sign-in" }, h("img", { src: "/static/icon.svg", alt: "", width: 36, height: 36 }), "aitrain"),
    h("h1", {}, "Choose a password"),
    link ? form : h("p", { class: "error" }, "This page needs the link you were sent; open that link again.")));
}
