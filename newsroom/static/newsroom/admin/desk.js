// The editor's desk on every admin add and change form (newsroom/core/desk.py):
// - a warning before leaving the page with unsaved changes;
// - a private autosave of what is typed, at most every 20 seconds and when the tab closes,
//   offered back ("Restore your unsaved text from 11:42?") when the form is opened again;
// - who else has this form open, named at the top of the page. No locks.
(function () {
  "use strict";

  const meta = document.querySelector('meta[name="newsroom-desk"]');
  const form = document.querySelector("#content-main form[method='post'][id$='_form']");
  if (!meta || !form) return;

  const AUTOSAVE_MS = Number(window.NEWSROOM_AUTOSAVE_MS || 20000);
  const PRESENCE_MS = Number(window.NEWSROOM_PRESENCE_MS || 15000);
  const autosaveUrl = meta.dataset.autosave;
  const presenceUrl = meta.dataset.presence;
  const path = window.location.pathname;
  const isChangeForm = /\/change\/$/.test(path);
  // Not the form's content: where the post goes, which button, the token.
  const SKIP = new Set(["csrfmiddlewaretoken", "_workflow", "_save", "_continue", "_addanother"]);

  let dirty = false;
  let submitting = false;
  let lastSaved = 0;
  let timer = null;

  const csrf = () => {
    const input = form.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  };

  function fields() {
    const data = {};
    // Passwords are never kept (the server drops them too).
    const secret = new Set(
      [...form.querySelectorAll("input[type=password]")].map((input) => input.name)
    );
    for (const [name, value] of new FormData(form)) {
      if (SKIP.has(name) || secret.has(name) || typeof value !== "string") continue;
      (data[name] = data[name] || []).push(value);
    }
    return data;
  }

  function post(url, values) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("path", path);
    for (const [name, value] of Object.entries(values)) body.append(name, value);
    return body;
  }

  const clock = (iso) =>
    new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });

  // --- Messages at the top of the form ---------------------------------------------------------

  const area = document.createElement("div");
  area.className = "desk";
  form.parentNode.insertBefore(area, form);

  function note(id, className, parts) {
    let box = document.getElementById(id);
    if (!parts) {
      if (box) box.remove();
      return null;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      area.appendChild(box);
    }
    box.className = className;
    box.replaceChildren(...parts);
    return box;
  }

  function button(text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  const status = document.createElement("p");
  status.className = "desk__status";
  status.setAttribute("role", "status");
  area.appendChild(status);

  // --- Unsaved changes: a warning before leaving, and the autosave ---------------------------

  function changed() {
    dirty = true;
    status.textContent = "Unsaved changes.";
    if (timer) return;
    const wait = Math.max(2000, AUTOSAVE_MS - (Date.now() - lastSaved));
    timer = window.setTimeout(autosave, wait);
  }

  function autosave() {
    timer = null;
    if (!dirty || submitting) return;
    lastSaved = Date.now();
    fetch(autosaveUrl, {
      method: "POST",
      body: post(autosaveUrl, { data: JSON.stringify(fields()) }),
      credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((answer) => {
        status.textContent = `Unsaved changes, kept privately for you at ${clock(answer.saved_at)}.`;
      })
      .catch(() => {
        status.textContent = "Unsaved changes (a private copy could not be kept just now).";
      });
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", (event) => {
    if (event.isTrusted) changed();
  });
  // Fields outside the form that belong to it (the workflow panel's note, the schedule time).
  document.querySelectorAll(`[form='${form.id}']`).forEach((element) => {
    element.addEventListener("input", changed);
  });

  form.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const target = submitter ? submitter.getAttribute("formtarget") : null;
    if (target && target !== "_self") return; // a preview in another tab or frame: still here
    submitting = true;
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.addEventListener("pagehide", () => {
    if (dirty && !submitting && navigator.sendBeacon) {
      navigator.sendBeacon(autosaveUrl, post(autosaveUrl, { data: JSON.stringify(fields()) }));
    }
    if (isChangeForm && navigator.sendBeacon) {
      navigator.sendBeacon(presenceUrl, post(presenceUrl, { leave: "1" }));
    }
  });

  // --- Offering the autosave back ----------------------------------------------------------------

  function sameAsForm(data) {
    const now = fields();
    const names = new Set([...Object.keys(now), ...Object.keys(data)]);
    names.delete("base_version");
    for (const name of names) {
      if (JSON.stringify(now[name] || []) !== JSON.stringify(data[name] || [])) return false;
    }
    return true;
  }

  function addInlineRows(data) {
    for (const name of Object.keys(data)) {
      const match = name.match(/^(.*)-TOTAL_FORMS$/);
      if (!match) continue;
      const total = form.querySelector(`[name='${CSS.escape(name)}']`);
      const add = document.querySelector(`#${CSS.escape(match[1])}-group .add-row a`);
      let guard = 0;
      while (total && add && Number(total.value) < Number(data[name][0]) && guard++ < 500) {
        add.click();
      }
    }
  }

  function setValue(element, value) {
    if (element.tagName === "SELECT" && ![...element.options].some((o) => o.value === value)) {
      element.add(new Option(`${value} (restored)`, value));
    }
    element.value = value;
  }

  function restore(data) {
    addInlineRows(data);
    const used = {};
    for (const element of form.elements) {
      const name = element.name;
      if (!name || SKIP.has(name) || element.type === "file" || !(name in data)) continue;
      const values = data[name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = values.includes(element.value);
      } else if (element.tagName === "SELECT" && element.multiple) {
        values.forEach((value) => {
          if (![...element.options].some((o) => o.value === value)) {
            element.add(new Option(`${value} (restored)`, value));
          }
        });
        [...element.options].forEach((option) => {
          option.selected = values.includes(option.value);
        });
      } else {
        used[name] = (used[name] ?? -1) + 1;
        setValue(element, values[Math.min(used[name], values.length - 1)]);
      }
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
    changed();
  }

  function discard() {
    fetch(autosaveUrl, {
      method: "POST",
      body: post(autosaveUrl, { discard: "1" }),
      credentials: "same-origin",
    });
    note("desk-restore", "", null);
  }

  fetch(`${autosaveUrl}?path=${encodeURIComponent(path)}`, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((answer) => {
      const saved = answer && answer.autosave;
      if (!saved) return;
      if (sameAsForm(saved.data)) {
        discard();
        return;
      }
      const text = document.createElement("span");
      text.textContent = `Restore your unsaved text from ${clock(saved.saved_at)}? `;
      note("desk-restore", "desk__note desk__note--restore", [
        text,
        button("Restore", () => {
          restore(saved.data);
          note("desk-restore", "desk__note", [
            document.createTextNode(
              "Your unsaved text is back in the form. Save to keep it; if someone saved in the " +
                "meantime, the save will say so and keep your text.",
            ),
          ]);
        }),
        document.createTextNode(" "),
        button("Discard it", discard),
      ]);
    })
    .catch(() => {});

  // --- Who else is here ---------------------------------------------------------------------------

  function here() {
    fetch(presenceUrl, { method: "POST", body: post(presenceUrl, {}), credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        const others = (answer && answer.others) || [];
        if (!others.length) {
          note("desk-presence", "", null);
          return;
        }
        const who =
          others.length === 1
            ? `${others[0].name} is also editing this, since ${clock(others[0].since)}.`
            : `${others
                .map((other) => `${other.name} (since ${clock(other.since)})`)
                .join(", ")} are also editing this.`;
        note("desk-presence", "desk__note desk__note--presence", [
          document.createTextNode(
            `${who} You can both work: a save made after someone else's is refused, and ` +
              "keeps your text.",
          ),
        ]);
      })
      .catch(() => {});
  }

  if (isChangeForm) {
    here();
    window.setInterval(here, PRESENCE_MS);
  }
})();
