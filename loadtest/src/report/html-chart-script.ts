/**
 * The report's chart renderer: plain browser JavaScript inlined into the HTML (no library, no
 * network). It reads the JSON in #report-data and draws each chart as SVG polylines with axes
 * and a legend; time charts use seconds on x, distribution charts the HDR-style percentile axis
 * (x = -log10(1 - p)). When done it sets body[data-charts-rendered] to the number of charts drawn.
 */
export const CHART_SCRIPT = String.raw`
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
  var W = 640, H = 260, L = 56, R = 16, T = 28, B = 40;
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    parent.appendChild(node);
    return node;
  }
  function label(parent, x, y, content, attrs) {
    var node = el("text", Object.assign({ x: x, y: y }, attrs), parent);
    node.textContent = content;
    return node;
  }
  function niceCeil(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }
  function short(value) { return String(Math.round(value * 100) / 100); }
  function percentileX(p) { return -Math.log10(1 - Math.min(p, 99.999) / 100); }
  function timeTicks(from, to) {
    var step = niceCeil((to - from) / 6), ticks = [];
    for (var v = Math.ceil(from / step) * step; v <= to + 1e-9; v += step) ticks.push([v, short(v) + "s"]);
    return ticks;
  }
  function draw(figure, chart) {
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": chart.title }, figure);
    var toX = chart.x === "percentile" ? function (p) { return percentileX(p[0]); } : function (p) { return p[0]; };
    var xs = [], ys = [];
    chart.series.forEach(function (series) { series.points.forEach(function (p) { xs.push(toX(p)); ys.push(p[1]); }); });
    if (xs.length === 0) { label(svg, W / 2, H / 2, "no data", { "text-anchor": "middle", "class": "empty" }); return 0; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y1 = niceCeil(Math.max.apply(null, ys));
    if (x1 === x0) x1 = x0 + 1;
    function sx(v) { return L + ((v - x0) / (x1 - x0)) * (W - L - R); }
    function sy(v) { return H - B - (v / y1) * (H - T - B); }
    for (var i = 0; i <= 4; i++) {
      var y = sy((y1 * i) / 4);
      el("line", { x1: L, x2: W - R, y1: y, y2: y, "class": "grid" }, svg);
      label(svg, L - 6, y + 4, short((y1 * i) / 4), { "text-anchor": "end", "class": "tick" });
    }
    var ticks = chart.x === "percentile" ? [0, 50, 90, 99, 99.9, 99.99].map(function (p) { return [percentileX(p), p + "%"]; }) : timeTicks(x0, x1);
    ticks.forEach(function (tick) {
      if (tick[0] < x0 - 1e-9 || tick[0] > x1 + 1e-9) return;
      el("line", { x1: sx(tick[0]), x2: sx(tick[0]), y1: H - B, y2: H - B + 4, "class": "axis" }, svg);
      label(svg, sx(tick[0]), H - B + 16, tick[1], { "text-anchor": "middle", "class": "tick" });
    });
    el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis" }, svg);
    label(svg, W - R, H - 6, chart.xLabel, { "text-anchor": "end", "class": "axis-label" });
    label(svg, 4, 14, chart.yLabel, { "class": "axis-label" });
    var drawn = 0;
    chart.series.forEach(function (series, k) {
      if (series.points.length === 0) return;
      var color = COLORS[k % COLORS.length];
      var points = series.points.map(function (p) { return sx(toX(p)).toFixed(1) + "," + sy(p[1]).toFixed(1); }).join(" ");
      el("polyline", { points: points, fill: "none", stroke: color, "stroke-width": 2, "data-series": series.name }, svg);
      var legendX = L + 60 + k * 150;
      el("rect", { x: legendX, y: 6, width: 10, height: 10, fill: color }, svg);
      label(svg, legendX + 14, 15, series.name, { "class": "legend" });
      drawn++;
    });
    return drawn;
  }
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rendered = 0;
  data.charts.forEach(function (chart) {
    var figure = document.getElementById("chart-" + chart.id);
    if (!figure) return;
    try { if (draw(figure, chart) > 0) rendered++; } catch (error) { figure.setAttribute("data-error", String(error)); }
  });
  document.body.setAttribute("data-charts-rendered", String(rendered));
})();
`;
