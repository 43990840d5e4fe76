/* cruce console: the case network page's interactive drawing, with Cytoscape.js (static/vendor/cytoscape).
   A file, not an inline script: the console's Content-Security-Policy allows scripts from this server only.
   The graph comes from the URL in the page's data-graph attribute (same origin, the session cookie): the
   server's answer holds only what the signed-in user may read, so nothing here decides access. Text is put
   in the page with textContent only (never as HTML). The instance is window.cy (the browser tests use it). */
(function () {
  "use strict";

  var COLOURS = {
    person: "#1f5fa8", organisation: "#6a3d9a", phone: "#b15928", vehicle: "#33a02c",
    address: "#e31a1c", account: "#a6761d", vessel: "#1b9e77"
  };
  var LINKS = {
    "co-travel": { colour: "#33a02c", style: "solid", width: 3 },
    phone: { colour: "#b15928", style: "dashed", width: 2 },
    seizure: { colour: "#e31a1c", style: "solid", width: 2 },
    address: { colour: "#e31a1c", style: "dotted", width: 2 },
    account: { colour: "#a6761d", style: "dashed", width: 2 },
    vehicle: { colour: "#33a02c", style: "dotted", width: 2 },
    "case": { colour: "#999999", style: "solid", width: 1 }
  };

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function hopsWanted() {
    var input = document.getElementById("hops");
    var n = input ? parseInt(input.value, 10) : 2;
    return isNaN(n) ? 2 : Math.min(6, Math.max(1, n));
  }

  function styles(maxBetweenness) {
    var top = maxBetweenness > 0 ? maxBetweenness : 1;
    var size = "mapData(betweenness, 0, " + top + ", 16, 46)";
    var sheet = [{ selector: "node", style: {
      "background-color": "#555555", "label": "data(label)", "font-size": 10, "color": "#1b1f24",
      "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": 140,
      "width": size, "height": size
    } }];
    Object.keys(COLOURS).forEach(function (kind) {
      sheet.push({ selector: 'node[kind = "' + kind + '"]', style: { "background-color": COLOURS[kind] } });
    });
    sheet.push({ selector: "edge", style: { "curve-style": "bezier", "line-color": "#999999", "width": 1 } });
    Object.keys(LINKS).forEach(function (kind) {
      var l = LINKS[kind];
      sheet.push({ selector: 'edge[kind = "' + kind + '"]', style: {
        "line-color": l.colour, "line-style": l.style, "width": l.width
      } });
    });
    return sheet.concat([
      { selector: "node[?ring]", style: { "border-width": 3, "border-color": "#f0a000" } },
      { selector: "node[?broker]", style: { "border-width": 4, "border-color": "#000000" } },
      { selector: "node.hop", style: { "border-width": 3, "border-color": "#ff9f1c" } },
      { selector: "node:selected", style: { "border-width": 5, "border-color": "#ff9f1c" } },
      { selector: ".faded", style: { "opacity": 0.2 } }
    ]);
  }

  function addRow(list, term, value) {
    list.appendChild(el("dt", term));
    var dd = el("dd");
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
    list.appendChild(dd);
  }

  function caseLinks(ids) {
    var span = el("span");
    ids.forEach(function (id, i) {
      if (i) { span.appendChild(document.createTextNode(", ")); }
      var a = el("a", id);
      a.href = "/console/cases/" + encodeURIComponent(id);
      span.appendChild(a);
    });
    return span;
  }

  function ringOf(cy, node, hops) {
    var ring = node.closedNeighborhood();
    for (var i = 1; i < hops; i += 1) { ring = ring.union(ring.closedNeighborhood()); }
    cy.elements().addClass("faded").removeClass("hop");
    ring.removeClass("faded");
    ring.nodes().addClass("hop");
    return ring.nodes();
  }

  function showDetails(panel, cy, node) {
    var d = node.data();
    var hops = hopsWanted();
    var ring = ringOf(cy, node, hops);
    panel.replaceChildren();
    var title = el("h2", d.label);
    title.id = "node-title";
    panel.appendChild(title);
    var list = el("dl");
    addRow(list, "Kind", d.kind);
    addRow(list, "Marking", d.portion || "(none)");
    addRow(list, "In cases", caseLinks(d.cases || []));
    addRow(list, "Subjects", (d.members || []).join(", "));
    if (d.why && d.why.length) { addRow(list, "Resolved by", d.why.join("; ")); }
    addRow(list, "Betweenness", Number(d.betweenness || 0).toFixed(2) + (d.broker ? " (strongest broker)" : ""));
    addRow(list, "Links", node.connectedEdges().length);
    var others = ring.filter(function (n) { return n.id() !== node.id(); }).map(function (n) { return n.data("label"); });
    addRow(list, "Ring of " + hops, others.length ? others.sort().join(", ") : "(no one)");
    panel.appendChild(list);
  }

  function draw(box, graph) {
    var panel = document.getElementById("node-details");
    var nodes = graph.elements.nodes;
    var top = nodes.reduce(function (m, n) { return Math.max(m, n.data.betweenness || 0); }, 0);
    box.hidden = false;
    var fallback = document.querySelector("svg.network");
    if (fallback) { fallback.classList.add("replaced"); }
    var cy = window.cytoscape({
      container: document.getElementById("cy"),
      elements: graph.elements,
      style: styles(top),
      layout: { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true, padding: 20 },
      minZoom: 0.2,
      maxZoom: 4
    });
    cy.on("tap", "node", function (evt) { showDetails(panel, cy, evt.target); });
    cy.on("tap", function (evt) {
      if (evt.target === cy) { cy.elements().removeClass("faded hop"); }
    });
    window.cy = cy;
    box.dataset.ready = "true";
  }

  function start() {
    var box = document.getElementById("network-graph");
    if (!box || typeof window.cytoscape !== "function") { return; }
    fetch(box.dataset.graph, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("the interactive drawing could not be loaded (HTTP " + r.status + ")"); }
        if ((r.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
          throw new Error("the interactive drawing could not be loaded (signed out? reload the page)");
        }
        return r.json();
      })
      .then(function (graph) { draw(box, graph); })
      .catch(function (err) {
        var note = el("p", String(err.message || err) + "; the drawing below is the static one.");
        note.className = "error";
        box.parentNode.insertBefore(note, box);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
