// Code Annals: the little JavaScript the pages need (charts, treemap, live progress, confirmations).
(function () {
  "use strict";
  function data(el) {
    var s = el.querySelector('script[type="application/json"]');
    return s ? JSON.parse(s.textContent) : null;
  }
  var layoutBase = {margin: {l: 50, r: 20, t: 30, b: 40}, autosize: true};
  var config = {responsive: true, displaylogo: false};

  function charts() {
    if (!window.Plotly) return;
    document.querySelectorAll(".chart").forEach(function (el) {
      var d = data(el) || [], kind = el.dataset.chart, traces = [], layout = Object.assign({title: {text: el.dataset.title, font: {size: 13}}}, layoutBase);
      var target = document.createElement("div");
      el.appendChild(target);
      if (kind === "line" || kind === "coverage") {
        traces = [{x: d.map(function (p) { return kind === "line" ? new Date(p.x) : p.x; }), y: d.map(function (p) { return p.y; }),
          text: d.map(function (p) { return p.commit || p.id; }), mode: "lines+markers", type: "scatter", name: el.dataset.title}];
        if (kind === "coverage") layout.yaxis = {range: [0, 100], title: {text: "%"}};
      } else if (kind === "tests") {
        traces = [{x: d.map(function (p) { return p.x; }), y: d.map(function (p) { return p.tests; }), type: "bar", name: "tests"},
          {x: d.map(function (p) { return p.x; }), y: d.map(function (p) { return p.duration; }), yaxis: "y2", mode: "lines+markers", type: "scatter", name: "duration (s)"}];
        layout.yaxis2 = {overlaying: "y", side: "right", title: {text: "s"}};
        layout.legend = {orientation: "h"};
      } else if (kind === "multi") {
        Object.keys(d).forEach(function (name) {
          traces.push({x: d[name].map(function (p) { return new Date(p.x); }), y: d[name].map(function (p) { return p.y; }), mode: "lines+markers", type: "scatter", name: name});
        });
        layout.legend = {orientation: "h"};
      }
      window.Plotly.newPlot(target, traces, layout, config);
    });
  }

  function treemap() {
    var el = document.getElementById("treemap");
    if (!el || !window.Plotly) return;
    var d = data(el);
    var target = document.createElement("div");
    target.style.height = "100%";
    el.appendChild(target);
    var delta = el.dataset.delta === "yes";
    var marker = delta
      ? {colors: d.colours.map(function (c, i) { return d.kinds[i] === "dir" ? "#eaeef2" : ["#d0d7de", "#4ac26b", "#54aeff", "#ff8182", "#d4a72c"][c]; })}
      : {colors: d.colours, colorscale: "YlOrRd", reversescale: true, showscale: true, colorbar: {title: {text: el.dataset.colour, side: "right"}}};
    var ids = d.paths.map(function (p, i) { return i === 0 ? "/" : p; });
    var parents = d.parents.map(function (p) { return p < 0 ? "" : ids[p]; });
    var trace = {type: "treemap", ids: ids, labels: d.labels, parents: parents, values: d.values, branchvalues: "total",
      maxdepth: 3, marker: marker, customdata: d.kinds, hovertemplate: "%{id}<br>" + el.dataset.area + ": %{value}<extra></extra>",
      pathbar: {visible: true}, textinfo: "label"};
    window.Plotly.newPlot(target, [trace], {margin: {l: 0, r: 0, t: 30, b: 0}}, config);
    target.on("plotly_treemapclick", function (ev) {
      var p = ev.points && ev.points[0];
      if (p && p.customdata !== "dir" && p.customdata !== "deleted") {
        window.location.href = el.dataset.fileUrl + p.id.split("/").map(encodeURIComponent).join("/");
        return false;
      }
      return true;
    });
  }

  function progress() {
    var groups = Array.prototype.slice.call(document.querySelectorAll(".progress-group"));
    groups.forEach(function (g) {
      if (g.dataset.active !== "yes") return;
      var tick = function () {
        fetch(g.dataset.progressUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) {
            if (!p) return;
            ["import", "analysis"].forEach(function (kind) {
              var line = g.querySelector('[data-kind="' + kind + '"]'), s = p[kind];
              if (!line || !s) return;
              line.querySelector(".progress-state").textContent = s.state;
              line.querySelector("progress").value = s.percent == null ? 0 : s.percent;
              line.querySelector(".progress-text").textContent = kind === "import"
                ? s.done + (s.total ? " / " + s.total : "") + " commits" : s.analyzed + " commits analysed";
            });
            g.dataset.active = p.active ? "yes" : "no";
            if (p.active) setTimeout(tick, 1500);
          })
          .catch(function () { setTimeout(tick, 5000); });
      };
      setTimeout(tick, 1000);
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
  });
  charts();
  treemap();
  progress();
})();
