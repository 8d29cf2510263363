/* Keyboard use of the place-search results (audit D25).
 *
 * A search field with id X lists its results in <ul id="X-results"> as li > a.search-hit: the
 * header's box ("place-search", observatory/ids.py) and the comparison page's "Ajouter un
 * territoire" ("compare-add", observatory/pages/compare.py).
 * - ArrowDown / ArrowUp move the focus through the result links (ArrowUp from the first goes
 *   back to the field). A focused link is highlighted (assets/search.css) and screen readers
 *   read it out, so nothing else needs announcing.
 * - Enter opens the focused result: the browser's own activation of a link, which dcc.Link turns
 *   into the app's navigation.
 * - Escape closes the list and puts the focus back in the field; typing opens it again.
 * - A field X with a hidden element X-hint (the header's) is described by it (aria-describedby).
 * The listeners are on the document: Dash draws and redraws these elements at any time.
 */
(function () {
  var SUFFIX = "-results";
  var CLOSED = "search-closed";
  var ACTIVE = "search-active";

  function listOf(field) {
    return field.tagName === "INPUT" && field.id ? document.getElementById(field.id + SUFFIX) : null;
  }

  function fieldOf(list) {
    if (!list || !list.id || list.id.slice(-SUFFIX.length) !== SUFFIX) { return null; }
    return document.getElementById(list.id.slice(0, -SUFFIX.length));
  }

  function hitsOf(list) {
    return Array.prototype.slice.call(list.querySelectorAll("a.search-hit"));
  }

  /* The field and list of a key press, and the position of the focused result (-1: the field). */
  function context(target) {
    var list = listOf(target);
    if (list) { return {field: target, list: list, at: -1}; }
    if (!target.matches || !target.matches("a.search-hit")) { return null; }
    list = target.closest("ul");
    var field = fieldOf(list);
    return field ? {field: field, list: list, at: hitsOf(list).indexOf(target)} : null;
  }

  function activate(list, index) {
    var hits = hitsOf(list);
    hits.forEach(function (a, i) { a.classList.toggle(ACTIVE, i === index); });
    if (hits[index]) {
      hits[index].focus();
      hits[index].scrollIntoView({block: "nearest"});
    }
  }

  function move(c, step) {
    var hits = hitsOf(c.list);
    if (!hits.length) { return false; }
    c.list.classList.remove(CLOSED);
    var next = Math.min(c.at + step, hits.length - 1);
    activate(c.list, next);
    if (next < 0) { c.field.focus(); }
    return true;
  }

  function close(c) {
    if (c.list.classList.contains(CLOSED) || !c.list.children.length) { return false; }
    activate(c.list, -1);
    c.list.classList.add(CLOSED);
    c.field.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var c = context(event.target);
    if (!c) { return; }
    var handled = false;
    if (event.key === "ArrowDown") { handled = move(c, 1); }
    else if (event.key === "ArrowUp" && c.at >= 0) { handled = move(c, -1); }
    // A second Escape, list closed, is left to the field (a search field clears itself).
    else if (event.key === "Escape") { handled = close(c); }
    if (handled) { event.preventDefault(); }
  }, true);

  // A field with a hint X-hint (the header's) is described by it (dcc.Input takes no aria-*).
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    var hint = listOf(field) && document.getElementById(field.id + "-hint");
    if (hint && !field.hasAttribute("aria-describedby")) { field.setAttribute("aria-describedby", hint.id); }
  });

  document.addEventListener("input", function (event) {
    var list = listOf(event.target);
    if (list) {
      list.classList.remove(CLOSED);
      activate(list, -1);
    }
  }, true);
})();
