/* Accessibility fixes for third-party Dash components, applied as they appear in the page.
 * - dcc.Dropdown (Dash 4) keeps a focusable input marked aria-hidden: expose it, named by the
 *   control's label (and described by its help, pages/mappage.py, when it has one: why a disabled
 *   control is disabled), so keyboard and screen-reader users reach the same control.
 * - dash_table's pager buttons are icons without text: give them names.
 * - plotly's maps are MapLibre canvases named "Map" (in English, all alike): each takes the name
 *   its container gives in data-map-label (pages/fragility.py's small multiples).
 * - the <html lang> follows the language of the page (?lang=en).
 */
(function () {
  var PAGER = {"first-page": "Première page / first page", "previous-page": "Page précédente / previous page",
               "next-page": "Page suivante / next page", "last-page": "Dernière page / last page"};
  function fix(root) {
    root.querySelectorAll(".dash-dropdown-focus-target[aria-hidden]").forEach(function (el) {
      el.removeAttribute("aria-hidden");
      var control = el.closest(".control");
      var label = control && control.querySelector("label");
      if (label) {
        if (!label.id) { label.id = "label-" + (control.id || Math.random().toString(36).slice(2)); }
        el.setAttribute("aria-labelledby", label.id);
      }
      var help = control && control.querySelector(".control-help[id]");
      if (help) { el.setAttribute("aria-describedby", help.id); }
    });
    Object.keys(PAGER).forEach(function (cls) {
      root.querySelectorAll("button." + cls + ":not([aria-label])").forEach(function (b) {
        b.setAttribute("aria-label", PAGER[cls]);
      });
    });
    root.querySelectorAll("[data-map-label] canvas.maplibregl-canvas").forEach(function (c) {
      var name = c.closest("[data-map-label]").dataset.mapLabel;
      if (c.getAttribute("aria-label") !== name) { c.setAttribute("aria-label", name); }
    });
    var lang = new URLSearchParams(window.location.search).get("lang") === "en" ? "en" : "fr";
    if (document.documentElement.lang !== lang) { document.documentElement.lang = lang; }
  }
  // At once, not at the next animation frame: a check (or a screen reader) that reads the page
  // between the two met the pager's buttons unnamed (seen under load). A few selector queries per
  // batch of changes cost nothing next to the render that caused them.
  new MutationObserver(function () { fix(document); })
    .observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", function () { fix(document); });
})();
