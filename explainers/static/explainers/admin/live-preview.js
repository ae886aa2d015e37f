// The live preview beside a story's change form: the story as readers will see it, rendered
// by the server from the unsaved form (explainers/previewing.py), refreshed within a second of
// a pause in typing, at a phone's or a desktop's width. Nothing is saved.
(function () {
  "use strict";

  const meta = document.querySelector('meta[name="newsroom-preview"]');
  const form = document.getElementById("explainer_form");
  if (!meta || !form) return;

  const PAUSE_MS = Number(window.NEWSROOM_PREVIEW_PAUSE_MS || 700);
  const WIDTHS = { mobile: 375, desktop: 1280 };
  const FRAME = "desk-preview-frame";
  let width = "desktop";
  let timer = null;

  // A hidden button that posts the form to the preview, into the frame, skipping the browser's
  // own checks (the server reports problems in the preview itself).
  const send = document.createElement("button");
  send.type = "submit";
  send.hidden = true;
  send.setAttribute("formaction", meta.dataset.url);
  send.setAttribute("formtarget", FRAME);
  send.setAttribute("formnovalidate", "");
  send.tabIndex = -1;
  form.appendChild(send);

  const panel = document.createElement("aside");
  panel.className = "desk-preview";
  panel.setAttribute("aria-label", "Live preview");
  const bar = document.createElement("div");
  bar.className = "desk-preview__bar";
  const title = document.createElement("strong");
  title.textContent = "Live preview (unsaved)";
  bar.appendChild(title);
  const buttons = {};
  for (const name of Object.keys(WIDTHS)) {
    const choice = document.createElement("button");
    choice.type = "button";
    choice.className = "button";
    choice.textContent = name === "mobile" ? `Phone (${WIDTHS[name]} px)` : `Desktop (${WIDTHS[name]} px)`;
    choice.addEventListener("click", () => {
      width = name;
      fit();
    });
    buttons[name] = choice;
    bar.appendChild(choice);
  }
  const viewport = document.createElement("div");
  viewport.className = "desk-preview__viewport";
  const frame = document.createElement("iframe");
  frame.name = FRAME;
  frame.title = "The story as readers will see it";
  viewport.appendChild(frame);
  panel.append(bar, viewport);

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "button desk-preview-toggle";
  toggle.setAttribute("aria-expanded", "false");
  toggle.textContent = "Show live preview";
  const buttonsRow = document.querySelector(".workflow__buttons");
  (buttonsRow || form.parentNode).insertBefore(toggle, buttonsRow ? buttonsRow.firstChild : form);

  function fit() {
    const px = WIDTHS[width];
    const room = viewport.clientWidth || px;
    const scale = Math.min(1, room / px);
    frame.style.width = `${px}px`;
    frame.style.height = `${Math.round(viewport.clientHeight / scale)}px`;
    frame.style.transform = `scale(${scale})`;
    for (const [name, choice] of Object.entries(buttons)) {
      choice.setAttribute("aria-pressed", String(name === width));
    }
  }

  function refresh() {
    timer = null;
    if (document.body.classList.contains("desk-preview-on")) form.requestSubmit(send);
  }

  function later() {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(refresh, PAUSE_MS);
  }

  toggle.addEventListener("click", () => {
    const on = document.body.classList.toggle("desk-preview-on");
    toggle.setAttribute("aria-expanded", String(on));
    toggle.textContent = on ? "Hide live preview" : "Show live preview";
    if (on) {
      form.parentNode.insertBefore(panel, form.nextSibling);
      fit();
      refresh();
    } else {
      panel.remove();
    }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  window.addEventListener("resize", fit);
})();
