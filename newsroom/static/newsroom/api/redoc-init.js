/* Starts Redoc on /api/v1/redoc/. The schema address, the settings and the page's style nonce
   come from data attributes on #redoc, so the page needs no inline script; Redoc puts the nonce
   on the <style> elements it creates (its CSS is generated in the browser). */
"use strict";

(function () {
  // Redoc's sidebar credits Redocly with a logo from cdn.redoc.ly, and no option leaves it out.
  // The policy blocks it (img-src 'self'), but only after the attempt, and each attempt sends a
  // violation report. So an image on another host is not asked for: it fails at once, which
  // Redoc handles by leaving the logo out. (React sets an image's src both ways below.)
  const offHost = (value) => {
    const url = new URL(value, document.baseURI);
    return /^https?:$/.test(url.protocol) && url.origin !== window.location.origin;
  };
  const fail = (img) => setTimeout(() => img.dispatchEvent(new Event("error")));
  const setAttribute = Element.prototype.setAttribute;
  HTMLImageElement.prototype.setAttribute = function (name, value) {
    if (name.toLowerCase() === "src" && offHost(value)) return fail(this);
    return setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(value) {
      if (offHost(value)) return fail(this);
      return src.set.call(this, value);
    },
  });

  const root = document.getElementById("redoc");
  const settings = JSON.parse(root.dataset.settings || "{}");
  Redoc.init(root.dataset.schemaUrl, { ...settings, nonce: root.dataset.nonce }, root);
})();
