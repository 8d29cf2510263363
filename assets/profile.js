/* The territory profile's folded sections (observatory/ui/pages/profile_folds.py, audit E12).
 * - "Tout déplier / Expand all" (#profile-expand-all) opens every section; once all are open it
 *   folds them all again. Its label and aria-expanded follow the sections, however opened.
 * - An address or a link naming a section or anything inside one (/territoire/42#trends) opens it
 *   and scrolls to it: Dash draws the page after the address is read, so this waits for the
 *   profile of that address (its data-territory), not the previous one still shown.
 * - Printing opens every section, and folds back afterwards those that were closed (the CSS of
 *   assets/profile.css does the same for the browsers that style ::details-content).
 */
(function () {
  var SECTIONS = ".profile .profile-block > details";
  var BUTTON = "profile-expand-all";

  function sections() { return Array.prototype.slice.call(document.querySelectorAll(SECTIONS)); }

  function syncButton() {
    var button = document.getElementById(BUTTON);
    if (!button) { return; }
    var all = sections();
    var open = all.length > 0 && all.every(function (d) { return d.open; });
    if (button.getAttribute("aria-expanded") !== String(open)) { button.setAttribute("aria-expanded", String(open)); }
    var label = open ? button.dataset.closeLabel : button.dataset.openLabel;
    if (label && button.textContent !== label) { button.textContent = label; }
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("#" + BUTTON) : null;
    if (!button) { return; }
    var all = sections();
    var open = !all.every(function (d) { return d.open; });
    all.forEach(function (d) { d.open = open; });
    syncButton();
  });
  document.addEventListener("toggle", syncButton, true);  // "toggle" does not bubble: capture it

  // The section an address names, opened once per address and profile.
  var done = null;
  function openTarget() {
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (err) { return; }
    if (!id) { return; }
    var target = document.getElementById(id);
    var profile = target && target.closest(".profile");
    if (!profile) { return; }
    var path = "/territoire/" + profile.dataset.territory;
    var here = decodeURIComponent(window.location.pathname).replace(/\/+$/, "");
    if (here.toLowerCase() !== path.toLowerCase()) { return; }  // the previous page, still shown
    var key = here + "#" + id;
    if (done === key) { return; }
    done = key;
    var own = target.matches(".profile-block") ? target.querySelector(":scope > details") : null;
    if (own) { own.open = true; }
    for (var el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
    target.scrollIntoView({block: "start"});
    syncButton();
  }
  window.addEventListener("hashchange", function () { done = null; openTarget(); });
  window.addEventListener("popstate", function () { done = null; openTarget(); });
  window.addEventListener("_dashprivate_pushstate", function () { done = null; openTarget(); });  // dcc.Link
  new MutationObserver(function () { openTarget(); syncButton(); })
    .observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", openTarget);

  // Printing: every section open, then back as the reader left them.
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    reopened = sections().filter(function (d) { return !d.open; });
    reopened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
    syncButton();
  });
})();
