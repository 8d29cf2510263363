/* The zone builder's map (/zone): MapLibre GL JS over the commune vector tiles.
 *
 * Dash drives it through one clientside callback (observatory/ui/callbacks/zone.py):
 * render(spec, selection): `spec` names the commune tiles (figures/choropleth.py:map_spec), the
 * selection is the sorted list of INSEE codes chosen; the chosen communes are filled through
 * feature-state (a repaint, never a new geometry).
 *
 * A click on a commune writes {codes: [code], mode: "toggle", at} into the zone-map-click store;
 * Shift + drag draws a box and writes the communes inside it with mode "add" (the server decides).
 *
 * Test hooks (stable): #zone-map carries data-state="drawn" once MapLibre is idle with the current
 * selection painted ("loading" before) and data-selected the number of communes painted.
 * window.observatoryZoneMap.map() returns the MapLibre map.
 */
(function () {
  "use strict";

  var SOURCE = "communes", LAYER = "territories";
  var state = {map: null, ready: false, selected: {}, queued: null, seq: 0};

  function container() { return document.getElementById("zone-map"); }

  function absolute(url) { return /^https?:/.test(url) ? url : window.location.origin + url; }

  function mark(value, count) {
    var el = container();
    if (!el) { return; }
    if (value === "drawn") { el.dataset.selected = String(count); }
    el.dataset.state = value;
  }

  function send(codes, mode) {
    if (!codes.length) { return; }
    window.dash_clientside.set_props("zone-map-click", {data: {codes: codes, mode: mode, at: Date.now()}});
  }

  function addLayers(map, spec) {
    map.addSource(SOURCE, {type: "vector", tiles: [absolute(spec.tiles)], minzoom: 0, maxzoom: spec.maxzoom,
                           promoteId: {territories: "code"}});
    map.addLayer({
      id: "zone-fill", type: "fill", source: SOURCE, "source-layer": LAYER,
      paint: {
        "fill-color": ["case", ["boolean", ["feature-state", "selected"], false], "#1f5fa8", "#eef1f5"],
        "fill-opacity": ["case", ["boolean", ["feature-state", "selected"], false], 0.85, 1],
        "fill-outline-color": "rgba(120,130,145,0.55)"
      }
    });
  }

  function paint(map, codes) {
    var target = {source: SOURCE, sourceLayer: LAYER};
    var next = {};
    codes.forEach(function (code) {
      next[code] = true;
      if (!state.selected[code]) { target.id = code; map.setFeatureState(target, {selected: true}); }
    });
    Object.keys(state.selected).forEach(function (code) {
      if (!next[code]) { target.id = code; map.setFeatureState(target, {selected: false}); }
    });
    state.selected = next;
    var seq = ++state.seq;
    mark("loading");
    map.once("idle", function () { if (seq === state.seq) { mark("drawn", codes.length); } });
    map.triggerRepaint();
  }

  // Shift + drag: a box whose communes are added (MapLibre's own box zoom is turned off).
  function boxSelect(map) {
    var canvas = map.getCanvasContainer(), start = null, box = null;
    function point(e) {
      var rect = canvas.getBoundingClientRect();
      return new window.maplibregl.Point(e.clientX - rect.left - canvas.clientLeft, e.clientY - rect.top - canvas.clientTop);
    }
    function move(e) {
      var current = point(e);
      if (!box) {
        box = document.createElement("div");
        box.className = "zone-box";
        canvas.appendChild(box);
      }
      var minX = Math.min(start.x, current.x), maxX = Math.max(start.x, current.x);
      var minY = Math.min(start.y, current.y), maxY = Math.max(start.y, current.y);
      box.style.transform = "translate(" + minX + "px," + minY + "px)";
      box.style.width = (maxX - minX) + "px";
      box.style.height = (maxY - minY) + "px";
    }
    function up(e) {
      document.removeEventListener("mousemove", move);
      document.removeEventListener("mouseup", up);
      if (box) { box.parentNode.removeChild(box); box = null; }
      var end = point(e);
      map.dragPan.enable();
      if (Math.abs(end.x - start.x) < 3 && Math.abs(end.y - start.y) < 3) { return; }
      var hits = map.queryRenderedFeatures([start, end], {layers: ["zone-fill"]});
      var seen = {}, codes = [];
      hits.forEach(function (f) { var c = String(f.id); if (!seen[c]) { seen[c] = true; codes.push(c); } });
      send(codes, "add");
    }
    canvas.addEventListener("mousedown", function (e) {
      if (!(e.shiftKey && e.button === 0)) { return; }
      map.dragPan.disable();
      start = point(e);
      document.addEventListener("mousemove", move);
      document.addEventListener("mouseup", up);
      e.preventDefault();
      e.stopPropagation();
    }, true);
  }

  function create(el, spec) {
    var map = new window.maplibregl.Map({
      container: el,
      style: {version: 8, sources: {}, layers: [{id: "background", type: "background", paint: {"background-color": "#ffffff"}}]},
      bounds: spec.bounds, fitBoundsOptions: {padding: 6},
      attributionControl: false, dragRotate: false, pitchWithRotate: false, touchPitch: false, boxZoom: false,
      renderWorldCopies: false, fadeDuration: 0, minZoom: 2, maxZoom: 13
    });
    map.touchZoomRotate.disableRotation();
    map.keyboard.disableRotation();
    map.addControl(new window.maplibregl.NavigationControl({showCompass: false}), "top-left");
    map.getCanvas().setAttribute("aria-label", el.dataset.label || "Carte");
    state.map = map;
    state.ready = false;
    state.selected = {};
    map.on("load", function () {
      addLayers(map, spec);
      state.ready = true;
      paint(map, state.queued || []);
      state.queued = null;
    });
    map.on("mousemove", "zone-fill", function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "zone-fill", function () { map.getCanvas().style.cursor = ""; });
    map.on("click", "zone-fill", function (e) {
      if (e.originalEvent && e.originalEvent.shiftKey) { return; }
      var f = e.features && e.features[0];
      if (f) { send([String(f.id)], "toggle"); }
    });
    boxSelect(map);
    return map;
  }

  // dcc.Upload's file input has no label of its own: its visible text names it.
  function labelUpload() {
    var upload = document.getElementById("zone-upload");
    var input = upload && upload.querySelector("input[type=file]");
    if (input && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", upload.innerText.trim()); }
  }

  function render(spec, selection) {
    labelUpload();
    var el = container();
    var nothing = window.dash_clientside.no_update;
    if (!el || !window.maplibregl || !spec) { return nothing; }
    if (state.map && state.map.getContainer() !== el) {  // a new page: its own map
      state.map.remove();
      state.map = null;
    }
    var map = state.map || create(el, spec);
    var codes = selection || [];
    if (!state.ready) { state.queued = codes; return codes.length; }
    paint(map, codes);
    return codes.length;
  }

  window.observatoryZoneMap = {map: function () { return state.map; }};
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.observatoryZone = {render: render};
})();
