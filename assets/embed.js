/* Embeds size themselves (audit E6). Inside a frame, an /embed/ page (observatory/embed.py) posts
 * its height to the page that frames it, {type: "observatory-embed-height", height: <CSS px>},
 * once its content is drawn and whenever that height changes; the snippet the pages offer
 * (observatory/layout/snippets.py) resizes its iframe on that message, after checking that it
 * comes from that iframe and from this origin. The height is no secret: it goes to any parent.
 *
 * Dash serves every file of assets/ on every page: this one does nothing outside /embed/ frames.
 */
(function () {
  "use strict";
  if (window.parent === window || window.location.pathname.indexOf("/embed/") !== 0) { return; }
  var MESSAGE = "observatory-embed-height";
  var last = 0;

  // The content's height: the root element's box (body.embed drops the shell's min-height of one
  // viewport, assets/embed.css, so that a frame taller than its content can shrink back).
  function height() { return Math.ceil(document.documentElement.getBoundingClientRect().height); }

  function post() {
    var h = height();
    if (h > 0 && h !== last) {
      last = h;
      window.parent.postMessage({type: MESSAGE, height: h}, "*");
    }
  }

  // A map view is a Dash page: until its map is drawn it is a few pixels high, and a frame that
  // shrank to that would jump back. The profile blocks are drawn on the server: ready at once.
  function ready() {
    if (!document.getElementById("react-entry-point")) { return true; }
    var map = document.getElementById("map");
    return !!map && map.dataset.state === "drawn";
  }

  function start() {
    if (!ready()) { setTimeout(start, 200); return; }
    post();
    if (window.ResizeObserver) {
      new ResizeObserver(post).observe(document.documentElement);
    } else {
      window.addEventListener("resize", post);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
