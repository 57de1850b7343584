// Stackweave timeline page: lanes (flame charts per time bucket, marks, windows), the time brush and the window's flame graph.
(function () {
  var D = JSON.parse(document.getElementById("data").textContent);
  var B = D.buckets, N = D.parentBack.length, LABEL = 240, XPAD = 10, FH = 16;
  var W = D.width, PLOT = Math.max(200, W - LABEL);
  var parent = new Int32Array(N), depth = new Int32Array(N), fill = new Array(N);
  parent[0] = -1;
  fill[0] = "rgb(205,205,205)";
  for (var i = 1; i < N; i++) { parent[i] = i - D.parentBack[i]; depth[i] = depth[parent[i]] + 1; fill[i] = D.fills[D.name[i]]; }
  // each cell list: bucket, count, then count (node, weight) pairs
  function eachCell(cells, fn) {
    for (var i = 0; i < cells.length;) {
      var b = cells[i], k = cells[i + 1];
      i += 2;
      for (var e = i + 2 * k; i < e; i += 2) fn(b, cells[i], cells[i + 1]);
    }
  }
  var laneEls = document.querySelectorAll("#lanes .lane");
  var timeline = document.getElementById("timeline"), brush = document.getElementById("brush"), sel = brush.querySelector(".sel");
  var axis = document.getElementById("axis");
  timeline.style.width = (LABEL + PLOT) + "px";
  brush.style.width = PLOT + "px";
  var bucketNs = D.bucketNs;
  function secs(b) { return (b * bucketNs / 1e9).toFixed(bucketNs * B >= 1e10 ? 1 : 3) + " s"; }

  // the axis: about ten ticks
  for (var k = 0; k <= 10; k++) {
    var b = Math.round(k * B / 10), s = document.createElement("span");
    s.style.left = (b / B * PLOT) + "px";
    s.textContent = secs(b);
    if (k < 10) axis.appendChild(s);
  }

  function esc(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }

  var dragFrom = null;

  // one lane: the heaviest stack of each bucket as a flame chart (root row at the top), marks as ticks, a window as a span
  function drawLane(el, lane) {
    var c = el.querySelector("canvas"), cells = lane.cells, maxD = 0, best = {}, bestW = {};
    eachCell(cells, function (b, n, w) {
      if (!(b in bestW) || w > bestW[b]) { bestW[b] = w; best[b] = n; }
      if (depth[n] > maxD) maxD = depth[n];
    });
    var row = maxD > 0 ? Math.max(1, Math.min(6, Math.floor(120 / maxD))) : 0;
    var h = Math.max(24, maxD * row);
    c.width = PLOT; c.height = h;
    c.style.width = PLOT + "px"; c.style.height = h + "px";
    var g = c.getContext("2d"), colW = PLOT / B;
    el.__best = best;
    for (var key in best) {
      var bb = Number(key), x = bb * colW;
      for (var n = best[key]; n > 0; n = parent[n]) {
        g.fillStyle = fill[n];
        g.fillRect(x, (depth[n] - 1) * row, Math.max(1, colW), Math.max(1, row - (row > 2 ? 0.5 : 0)));
      }
    }
    if (lane.span) {
      var x0 = lane.span[0] * colW, x1 = (lane.span[1] + 1) * colW;
      g.fillStyle = "rgba(80,110,200,0.35)";
      g.fillRect(x0, 2, Math.max(2, x1 - x0), h - 4);
      g.strokeStyle = "rgb(80,110,200)";
      g.strokeRect(x0 + 0.5, 2.5, Math.max(2, x1 - x0) - 1, h - 5);
      var tot = 0;
      for (var u = 1; u < lane.untimed.length; u += 2) tot += lane.untimed[u];
      g.fillStyle = "#000";
      g.font = "11px Verdana, sans-serif";
      g.fillText("window: " + tot.toLocaleString("en-US") + " (click to select)", x0 + 4, Math.min(h - 6, 15));
      el.__span = lane.span;
    }
    var marks = lane.marks;
    g.fillStyle = "rgb(230,120,0)";
    for (var m = 0; m < marks.length; m += 3) g.fillRect(marks[m] * colW, 0, Math.max(1.5, colW), h);
    el.__marks = marks;
  }
  for (var li = 0; li < laneEls.length; li++) drawLane(laneEls[li], D.lanes[li]);

  // hover: what a lane shows at that time
  var details = document.getElementById("details");
  brush.addEventListener("mousemove", function (e) {
    if (dragFrom !== null) return;
    var under = document.elementsFromPoint(e.clientX, e.clientY), lane = null;
    for (var i = 0; i < under.length && !lane; i++) if (under[i].classList && under[i].classList.contains("lane")) lane = under[i];
    if (!lane) return;
    var b = bucketAt(e), text = lane.getAttribute("data-thread") + " @ " + secs(b) + ": ";
    var n = lane.__best[b];
    if (n !== undefined) text += D.names[D.name[n]];
    for (var m = 0; m < lane.__marks.length; m += 3) if (lane.__marks[m] === b) text += " | " + lane.__marks[m + 1] + " × " + lane.__marks[m + 2];
    details.textContent = text;
  });

  // the window's flame graph
  var svg = document.getElementById("flamegraph"), framesEl = document.getElementById("frames");
  var total = new Float64Array(N), self = new Float64Array(N), b0 = 0, b1 = B - 1;
  var view = new FlameView(framesEl, {
    full: W - 2 * XPAD, xpad: XPAD, total: function () { return total[0]; },
    details: details, matched: document.getElementById("matched"),
    unzoom: document.getElementById("unzoom"), search: document.getElementById("search"),
  });
  function totals(from, to) {
    var t = new Float64Array(N);
    for (var l = 0; l < D.lanes.length; l++) {
      var lane = D.lanes[l], c = lane.cells;
      eachCell(c, function (b, n, w) { if (b >= from && b <= to) t[n] += w; });
      if (lane.span && lane.span[0] <= to && lane.span[1] >= from)
        for (var u = 0; u < lane.untimed.length; u += 2) t[lane.untimed[u]] += lane.untimed[u + 1];
    }
    self = t.slice();
    for (var n = N - 1; n > 0; n--) t[parent[n]] += t[n];
    return t;
  }
  function drawFlame() {
    total = totals(b0, b1);
    var per = total[0] > 0 ? (W - 2 * XPAD) / total[0] : 0, x = new Float64Array(N), next = new Float64Array(N), shown = new Uint8Array(N), maxD = 0;
    // a frame's self weight first, then its children (flamegraph.pl's layout of sorted lines)
    x[0] = XPAD; next[0] = XPAD + self[0] * per; shown[0] = total[0] > 0 ? 1 : 0;
    for (var n = 1; n < N; n++) {
      var p = parent[n];
      x[n] = next[p]; next[p] += total[n] * per; next[n] = x[n] + self[n] * per;
      // frames narrower than 0.1 px are left out (flamegraph.pl's --minwidth default)
      shown[n] = shown[p] && total[n] > 0 && total[n] * per >= 0.1 ? 1 : 0;
      if (shown[n] && depth[n] > maxD) maxD = depth[n];
    }
    var height = (maxD + 1) * FH + 10, out = [];
    for (var n = 0; n < N; n++) {
      if (!shown[n]) continue;
      var name = n === 0 ? "all" : D.names[D.name[n]], w = total[n] * per, y = height - (depth[n] + 1) * FH;
      var pct = (100 * total[n] / total[0]).toFixed(2), e = esc(name);
      out.push('<g class="frame" data-name="' + e + '" data-weight="' + total[n] + '" data-depth="' + depth[n] + '"><title>' + e + " (" +
        total[n].toLocaleString("en-US") + ", " + pct + '%)</title><rect x="' + x[n].toFixed(2) + '" y="' + y + '" width="' + w.toFixed(2) +
        '" height="' + (FH - 1) + '" fill="' + fill[n] + '"></rect><text x="' + (x[n] + 3).toFixed(2) + '" y="' + (y + 11.5) + '"></text></g>');
    }
    svg.setAttribute("height", height);
    svg.setAttribute("width", W);
    framesEl.innerHTML = out.join("");
    view.load();
    view.unzoom();
  }
  function setWindow(from, to) {
    b0 = Math.max(0, Math.min(from, to)); b1 = Math.min(B - 1, Math.max(from, to));
    sel.style.left = (b0 / B * PLOT) + "px";
    sel.style.width = ((b1 + 1 - b0) / B * PLOT) + "px";
    brush.setAttribute("data-b0", b0); brush.setAttribute("data-b1", b1);
    brush.setAttribute("data-start-ns", String(b0 * bucketNs)); brush.setAttribute("data-end-ns", String((b1 + 1) * bucketNs));
    document.getElementById("window").textContent = "Window " + secs(b0) + " – " + secs(b1 + 1) + (b0 === 0 && b1 === B - 1 ? " (whole time)" : "") +
      " · buckets " + b0 + "–" + b1;
    drawFlame();
  }

  // the brush: drag across the lanes; a click on a window's span selects that window
  function bucketAt(e) { var r = brush.getBoundingClientRect(); return Math.min(B - 1, Math.max(0, Math.floor((e.clientX - r.left) / PLOT * B))); }
  brush.addEventListener("mousedown", function (e) { dragFrom = bucketAt(e); e.preventDefault(); });
  window.addEventListener("mousemove", function (e) {
    if (dragFrom === null) return;
    var b = bucketAt(e), lo = Math.min(dragFrom, b), hi = Math.max(dragFrom, b);
    sel.style.left = (lo / B * PLOT) + "px"; sel.style.width = ((hi + 1 - lo) / B * PLOT) + "px";
  });
  window.addEventListener("mouseup", function (e) {
    if (dragFrom === null) return;
    var b = bucketAt(e), from = dragFrom;
    dragFrom = null;
    if (b === from) {
      // a click: select the window of a span under it, if any
      var lanes = document.elementsFromPoint(e.clientX, e.clientY);
      for (var i = 0; i < lanes.length; i++) {
        var el = lanes[i].closest ? lanes[i].closest(".lane") : null;
        if (el && el.__span) { setWindow(el.__span[0], el.__span[1]); return; }
      }
    }
    setWindow(from, b);
  });
  brush.addEventListener("dblclick", function () { setWindow(0, B - 1); });
  document.getElementById("all").addEventListener("click", function () { setWindow(0, B - 1); });

  window.stackweave = { data: D, view: view, setWindow: setWindow, totals: totals };
  setWindow(0, B - 1);
})();
