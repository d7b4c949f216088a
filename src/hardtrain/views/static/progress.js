// hardtrain's learner progress, kept in the browser's localStorage (an anywidget ES module for
// hardtrain.views.progress). Nothing leaves the browser.
//
// Two widgets share this module (`role`):
// - "record": one prediction or exercise. On load it sends the stored record of its item, if
//   any, to the kernel (`stored`), which restores the page (a prediction already committed, an
//   answer already checked); when the kernel sets `record`, it is written to storage. Invisible.
// - "course": the start page's table of progress per lab (the kernel sends the catalogue of
//   items per lab), with a button that downloads the stored records as JSON for an instructor.
//
// Storage: one key, KEY, holding {"prediction": {id: record}, "exercise": {id: record}}; a
// record is what the kernel wrote plus the time ("at", ISO 8601).

const KEY = "hardtrain.progress.v1";

function load() {
  try {
    const all = JSON.parse(window.localStorage.getItem(KEY) || "{}");
    return all && typeof all === "object" ? all : {};
  } catch (err) {
    return {};
  }
}

function save(all) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(all));
  } catch (err) {
    console.warn("hardtrain progress: could not write localStorage", err);
  }
}

function initializeRecord(model) {
  const kind = model.get("kind");
  const item = model.get("item");
  const stored = (load()[kind] || {})[item];
  if (stored) {
    model.set("stored", stored);
    model.save_changes();
  }
  model.on("change:record", () => {
    const record = model.get("record");
    if (!record || !Object.keys(record).length) return;
    const all = load();
    all[kind] = all[kind] || {};
    all[kind][item] = { ...record, at: new Date().toISOString() };
    save(all);
  });
}

function renderCourse(model, el) {
  el.classList.add("ht-progress");
  const draw = () => {
    const all = load();
    const catalogue = model.get("catalogue") || {};
    const table = document.createElement("table");
    table.className = "ht-progress-table";
    const caption = document.createElement("caption");
    caption.textContent = "Your progress (kept in this browser only)";
    table.append(caption);
    const head = table.createTHead().insertRow();
    for (const text of ["Lab", "Predictions made", "as predicted", "Exercises solved"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = text;
      head.append(th);
    }
    const body = table.createTBody();
    for (const [lab, items] of Object.entries(catalogue)) {
      const preds = (items.prediction || []).map((id) => (all.prediction || {})[id]).filter(Boolean);
      const solved = (items.exercise || []).filter((id) => ((all.exercise || {})[id] || {}).correct);
      const row = body.insertRow();
      row.dataset.lab = lab;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = `Lab ${lab}`;
      row.append(th);
      for (const text of [`${preds.length} of ${(items.prediction || []).length}`,
        `${preds.filter((r) => r.correct).length}`,
        `${solved.length} of ${(items.exercise || []).length}`]) {
        row.insertCell().textContent = text;
      }
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jupyter-button ht-progress-export";
    button.textContent = "Download my progress (JSON)";
    button.addEventListener("click", () => {
      const blob = new Blob([JSON.stringify({ hardtrain_progress: load() }, null, 2)],
        { type: "application/json" });
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = "hardtrain-progress.json";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
    el.replaceChildren(table, button);
  };
  draw();
  const onStorage = (event) => { if (event.key === KEY) draw(); }; // another tab recorded something
  window.addEventListener("storage", onStorage);
  model.on("change:catalogue", draw);
  return () => window.removeEventListener("storage", onStorage);
}

export default {
  initialize({ model }) {
    if (model.get("role") === "record") initializeRecord(model);
  },
  render({ model, el }) {
    if (model.get("role") === "course") return renderCourse(model, el);
    el.hidden = true;
    return () => {};
  },
};
