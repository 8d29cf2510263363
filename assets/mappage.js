/* Map pages: folding the controls on a phone, and the map image export.
 *
 * - "Réglages de la carte" (#map-controls-toggle, shown on narrow screens only) folds and unfolds
 *   the controls, so that the map is on the first screen of a phone.
 * - "Image de la carte (PNG)" (#map-image) composes one PNG: the page's title, the map as drawn,
 *   the legend as shown beside it, the source, the synthetic-data notice, the data version and the
 *   page's link. Nothing leaves the browser. The lines written are kept in data-last-export (JSON)
 *   for the tests.
 */
(function () {
  "use strict";

  function text(selector) {
    var el = document.querySelector(selector);
    return el ? el.innerText.replace(/\s+/g, " ").trim() : "";
  }

  function wrap(ctx, words, width) {
    var lines = [], line = "";
    words.split(" ").forEach(function (w) {
      var next = line ? line + " " + w : w;
      if (ctx.measureText(next).width > width && line) { lines.push(line); line = w; } else { line = next; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function legendItems() {
    var items = [];
    document.querySelectorAll("#legend li").forEach(function (li) {
      var sw = li.querySelector(".swatch");
      var style = sw ? window.getComputedStyle(sw) : null;
      items.push({
        colour: style ? style.backgroundColor : "#999",
        image: style && style.backgroundImage !== "none" ? style.backgroundImage : null,
        opacity: style ? parseFloat(style.opacity) : 1,
        label: (li.querySelector(".range") || li).innerText.trim(),
        count: (li.querySelector(".count") || {innerText: ""}).innerText.trim()
      });
    });
    return items;
  }

  function gradientStops(image) {
    var colours = image.match(/rgba?\([^)]*\)|#[0-9a-fA-F]{3,6}/g);
    return colours || [];
  }

  function compose(mapUrl, mapW, mapH) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () {
        var pad = 16, legendW = 300, font = "system-ui, sans-serif";
        var canvas = document.createElement("canvas");
        var ctx = canvas.getContext("2d");
        var width = mapW + legendW + 3 * pad;
        ctx.font = "bold 20px " + font;
        var title = wrap(ctx, text("#view-title"), width - 2 * pad);
        ctx.font = "13px " + font;
        var notice = text("#synthetic-banner");
        var source = text("#footer p");
        var version = text("#footer code");
        var foot = [];
        if (notice) { foot = foot.concat(wrap(ctx, notice, width - 2 * pad)); }
        foot = foot.concat(wrap(ctx, source, width - 2 * pad));
        foot.push((document.documentElement.lang === "en" ? "Data version: " : "Version des données : ") + version);
        foot.push(window.location.href);
        var items = legendItems();
        var legendH = 60 + items.length * 24;
        var bodyH = Math.max(mapH, legendH);
        var height = pad + title.length * 26 + pad + bodyH + pad + foot.length * 18 + pad;
        canvas.width = width;
        canvas.height = height;
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(0, 0, width, height);
        ctx.fillStyle = "#1d2430";
        ctx.font = "bold 20px " + font;
        var y = pad + 20;
        title.forEach(function (l) { ctx.fillText(l, pad, y); y += 26; });
        var top = y - 20 + pad;
        ctx.drawImage(img, pad, top, mapW, mapH);
        ctx.strokeStyle = "#d9dee5";
        ctx.strokeRect(pad, top, mapW, mapH);
        var lx = 2 * pad + mapW, ly = top + 18;
        ctx.font = "bold 15px " + font;
        ctx.fillText(document.documentElement.lang === "en" ? "Legend" : "Légende", lx, ly);
        ly += 22;
        ctx.font = "12px " + font;
        ctx.fillStyle = "#5b6472";
        wrap(ctx, text("#legend .legend-method"), legendW).forEach(function (l) { ctx.fillText(l, lx, ly); ly += 16; });
        items.forEach(function (it) {
          ctx.globalAlpha = isNaN(it.opacity) ? 1 : it.opacity;
          var stops = it.image ? gradientStops(it.image) : [];
          if (stops.length) {
            var step = 20 / stops.length;
            stops.forEach(function (c, i) { ctx.fillStyle = c; ctx.fillRect(lx + i * step, ly - 11, step, 14); });
          } else {
            ctx.fillStyle = it.colour;
            ctx.fillRect(lx, ly - 11, 20, 14);
          }
          ctx.globalAlpha = 1;
          ctx.strokeStyle = "#888888";
          ctx.strokeRect(lx, ly - 11, 20, 14);
          ctx.fillStyle = "#1d2430";
          var label = wrap(ctx, it.label, legendW - 70)[0] || "";
          ctx.fillText(label, lx + 28, ly);
          ctx.fillText(it.count, lx + legendW - 30, ly);
          ly += 24;
        });
        var fy = top + bodyH + pad + 13;
        ctx.font = "13px " + font;
        foot.forEach(function (l, i) {
          ctx.fillStyle = (notice && i === 0) ? "#8a5a00" : "#5b6472";
          ctx.fillText(l, pad, fy);
          fy += 18;
        });
        resolve({canvas: canvas, lines: title.concat(items.map(function (i) { return i.label + " " + i.count; }), foot)});
      };
      img.src = mapUrl;
    });
  }

  function fileName() {
    var t = text("#view-title").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    return "carte_" + (t.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80) || "observatoire") + ".png";
  }

  function exportMap(button) {
    var el = document.getElementById("map");
    if (!el || !window.observatoryMap || !window.observatoryMap.map()) { return; }
    var w = el.clientWidth, h = el.clientHeight;
    button.setAttribute("aria-busy", "true");
    window.observatoryMap.image().then(function (url) {
      return compose(url, w, h);
    }).then(function (out) {
      out.canvas.toBlob(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = fileName();
        document.body.appendChild(a);
        a.click();
        a.remove();
        button.dataset.lastExport = JSON.stringify({width: out.canvas.width, height: out.canvas.height, lines: out.lines});
        button.removeAttribute("aria-busy");
      }, "image/png");
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("#map-controls-toggle");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      var controls = document.getElementById("map-controls");
      if (controls) { controls.classList.toggle("open", open); }
      return;
    }
    var button = event.target.closest("#map-image");
    if (button) { exportMap(button); }
  });
})();
