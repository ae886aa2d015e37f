/* Block picker for section text: search fact blocks and media, insert their token at the cursor.
   Cards go on a line of their own; a value token goes where the cursor is, inside the sentence. */
"use strict";
(function ($) {
  function insertToken(textarea, token) {
    const text = textarea.value;
    const start = textarea.selectionStart ?? text.length;
    const end = textarea.selectionEnd ?? start;
    let insert = token;
    if (!token.startsWith("[[value:")) {
      const before = text.slice(0, start);
      const after = text.slice(end);
      const lead = before === "" ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const tail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
      insert = lead + token + tail;
    }
    textarea.value = text.slice(0, start) + insert + text.slice(end);
    const caret = start + insert.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // "New quote…", "New statistic…", "New claim…": a small form in a dialog; saving it creates
  // the fact (unchecked) and inserts its token at the cursor. Nothing leaves the page.
  function openNew(select, kind, term, textarea) {
    const dialog = document.createElement("dialog");
    dialog.className = "new-fact-dialog";
    dialog.setAttribute("aria-label", `New ${kind}`);
    document.body.appendChild(dialog);
    const caret = [textarea.selectionStart, textarea.selectionEnd];
    const close = () => {
      dialog.close();
      dialog.remove();
      textarea.focus();
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close();
    });

    function show(html, fresh = false) {
      dialog.innerHTML = html; // the server's own form: no script, every value escaped
      $(dialog).find("select.admin-autocomplete").each(function () {
        const element = this;
        $(element).select2({
          dropdownParent: $(dialog),
          width: "100%",
          allowClear: true,
          placeholder: "",
          ajax: {
            url: element.getAttribute("data-ajax--url"),
            dataType: "json",
            delay: 250,
            data: (params) => ({
              term: params.term,
              page: params.page,
              app_label: element.dataset.appLabel,
              model_name: element.dataset.modelName,
              field_name: element.dataset.fieldName,
            }),
          },
        });
      });
      const form = dialog.querySelector("form");
      dialog.querySelector(".new-fact__cancel").addEventListener("click", close);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(async (response) => {
            const type = response.headers.get("content-type") || "";
            if (response.ok && type.includes("json")) {
              const created = await response.json();
              close();
              textarea.setSelectionRange(caret[0], caret[1]);
              insertToken(textarea, created.token);
            } else if (response.status === 400) {
              show(await response.text()); // the form again, with what to correct
            } else {
              throw new Error(String(response.status)); // keep what is typed
            }
          })
          .catch((error) => {
            form.querySelector(".errornote")?.remove();
            const note = document.createElement("p");
            note.className = "errornote";
            note.setAttribute("role", "alert");
            note.textContent =
              error.message === "403"
                ? "You may not create this kind of fact; nothing was saved."
                : "It could not be saved just now; what you typed is kept here: try again.";
            form.prepend(note);
          });
      });
      const first = form.querySelector("textarea, input:not([type=hidden])");
      if (first) first.focus();
      // The search words, offered as a start: selected, so that typing replaces them.
      if (first && fresh && first.value) first.select();
    }

    const url = `${select.dataset.newUrl.replace("KIND", kind)}?text=${encodeURIComponent(term || "")}`;
    fetch(url, { credentials: "same-origin" })
      .then((response) => response.text())
      .then((html) => {
        dialog.showModal();
        show(html, true);
      });
  }

  function setUp(root) {
    $(root).find("select.block-picker").each(function () {
      const select = this;
      if (select.dataset.ready || select.closest(".empty-form")) {
        return;
      }
      select.dataset.ready = "1";
      $(select).select2({
        ajax: {
          url: select.dataset.url,
          dataType: "json",
          delay: 200,
          data: (p) => {
            select.dataset.term = p.term || "";
            return { term: p.term || "" };
          },
        },
        placeholder: "Search quotes, statistics, claims, media…",
        width: "100%",
        allowClear: true,
      });
      $(select).on("select2:select", function (event) {
        const wrap = select.closest(".block-picker-wrap");
        const textarea = wrap && wrap.querySelector("textarea");
        const picked = event.params.data.id;
        if (textarea && picked.startsWith("new:")) {
          openNew(select, picked.slice(4), select.dataset.term, textarea);
        } else if (textarea) {
          insertToken(textarea, picked);
        }
        $(select).val(null).trigger("change");
      });
    });
  }

  $(function () {
    setUp(document);
    document.addEventListener("formset:added", (event) => setUp(event.target));
  });
})(django.jQuery);
