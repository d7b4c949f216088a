// hardtrain's page state: the browser side of hardtrain.views.pagestate.PageLink (an anywidget
// ES module). One PageLink sits at the foot of each dashboard view.
//
// - On load it sends the page's query string (`location.search`) to the kernel (`query`), which
//   sets the view's controls from it, hides or locks the controls an instructor's link names, and
//   writes a note for what it refused.
// - Whenever the kernel sends the view's non-default settings (`state`), it rewrites this view's
//   parameters (`<view>.<control>=<value>`) in the address bar with history.replaceState: no new
//   history entry, no reload. Parameters of other views and `hide`/`lock` are kept.
// - It draws a "Copy link" button; the link is also shown in a read-only box, for pages served
//   over plain http where the clipboard API is refused.
// - Once per page: when the page has stayed hidden for `hidden_seconds` (another tab in front, a
//   minimised window), it asks Voila to shut the page's kernel down (the same beacon Voila sends
//   when a tab closes), and when the learner comes back it reloads the page, whose address holds
//   the settings. Only on Voila pages (the page config names the kernel); never in JupyterLab.

/** Voila's page config (baseUrl, kernelId), or {} outside Voila. */
function pageConfig() {
  const el = document.getElementById("jupyter-config-data");
  if (!el) return {};
  try {
    return JSON.parse(el.textContent);
  } catch (err) {
    return {};
  }
}

/** Rewrite `view`'s parameters in the address bar to `state` ({control: text}). */
function writeAddress(view, state) {
  const params = new URLSearchParams(window.location.search);
  for (const key of [...params.keys()]) {
    if (key.startsWith(view + ".")) params.delete(key);
  }
  for (const [name, text] of Object.entries(state || {})) params.set(`${view}.${name}`, text);
  const query = params.toString();
  const url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
  if (url !== window.location.pathname + window.location.search + window.location.hash) {
    window.history.replaceState(window.history.state, "", url);
  }
}

/** Free the kernel of a page left hidden; reload with the same address when it is shown again. */
function keepKernelOnlyWhileSeen(seconds) {
  if (window.__htHiddenKeeper || !(seconds > 0)) return;
  const config = pageConfig();
  if (!config.kernelId || typeof config.baseUrl !== "string") return; // not a Voila page
  const keeper = (window.__htHiddenKeeper = { freed: false, timer: null });
  const free = () => {
    if (document.visibilityState !== "hidden" || keeper.freed) return;
    const form = new FormData();
    const xsrf = document.cookie.match("\\b_xsrf=([^;]*)\\b");
    form.append("_xsrf", (xsrf && xsrf[1]) || "");
    navigator.sendBeacon(`${config.baseUrl}voila/api/shutdown/${config.kernelId}`, form);
    keeper.freed = true;
    document.body.classList.add("ht-kernel-freed");
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      clearTimeout(keeper.timer);
      keeper.timer = setTimeout(free, seconds * 1000);
    } else {
      clearTimeout(keeper.timer);
      if (keeper.freed) {
        const note = document.createElement("div");
        note.className = "ht-reloading";
        note.setAttribute("role", "status");
        note.textContent = "This page was put to sleep while hidden; reloading it with your settings...";
        document.body.prepend(note);
        window.location.reload();
      }
    }
  });
}

export default {
  initialize({ model }) {
    model.on("change:state", () => writeAddress(model.get("view"), model.get("state")));
    // The address as the page was opened: other views may already have rewritten theirs.
    if (window.__htOpenedWith === undefined) window.__htOpenedWith = window.location.search || "?";
    model.set("query", window.__htOpenedWith);
    model.save_changes();
    keepKernelOnlyWhileSeen(model.get("hidden_seconds"));
  },
  render({ model, el }) {
    el.classList.add("ht-link");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jupyter-button ht-copy-link";
    button.textContent = "Copy link";
    button.title = "Copy a link to this page with the settings you chose";
    const box = document.createElement("input");
    box.type = "text";
    box.readOnly = true;
    box.hidden = true;
    box.className = "ht-link-box";
    box.setAttribute("aria-label", "Link to this page with its settings");
    const said = document.createElement("span");
    said.className = "ht-link-said";
    said.setAttribute("role", "status");
    button.addEventListener("click", async () => {
      box.value = window.location.href;
      box.hidden = false;
      box.select();
      try {
        await navigator.clipboard.writeText(box.value);
        said.textContent = "Link copied.";
      } catch (err) {
        said.textContent = "Copy the selected link (Ctrl+C / Cmd+C).";
      }
    });
    el.append(button, box, said);
    return () => el.replaceChildren();
  },
};
