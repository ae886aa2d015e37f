/* Starts Swagger UI on /api/v1/docs/. The schema address and the settings come from data
   attributes on #swagger-ui, so the page needs no inline script. */
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  const settings = JSON.parse(root.dataset.settings || "{}");
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    ...settings,
  });
})();
