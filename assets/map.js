/* The map pages' map: MapLibre GL JS over the level's vector tiles, coloured by feature-state.
 *
 * Dash drives it through two clientside callbacks (observatory/callbacks.py):
 * - render(spec, data): `spec` (in the page's layout) names the level's tiles, so that MapLibre
 *   starts and the tiles load while the server computes the values; `data` (the map callback's
 *   answer, figures/choropleth.py:map_data) holds one colour, opacity and tooltip per territory
 *   code, the selection and the initiatives. Colours are set with setFeatureState: a recolour is a
 *   repaint, never a new geometry.
 * - panelsAfterMap(meta): lets the panels below the map render once the map is drawn.
 *
 * Test hooks (stable): #map carries data-state="drawn" once MapLibre is idle with the current
 * values painted ("loading" before), data-count the number of territories coloured and
 * data-values the id of the values painted. window.observatoryMap.current() returns them.
 * A click on a territory writes {code, at} into the map-click store (the server selects it).
 */
(function () {
  "use strict";

  var SOURCE = "territories", LAYER = "territories", SELECTION = "selection", POINTS = "initiatives";
  var TRANSPARENT = "rgba(0,0,0,0)";
  var state = {map: null, level: null, ready: false, data: null, index: {}, seq: 0, selected: null, queued: null};

  function container() { return document.getElementById("map"); }

  function mark(value, data) {
    var el = container();
    if (!el) { return; }
    if (value === "drawn" && data) {
      el.dataset.values = data.id;
      el.dataset.count = String(data.codes.length);
      label(data.level);  // once drawn: the page's title has its new text by then
    }
    el.dataset.state = value;
  }

  // MapLibre's canvas is the map's landmark (role "region"), named "Map" in English by default:
  // name it in the page's language after what it shows, the view's title and its level
  // (#map's data-levels, pages/mappage.py), so that it differs from the page's other maps.
  function label(level) {
    var el = container(), map = state.map;
    if (!el || !map) { return; }
    var levels = JSON.parse(el.dataset.levels || "{}");
    var title = document.getElementById("view-title");
    var text = (title ? title.innerText.trim() : "");
    var by = levels[level] || levels[""] || "";
    map.getCanvas().setAttribute("aria-label", text ? text + " — " + by : by);
    if (el.dataset.describedby) { map.getCanvas().setAttribute("aria-describedby", el.dataset.describedby); }
  }

  // The worker runs from a blob: URL, so tile URLs must be absolute (and keep their {z}/{x}/{y}).
  function absolute(url) { return /^https?:/.test(url) ? url : window.location.origin + url; }

  function hatch() {
    // Diagonal hatching for cells estimated by a model (small-area estimates): a dark stroke and a
    // light one between, so that it shows on the palest class and on the darkest alike (audit E16).
    var size = 8, c = document.createElement("canvas");
    c.width = c.height = size;
    var ctx = c.getContext("2d");
    ctx.lineWidth = 1.5;
    [["rgba(29,36,48,0.6)", size], ["rgba(255,255,255,0.55)", size / 2]].forEach(function (stroke) {
      ctx.strokeStyle = stroke[0];
      for (var k = -1; k <= 1; k++) {  // the line x + y = offset and its copies one tile away
        var offset = stroke[1] + k * size;
        ctx.beginPath(); ctx.moveTo(-size, offset + size); ctx.lineTo(2 * size, offset - 2 * size); ctx.stroke();
      }
    });
    return ctx.getImageData(0, 0, size, size);
  }

  function tooltipElement(el) {
    var tip = el.querySelector(".map-tooltip");
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "map-tooltip";
      tip.setAttribute("role", "tooltip");
      tip.style.cssText = "position:absolute;z-index:3;pointer-events:none;display:none;max-width:340px;" +
        "background:#fff;color:#1d2430;border:1px solid #9aa3af;border-radius:3px;padding:6px 8px;" +
        "font-size:13px;line-height:1.35;box-shadow:0 1px 4px rgba(0,0,0,.2)";
      el.appendChild(tip);
    }
    return tip;
  }

  // The tooltip text has only <b>…</b> and <br> marks: built as DOM nodes, never as HTML.
  function fill(tip, text) {
    tip.textContent = "";
    text.split("<br>").forEach(function (line, i) {
      if (i) { tip.appendChild(document.createElement("br")); }
      line.split(/(<b>.*?<\/b>)/).forEach(function (part) {
        if (!part) { return; }
        var bold = /^<b>(.*)<\/b>$/.exec(part);
        if (bold) {
          var b = document.createElement("b");
          b.textContent = bold[1];
          tip.appendChild(b);
        } else {
          tip.appendChild(document.createTextNode(part));
        }
      });
    });
  }

  function showTooltip(point, text) {
    var el = container();
    if (!el) { return; }
    var tip = tooltipElement(el);
    fill(tip, text);
    tip.style.display = "block";
    var x = point.x + 14, y = point.y + 14;
    if (x + tip.offsetWidth > el.clientWidth) { x = Math.max(0, point.x - tip.offsetWidth - 14); }
    if (y + tip.offsetHeight > el.clientHeight) { y = Math.max(0, point.y - tip.offsetHeight - 14); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function hideTooltip() {
    var el = container();
    var tip = el && el.querySelector(".map-tooltip");
    if (tip) { tip.style.display = "none"; }
  }

  function addLevel(map, spec) {
    var tiles = [absolute(spec.tiles)];
    map.addSource(SOURCE, {type: "vector", tiles: tiles, minzoom: 0, maxzoom: spec.maxzoom, promoteId: {territories: "code"}});
    map.addLayer({
      id: "fill", type: "fill", source: SOURCE, "source-layer": LAYER,
      paint: {
        "fill-color": ["to-color", ["coalesce", ["feature-state", "colour"], TRANSPARENT]],
        "fill-opacity": ["coalesce", ["feature-state", "opacity"], 0],
        "fill-outline-color": "rgba(255,255,255,0.7)"  // borders for free (a line layer doubles the draw)
      }
    }, map.getLayer(POINTS) ? POINTS : undefined);
    state.level = spec.level;
    state.index = {};
    state.selected = null;
  }

  function removeLevel(map) {
    ["selection", "hatch", "fill"].forEach(function (id) { if (map.getLayer(id)) { map.removeLayer(id); } });
    [SELECTION, SOURCE].forEach(function (id) { if (map.getSource(id)) { map.removeSource(id); } });
    state.level = null;
  }

  // A model-based cell is hatched over its colour; the layer exists only when some cell is.
  function showHatch(map, on, spec) {
    if (on && !map.getLayer("hatch")) {
      if (!map.hasImage("hatch")) { map.addImage("hatch", hatch()); }
      map.addLayer({
        id: "hatch", type: "fill", source: SOURCE, "source-layer": LAYER,
        paint: {"fill-pattern": "hatch", "fill-opacity": ["case", ["boolean", ["feature-state", "model"], false], 1, 0]}
      }, map.getLayer(SELECTION) ? "selection" : (map.getLayer(POINTS) ? POINTS : undefined));
    } else if (!on && map.getLayer("hatch")) {
      map.removeLayer("hatch");
    }
  }

  // The outline reads a second source on the same tiles (from the browser's cache): changing its
  // filter re-lays out one line, not every territory of the level.
  function showSelection(map, code, spec) {
    if (code === state.selected) { return; }
    state.selected = code;
    if (!code) {
      if (map.getLayer("selection")) { map.setLayoutProperty("selection", "visibility", "none"); }
      return;
    }
    if (!map.getSource(SELECTION)) {
      map.addSource(SELECTION, {type: "vector", tiles: [absolute(spec.tiles)], minzoom: 0, maxzoom: spec.maxzoom});
      map.addLayer({
        id: "selection", type: "line", source: SELECTION, "source-layer": LAYER,
        filter: ["==", ["get", "code"], code],
        paint: {"line-color": "#111111", "line-width": 3}
      }, map.getLayer(POINTS) ? POINTS : undefined);
    } else {
      map.setFilter("selection", ["==", ["get", "code"], code]);
      map.setLayoutProperty("selection", "visibility", "visible");
    }
  }

  function showInitiatives(map, points) {
    var features = (points || []).map(function (p) {
      return {type: "Feature", geometry: {type: "Point", coordinates: [p.lon, p.lat]}, properties: {text: p.text}};
    });
    var collection = {type: "FeatureCollection", features: features};
    if (!map.getSource(POINTS)) {
      if (!features.length) { return; }
      map.addSource(POINTS, {type: "geojson", data: collection});
      map.addLayer({
        id: POINTS, type: "circle", source: POINTS,
        paint: {"circle-radius": 5.5, "circle-color": "#7b3294", "circle-opacity": 0.9,
                "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}
      });
    } else {
      map.getSource(POINTS).setData(collection);
    }
  }

  function paint(map, data) {
    var target = {source: SOURCE, sourceLayer: LAYER};
    var next = {}, model = data.model || [], anyModel = false;
    for (var i = 0; i < data.codes.length; i++) {
      var code = data.codes[i];
      target.id = code;
      var hatched = !!model[i];
      anyModel = anyModel || hatched;
      map.setFeatureState(target, {colour: data.colour[i], opacity: data.opacity[i], model: hatched});
      next[code] = i;
    }
    Object.keys(state.index).forEach(function (code) {
      if (!(code in next)) { target.id = code; map.removeFeatureState(target); }
    });
    state.index = next;
    return anyModel;
  }

  function apply(map, data) {
    var seq = ++state.seq;
    mark("loading");
    if (state.level !== data.level) {
      removeLevel(map);
      addLevel(map, data);
    }
    showHatch(map, paint(map, data), data);
    showSelection(map, data.selected || null, data);
    showInitiatives(map, data.initiatives);
    state.data = data;
    map.once("idle", function () { if (seq === state.seq) { mark("drawn", data); } });
    map.triggerRepaint();
  }

  function hover(map) {
    map.on("mousemove", function (e) {
      var layers = ["fill"].concat(map.getLayer(POINTS) ? [POINTS] : []);
      var hit = map.queryRenderedFeatures(e.point, {layers: layers});
      var point = hit.filter(function (f) { return f.layer.id === POINTS; })[0];
      var area = hit.filter(function (f) { return f.layer.id === "fill"; })[0];
      var i = area && state.data ? state.index[area.id] : undefined;
      if (point) {
        showTooltip(e.point, point.properties.text);
      } else if (i !== undefined) {
        showTooltip(e.point, state.data.tooltips[i]);
      } else {
        hideTooltip();
      }
      map.getCanvas().style.cursor = i !== undefined ? "pointer" : "";
    });
    map.on("mouseout", hideTooltip);
    map.on("click", "fill", function (e) {
      var f = e.features && e.features[0];
      if (!f || !state.data || state.index[f.id] === undefined) { return; }
      window.dash_clientside.set_props("map-click", {data: {code: String(f.id), at: Date.now()}});
    });
  }

  function create(el, spec) {
    if (!state.map && window.maplibregl.setWorkerCount && !window.maplibregl.__observatoryWorkers) {
      window.maplibregl.setWorkerCount(2);  // the default on two cores is one worker
      window.maplibregl.__observatoryWorkers = true;
    }
    var map = new window.maplibregl.Map({
      container: el,
      style: {version: 8, sources: {}, layers: [{id: "background", type: "background", paint: {"background-color": "#ffffff"}}]},
      bounds: spec.bounds, fitBoundsOptions: {padding: 6},
      attributionControl: false, dragRotate: false, pitchWithRotate: false, touchPitch: false,
      renderWorldCopies: false, fadeDuration: 0, minZoom: 2, maxZoom: 13
    });
    map.touchZoomRotate.disableRotation();
    map.keyboard.disableRotation();
    map.addControl(new window.maplibregl.NavigationControl({showCompass: false}), "top-left");
    state.map = map;
    label(spec.level);
    state.ready = false;
    state.level = null;
    state.index = {};
    state.selected = null;
    map.on("load", function () {
      state.ready = true;
      var queued = state.queued || spec;
      state.queued = null;
      if (queued.codes) { apply(map, queued); } else { addLevel(map, queued); }
    });
    hover(map);
    return map;
  }

  function render(spec, data) {
    var el = container();
    var nothing = window.dash_clientside.no_update;
    if (!el || !window.maplibregl || !(spec || data)) { return nothing; }
    if (state.map && state.map.getContainer() !== el) {  // a new page: its own map
      state.map.remove();
      state.map = null;
    }
    var wanted = data || spec;
    var map = state.map || create(el, wanted);
    if (!state.ready) {
      if (data) { state.queued = data; }
      return data ? data.id : nothing;
    }
    if (data) {
      apply(map, data);
    } else if (state.level !== spec.level) {
      removeLevel(map);
      addLevel(map, spec);
    }
    return data ? data.id : nothing;
  }

  function panelsAfterMap(meta) {
    if (!meta) { return window.dash_clientside.no_update; }
    var row = document.getElementById("map-row");
    if (row) { row.classList.add("map-drawing"); }
    return new Promise(function (resolve) {
      var start = Date.now();
      (function check() {
        var el = container();
        var drawn = el && el.dataset.state === "drawn" && el.dataset.values === meta.map_id;
        if (drawn || Date.now() - start > 8000) {
          if (row) { row.classList.remove("map-drawing"); }
          resolve(meta);
        } else { setTimeout(check, 40); }
      })();
    });
  }

  // The map as drawn, as a PNG data URL (read inside a render event: the buffer is still there).
  function image() {
    var map = state.map;
    if (!map) { return Promise.reject(new Error("no map")); }
    return new Promise(function (resolve) {
      map.once("render", function () { resolve(map.getCanvas().toDataURL("image/png")); });
      map.triggerRepaint();
    });
  }

  window.observatoryMap = {
    map: function () { return state.map; },
    current: function () { return state.data; },
    image: image
  };
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.observatoryMap = {render: render, panelsAfterMap: panelsAfterMap};
})();
