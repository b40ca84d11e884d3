// Sign in (and, when the operator opened it, create an account).
import { api, h, signIn, title } from "../app.js";

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "/training";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/training"; // this site only
}

export async function render(main) {
  title("Sign in");
  const signup = await api("/v1/signup").catch(() => ({ open: false }));
  let creating = false;
  const error = h("p", { class: "error", role: "alert" });
  const heading = h("h1", {}, "Sign in");
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const password = h("input", { name: "password", type: "password", required: true, autocomplete: "current-password" });
  const hint = h("p", { class: "hint", hidden: true }, "At least 10 characters.");
  const form = h("form", { class: "stack" },
    h("label", {}, "Email", h("input", { name: "email", type: "email", required: true, autocomplete: "username", autofocus: true })),
    h("label", {}, "Password", password),
    hint, error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      if (creating) {
        await api("/v1/sign-ups", { method: "POST", json: { email: form.email.value, password: password.value } });
      } else {
        await signIn(form.email.value, password.value);
      }
      location.assign(nextPage());
    } catch (refused) {
      error.textContent = refused.message;
      submit.disabled = false;
    }
  });
  const toggle = signup.open && h("p", { class: "hint" }, h("button", { type: "button", class: "quiet", onclick: () => {
    creating = !creating;
    heading.textContent = creating ? "Create your account" : "Sign in";
    submit.textContent = creating ? "Create account" : "Sign in";
    password.autocomplete = creating ? "new-password" : "current-password";
    hint.hidden = !creating;
    toggle.firstChild.textContent = creating ? "I have an account: sign in" : "New here? Create an account";
  } }, "New here? Create an account"));
  main.append(h("div", { class: "sign-in panel stack" },
    h("a", { class: "brand", href: "/sign-in" }, h("img", { src: "/static/icon.svg", alt: "", width: 36, height: 36 }), "aitrain"),
    heading,
    h("p", { class: "muted" }, "Train your own image model on 15–25 photos, then generate with it."),
    form,
    toggle || h("p", { class: "hint" }, "No account yet? Ask the operator of this platform for one.")));
}
