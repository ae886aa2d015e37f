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

  function setUp(root) {
    $(root).find("select.block-picker").each(function () {
      const select = this;
      if (select.dataset.ready || select.closest(".empty-form")) {
        return;
      }
      select.dataset.ready = "1";
      $(select).select2({
        ajax: { url: select.dataset.url, dataType: "json", delay: 200, data: (p) => ({ term: p.term || "" }) },
        placeholder: "Search quotes, statistics, claims, media…",
        width: "100%",
        allowClear: true,
      });
      $(select).on("select2:select", function (event) {
        const wrap = select.closest(".block-picker-wrap");
        const textarea = wrap && wrap.querySelector("textarea");
        if (textarea) {
          insertToken(textarea, event.params.data.id);
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
