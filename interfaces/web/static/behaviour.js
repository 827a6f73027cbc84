// Code Annals: the behavioural analysis maps (treemaps aggregated by directory) and the coupling network.
(function () {
  "use strict";
  if (!window.Plotly) return;
  var config = {responsive: true, displaylogo: false};
  function data(el) {
    var s = el.querySelector('script[type="application/json"]');
    return s ? JSON.parse(s.textContent) : null;
  }
  function esc(text) {  // plotly reads its texts as a little HTML: show a path's < > & as themselves
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function fileHref(el, path) {
    return el.dataset.fileUrl + path.split("/").map(encodeURIComponent).join("/");
  }

  document.querySelectorAll(".behaviour-map").forEach(function (el) {
    var d = data(el), t = d.tree, categorical = el.dataset.categorical === "yes";
    var target = document.createElement("div");
    target.style.height = "100%";
    el.appendChild(target);
    var ids = t.paths.map(function (p, i) { return i === 0 ? "/" + p : p; });
    var parents = t.parents.map(function (p) { return p < 0 ? "" : ids[p]; });
    var marker;
    if (categorical) {
      marker = {colors: t.colours.map(function (c, i) {
        if (t.kinds[i] === "more") return "#eaeef2";
        return c >= 0 && c < d.palette.length ? d.palette[c] : "#d0d7de";
      })};
    } else {
      marker = {colors: t.colours, colorscale: "YlOrRd", reversescale: true, showscale: true,
        colorbar: {title: {text: el.dataset.colour, side: "right"}}};
    }
    var hover = t.colours.map(function (c, i) {
      return t.kinds[i] === "more" ? "" : (categorical ? "" : el.dataset.colour + ": " + (Math.round(c * 10) / 10));
    });
    var trace = {type: "treemap", ids: ids, labels: t.labels, parents: parents, values: t.values, branchvalues: "total",
      maxdepth: 3, marker: marker, customdata: t.kinds, text: hover, textinfo: "label",
      hovertemplate: "%{id}<br>" + el.dataset.area + ": %{value}<br>%{text}<extra></extra>", pathbar: {visible: true}};
    window.Plotly.newPlot(target, [trace], {margin: {l: 0, r: 0, t: 30, b: 0}}, config);
    target.on("plotly_treemapclick", function (ev) {
      var p = ev.points && ev.points[0];
      if (!p) return true;
      if (p.customdata === "file") {
        window.location.href = fileHref(el, p.id);
        return false;
      }
      if (p.customdata === "closed") {
        window.location.href = el.dataset.focusUrl + encodeURIComponent(p.id);
        return false;
      }
      return p.customdata !== "more";
    });
  });

  document.querySelectorAll(".network").forEach(function (el) {
    var d = data(el), traces = [];
    var target = document.createElement("div");
    target.style.height = "100%";
    el.appendChild(target);
    d.edges.forEach(function (e) {
      var a = d.nodes[e.a], b = d.nodes[e.b];
      traces.push({type: "scatter", mode: "lines", x: [a.x, b.x], y: [a.y, b.y], hoverinfo: "skip", showlegend: false,
        line: {width: 1 + 5 * e.degree / 100, color: "rgba(207, 34, 46, " + (0.25 + 0.6 * e.degree / 100) + ")"}});
    });
    var max = Math.max.apply(null, d.nodes.map(function (n) { return n.revisions; }).concat([1]));
    traces.push({type: "scatter", mode: "markers+text", x: d.nodes.map(function (n) { return n.x; }),
      y: d.nodes.map(function (n) { return n.y; }), text: d.nodes.map(function (n) { return n.label; }),
      customdata: d.nodes.map(function (n) { return n.path; }), textposition: "top center", showlegend: false,
      hovertext: d.nodes.map(function (n) { return esc(n.path) + "<br>revisions: " + n.revisions; }), hoverinfo: "text",
      marker: {size: d.nodes.map(function (n) { return 8 + 16 * n.revisions / max; }), color: "#0969da"}});
    var axis = {visible: false, range: [-1.5, 1.5], fixedrange: true};
    window.Plotly.newPlot(target, traces, {margin: {l: 10, r: 10, t: 10, b: 10}, xaxis: axis,
      yaxis: Object.assign({scaleanchor: "x"}, axis), hovermode: "closest"}, config);
    target.on("plotly_click", function (ev) {
      var p = ev.points && ev.points[0];
      if (p && p.customdata) window.location.href = fileHref(el, p.customdata);
    });
  });
})();
