// Writing aids beside a story's change form (explainers/proofing.py): the word count, the
// reading time and the checks before publishing, for the unsaved text, refreshed a moment after
// typing pauses. Each problem links to its place: the text box, with the words selected.
(function () {
  "use strict";

  const meta = document.querySelector('meta[name="newsroom-proofing"]');
  const form = document.getElementById("explainer_form");
  if (!meta || !form) return;

  const PAUSE_MS = Number(window.NEWSROOM_PROOFING_PAUSE_MS || 1000);
  let timer = null;
  let pending = null;

  const panel = document.createElement("details");
  panel.className = "writing-aids";
  panel.id = "writing-aids";
  const summary = document.createElement("summary");
  summary.textContent = "Checking the text…";
  panel.setAttribute("aria-label", "Writing aids: length and checks before publishing");
  const list = document.createElement("ol");
  list.className = "writing-aids__list";
  const status = document.createElement("p");
  status.className = "writing-aids__status";
  status.setAttribute("role", "status");
  panel.append(summary, status, list);
  const anchor = document.querySelector(".workflow__buttons");
  if (anchor) anchor.parentNode.insertBefore(panel, anchor.nextSibling);
  else form.parentNode.insertBefore(panel, form);

  const number = (n) => n.toLocaleString("en-GB");

  function select(problem) {
    const field = problem.field && document.getElementById(problem.field);
    if (!field) return;
    const box = field.closest("details, .collapse");
    if (box && box.tagName === "DETAILS") box.open = true;
    field.scrollIntoView({ block: "center" });
    field.focus();
    if (problem.find && typeof field.setSelectionRange === "function") {
      const at = field.value.indexOf(problem.find);
      if (at >= 0) field.setSelectionRange(at, at + problem.find.length);
    }
  }

  function show(result) {
    const problems = result.problems || [];
    const length = `${number(result.words)} words · about ${result.reading_minutes} min to read`;
    summary.textContent = problems.length
      ? `${length} · ${problems.length} thing${problems.length === 1 ? "" : "s"} to check`
      : `${length} · nothing to check`;
    panel.classList.toggle("writing-aids--problems", problems.length > 0);
    status.textContent = problems.length ? "" : "No problems found in the text as typed.";
    list.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement("li");
        item.dataset.check = problem.check;
        const where = document.createElement("a");
        where.href = problem.field ? `#${problem.field}` : "#";
        where.textContent = problem.where || "The story";
        where.addEventListener("click", (event) => {
          event.preventDefault();
          select(problem);
        });
        item.append(where, `: ${problem.message}`);
        if (problem.url) {
          const fix = document.createElement("a");
          fix.href = problem.url;
          fix.target = "_blank";
          fix.rel = "noopener";
          fix.className = "writing-aids__fix";
          fix.textContent = "Open it";
          item.append(" ", fix);
        }
        return item;
      })
    );
  }

  async function refresh() {
    timer = null;
    if (pending) pending.abort();
    pending = new AbortController();
    const body = new FormData(form);
    body.delete("_workflow");
    try {
      const response = await fetch(meta.dataset.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        signal: pending.signal,
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      show(await response.json());
    } catch (error) {
      if (error.name === "AbortError") return;
      summary.textContent = "The checks could not run just now; they will try again as you type.";
    }
  }

  function later() {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(refresh, PAUSE_MS);
  }

  // "Publish these changes" appears once there is something typed to publish.
  const reveal = () => {
    for (const button of document.querySelectorAll("[data-when-typed][hidden]")) button.hidden = false;
  };
  form.addEventListener("input", reveal, { once: true });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
