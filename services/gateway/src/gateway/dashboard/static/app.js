// aitrain dashboard: the shell. It picks the page's module by the path, signs the page in
// (session cookie + CSRF token) and offers the small helpers every page uses.

const PAGES = [
  [/^\/sign-in$/, "sign-in", false],
  [/^\/set-password$/, "set-password", false],
  [/^\/training$/, "training", true],
  [/^\/training\/new$/, "wizard", true],
  [/^\/training\/compare$/, "compare", true], // the gateway serves /training/<anything> as a page
  [/^\/training\/([\w-]+)$/, "wizard", true],
  [/^\/text-to-image$/, "text-to-image", true],
  [/^\/credits$/, "credits", true],
  [/^\/api-keys$/, "api-keys", true],
  [/^\/webhooks$/, "webhooks", true],
];

export const session = { csrf: null, email: null, accountId: null };

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

// An element: h("a", {href: "/x", class: "c"}, "text", child). Text is always text (no HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    // through the CSSOM: the Content-Security-Policy refuses style attributes, not this
    else if (name === "style") el.style.cssText = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// replaceChildren that leaves out what h() leaves out (the DOM would print "null")
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// FastAPI's 422 lists the fields; say each in words.
function detailText(data) {
  const detail = data && data.detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((x) => x !== "body").join(".")}: ${d.msg}`).join("; ");
  }
  return typeof detail === "string" ? detail : "";
}

// The public API, as this signed-in person. A 401 on the way asks to sign in again (in a
// dialog, so the page and what was typed stay) and sends the same request once more.
export async function api(path, { method = "GET", json, form, headers = {}, retry = true } = {}) {
  for (let attempt = 0; ; attempt++) {
    const sent = { ...headers };
    if (method !== "GET" && session.csrf) sent["X-CSRF-Token"] = session.csrf;
    let body;
    if (form) body = form;
    else if (json !== undefined) {
      sent["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    let answer;
    try {
      answer = await fetch(path, { method, headers: sent, body, credentials: "same-origin" });
    } catch {
      throw new ApiError(0, "The platform does not answer: check that it runs, then try again.");
    }
    if (answer.status === 401 && attempt === 0 && retry && session.accountId) {
      await signInAgain();
      continue;
    }
    const data = answer.status === 204 ? null : await answer.json().catch(() => null);
    if (!answer.ok) {
      const text = detailText(data) || `${answer.status} ${answer.statusText}`;
      throw new ApiError(answer.status, text, data);
    }
    return data;
  }
}

// Live updates of a training or generation (server-sent events): calls onView with each
// view until the status ends. On a broken stream it asks once whether the session lives.
export function follow(path, onView) {
  const source = new EventSource(path);
  source.addEventListener("status", (e) => onView(JSON.parse(e.data)));
  source.onerror = async () => {
    if (source.readyState === EventSource.CLOSED) {
      try {
        await api("/v1/session"); // a 401 here brings the sign-in dialog
        follow(path, onView);
      } catch { /* the page shows the last view it had */ }
    }
  };
  return source;
}

let again = null;
function signInAgain() {
  if (again) return again;
  const dialog = document.getElementById("sign-in-again");
  const form = document.getElementById("again-form");
  const error = form.querySelector(".error");
  form.email.value = session.email || "";
  again = new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      try {
        const made = await signIn(form.email.value, form.password.value);
        if (made.account_id !== session.accountId) {
          location.reload(); // another person: this page is not theirs
          return;
        }
        form.password.value = "";
        dialog.close();
        again = null;
        resolve();
      } catch (refused) {
        error.textContent = refused.message;
        error.hidden = false;
      }
    };
    dialog.addEventListener("cancel", (e) => e.preventDefault()); // signing in is the way on
  });
  dialog.showModal();
  return again;
}

export async function signIn(email, password) {
  const made = await api("/v1/sessions", { method: "POST", json: { email, password }, retry: false });
  Object.assign(session, { csrf: made.csrf_token, email: made.email, accountId: made.account_id });
  return made;
}

export function errorBox(refused) {
  return h("p", { class: "error", role: "alert" }, refused.message || String(refused));
}

export function showError(where, refused) {
  where.replaceChildren(errorBox(refused));
}

export function when(iso) {
  const date = new Date(typeof iso === "number" ? iso * 1000 : iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function plural(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}

// The embedded base model paints small images: shown scaled up, crisp, not blurred.
export function picture(src, alt, attrs = {}) {
  const img = h("img", { src, alt, decoding: "async", ...attrs });
  img.addEventListener("load", () => {
    if (img.naturalWidth && img.naturalWidth < img.clientWidth) img.classList.add("pixel");
  });
  // an upload deleted after its check, or a link that expired: say so, not a broken icon
  img.addEventListener("error", () => img.replaceWith(
    h("span", { class: "picture-gone", role: "img", "aria-label": alt, title: alt }, "No longer kept")));
  return img;
}

export function title(text) {
  document.title = `${text} · aitrain`;
}

async function boot() {
  const path = location.pathname;
  const [, name, needsSession] = PAGES.find(([pattern]) => pattern.test(path)) || [];
  const main = document.getElementById("main");
  if (!name) {
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "/training" }, "Go to AI Training")));
    return;
  }
  if (needsSession) {
    const me = await fetch("/v1/session", { credentials: "same-origin" });
    if (me.status === 401) {
      location.replace(`/sign-in?next=${encodeURIComponent(path + location.search)}`);
      return;
    }
    const data = await me.json();
    Object.assign(session, { csrf: data.csrf_token, email: data.email, accountId: data.account_id });
    document.getElementById("who-email").textContent = data.email || data.account_id;
    document.getElementById("sign-out").onclick = async () => {
      await api("/v1/session", { method: "DELETE" }).catch(() => null);
      location.assign("/sign-in");
    };
    const section = ["wizard", "compare"].includes(name) ? "training" : name;
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    }
  } else {
    document.body.classList.add("bare");
  }
  const page = await import(`./pages/${name}.js`);
  main.replaceChildren();
  try {
    await page.render(main, path.match(PAGES.find(([p]) => p.test(path))[0]));
  } catch (refused) {
    main.append(errorBox(refused));
  }
  performance.mark("aitrain:rendered"); // scripts/bench_dashboard.py reads it
}

boot();
