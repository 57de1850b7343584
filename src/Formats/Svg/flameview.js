// Stackweave flame view: zoom, reset and regex search over g.frame elements written in depth-first pre-order
// (data-name, data-weight, data-depth; a rect and a text inside each). Shared by the SVG and the HTML page.
function FlameView(root, cfg) {
  var FONT = 12, FONTW = 0.59, MATCH = "rgb(230,0,230)";
  var fr = [], zoomed = -1, term = "";
  var view = this;
  function label(f, w) {
    var chars = Math.floor(w / (FONT * FONTW));
    if (!f.t) {
      if (chars < 3) return;
      // narrow frames come without a text element: add one when a zoom widens them
      f.t = document.createElementNS("http://www.w3.org/2000/svg", "text");
      f.t.setAttribute("y", (Number(f.r.getAttribute("y")) + Number(f.r.getAttribute("height")) / 2 + 4).toFixed(2));
      f.t.setAttribute("x", (Number(f.r.getAttribute("x")) + 3).toFixed(2));
      f.g.appendChild(f.t);
    }
    f.t.textContent = chars < 3 ? "" : (f.name.length <= chars ? f.name : f.name.substring(0, chars - 2) + "..");
  }
  view.load = function () {
    fr = [];
    zoomed = -1;
    var gs = root.querySelectorAll("g.frame"), stack = [];
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i], r = g.querySelector("rect");
      var d = Number(g.getAttribute("data-depth"));
      while (stack.length && fr[stack[stack.length - 1]].d >= d) fr[stack.pop()].end = i;
      fr.push({ g: g, r: r, t: g.querySelector("text"), x: Number(r.getAttribute("x")), w: Number(r.getAttribute("width")), d: d,
        name: g.getAttribute("data-name"), weight: Number(g.getAttribute("data-weight")), fill: r.getAttribute("fill"),
        merged: g.classList.contains("merged"), parent: stack.length ? stack[stack.length - 1] : -1, end: gs.length });
      g.__flame = i;
      stack.push(i);
    }
    if (cfg.unzoom) cfg.unzoom.classList.add("hide");
    if (term) view.search(term);
  };
  view.frames = function () { return fr; };
  view.zoom = function (i) {
    var z = fr[i];
    if (!z || z.w <= 0) return;
    var scale = cfg.full / z.w;
    var anc = {};
    for (var a = z.parent; a >= 0; a = fr[a].parent) anc[a] = true;
    for (var k = 0; k < fr.length; k++) {
      var f = fr[k], x, w;
      if (anc[k]) { x = cfg.xpad; w = cfg.full; f.g.classList.add("parent"); f.g.classList.remove("hide"); }
      else if (k >= i && k < z.end) { x = cfg.xpad + (f.x - z.x) * scale; w = f.w * scale; f.g.classList.remove("parent", "hide"); }
      else { f.g.classList.add("hide"); continue; }
      f.r.setAttribute("x", x.toFixed(2)); f.r.setAttribute("width", w.toFixed(2));
      if (f.t) f.t.setAttribute("x", (x + 3).toFixed(2));
      label(f, w);
    }
    zoomed = i;
    if (cfg.unzoom) cfg.unzoom.classList.remove("hide");
  };
  view.unzoom = function () {
    for (var k = 0; k < fr.length; k++) {
      var f = fr[k];
      f.g.classList.remove("parent", "hide");
      f.r.setAttribute("x", f.x.toFixed(2)); f.r.setAttribute("width", f.w.toFixed(2));
      if (f.t) f.t.setAttribute("x", (f.x + 3).toFixed(2));
      label(f, f.w);
    }
    zoomed = -1;
    if (cfg.unzoom) cfg.unzoom.classList.add("hide");
  };
  // Highlights frames whose name matches the regex; the share counts each matched frame once, not again under a matched ancestor.
  view.search = function (t) {
    term = t || "";
    var re = null;
    for (var k = 0; k < fr.length; k++) { fr[k].r.setAttribute("fill", fr[k].fill); fr[k].g.classList.remove("match"); }
    if (cfg.matched) { cfg.matched.textContent = " "; cfg.matched.removeAttribute("data-weight"); cfg.matched.removeAttribute("data-share"); }
    if (!term) return null;
    try { re = new RegExp(term); } catch (e) { if (cfg.matched) cfg.matched.textContent = "invalid regular expression"; return null; }
    var sum = 0, total = cfg.total();
    for (var k = 0; k < fr.length; k++) {
      var f = fr[k];
      if (f.merged || !re.test(f.name)) continue;
      f.r.setAttribute("fill", MATCH);
      f.g.classList.add("match");
      var covered = false;
      for (var a = f.parent; a >= 0; a = fr[a].parent) if (fr[a].g.classList.contains("match")) { covered = true; break; }
      if (!covered) sum += f.weight;
    }
    var share = total > 0 ? sum / total : 0;
    if (cfg.matched) {
      cfg.matched.textContent = "Matched: " + (100 * share).toFixed(2) + "%";
      cfg.matched.setAttribute("data-weight", String(sum));
      cfg.matched.setAttribute("data-share", String(share));
    }
    return share;
  };
  root.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest("g.frame") : null;
    if (g && g.__flame !== undefined) view.zoom(g.__flame);
  });
  root.addEventListener("mouseover", function (e) {
    var g = e.target.closest ? e.target.closest("g.frame") : null;
    if (g && cfg.details) { var t = g.querySelector("title"); cfg.details.textContent = t ? t.textContent : g.getAttribute("data-name"); }
  });
  root.addEventListener("mouseout", function () { if (cfg.details) cfg.details.textContent = " "; });
  if (cfg.unzoom) cfg.unzoom.addEventListener("click", function () { view.unzoom(); });
  if (cfg.search) {
    cfg.search.addEventListener("input", function () { view.search(cfg.search.value); });
    cfg.search.addEventListener("keydown", function (e) { if (e.key === "Escape") { cfg.search.value = ""; view.search(""); } });
  }
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "f" && cfg.search) { e.preventDefault(); cfg.search.focus(); }
    else if (e.key === "Escape" && e.target !== cfg.search) view.unzoom();
  });
  view.load();
}
