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
      var hatch = !!sw && sw.classList.contains("model-hatch");
      items.push({
        colour: style ? style.backgroundColor : "#999",
        image: style && style.backgroundImage !== "none" && !hatch ? style.backgroundImage : null,
        hatch: hatch,
        opacity: style ? parseFloat(style.opacity) : 1,
        label: (li.querySelector(".range") || li).innerText.trim(),
        count: (li.querySelector(".count") || {innerText: ""}).innerText.trim()
      });
    });
    return items;
  }

  // The map's hatching of model estimates (assets/map.js), on a legend swatch: dark and light strokes.
  function hatchSwatch(ctx, x, y, w, h) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(x, y, w, h);
    [["rgba(29,36,48,0.75)", 0], ["rgba(255,255,255,0.8)", 4]].forEach(function (stroke) {
      ctx.strokeStyle = stroke[0];
      ctx.lineWidth = 1.5;
      for (var c = stroke[1] - h; c < w + h; c += 8) {
        ctx.beginPath(); ctx.moveTo(x + c, y + h); ctx.lineTo(x + c + h, y); ctx.stroke();
      }
    });
    ctx.restore();
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
        // Every legend line in full (a label wraps, it is never cut), measured in the legend's font.
        var items = legendItems();
        ctx.font = "12px " + font;
        var method = wrap(ctx, text("#legend .legend-method"), legendW);
        var notes = [];
        document.querySelectorAll("#legend .legend-note").forEach(function (p) {
          notes = notes.concat(wrap(ctx, p.innerText.replace(/\s+/g, " ").trim(), legendW));
        });
        var lines = 0;
        items.forEach(function (it) { it.lines = wrap(ctx, it.label, legendW - 70); lines += Math.max(it.lines.length, 1); });
        var legendH = 60 + (method.length + notes.length) * 16 + items.length * 10 + lines * 15;
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
        method.forEach(function (l) { ctx.fillText(l, lx, ly); ly += 16; });
        ctx.fillStyle = "#8a5a00";
        notes.forEach(function (l) { ctx.fillText(l, lx, ly); ly += 16; });
        items.forEach(function (it) {
          ctx.globalAlpha = isNaN(it.opacity) ? 1 : it.opacity;
          var stops = it.image ? gradientStops(it.image) : [];
          if (it.hatch) {
            hatchSwatch(ctx, lx, ly - 11, 20, 14);
          } else if (stops.length) {
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
          ctx.fillText(it.count, lx + legendW - 30, ly);
          it.lines.forEach(function (l, i) { ctx.fillText(l, lx + 28, ly + 15 * i); });
          ly += 10 + 15 * Math.max(it.lines.length, 1);
        });
        var fy = top + bodyH + pad + 13;
        ctx.font = "13px " + font;
        foot.forEach(function (l, i) {
          ctx.fillStyle = (notice && i === 0) ? "#8a5a00" : "#5b6472";
          ctx.fillText(l, pad, fy);
          fy += 18;
        });
        var legendLines = method.concat(notes, items.map(function (i) { return i.lines.join(" ") + " " + i.count; }));
        resolve({canvas: canvas, lines: title.concat(legendLines, foot)});
      };
      img.src = mapUrl;
    });
  }

  // The file is named after the whole title (the longest are about 130 characters, far from the 255 a
  // file system allows); a longer one is cut after a whole word, never mid-word ("…-citoyens-2019-e").
  var MAX_NAME = 150;

  function fileName() {
    var t = text("#view-title").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    var slug = t.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    if (slug.length > MAX_NAME) {
      var cut = slug.lastIndexOf("-", MAX_NAME);
      slug = slug.slice(0, cut > 0 ? cut : MAX_NAME);
    }
    return "carte_" + (slug || "observatoire") + ".png";
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
