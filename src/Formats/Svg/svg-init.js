// Wires the flame view to this SVG's own controls.
(function () {
  var svg = document.documentElement;
  var width = Number(svg.getAttribute("data-width")), xpad = Number(svg.getAttribute("data-xpad")), total = Number(svg.getAttribute("data-total"));
  window.stackweave = new FlameView(document.getElementById("frames"), {
    full: width - 2 * xpad, xpad: xpad, total: function () { return total; },
    details: document.getElementById("details"), matched: document.getElementById("matched"),
    unzoom: document.getElementById("unzoom"), search: document.getElementById("search"),
  });
})();
