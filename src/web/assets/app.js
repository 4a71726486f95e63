// heapscope's web UI: fetches a view's data from /ui/data/<view> (the
// batch command's own numbers) and draws it. Every string from the profile
// goes into the page as a DOM text node or an attribute set through the
// DOM, never as markup.
"use strict";

(function () {
  const VIEWS = {
    "/ui/": "flamegraph",
    "/ui/flamegraph": "flamegraph",
    "/ui/top": "top",
    "/ui/graph": "graph",
    "/ui/peek": "peek",
    "/ui/source": "source",
    "/ui/diff": "diff",
    "/ui/trend": "trend",
  };
  // A file written by `web --html` carries every view's data in a data
  // block; its views are picked by the URL's fragment (#top) and it makes
  // no request.
  const EMBEDDED = document.getElementById("heapscope-data");
  const STATIC = EMBEDDED ? JSON.parse(EMBEDDED.textContent).views : null;
  const VIEW = STATIC
    ? (Object.prototype.hasOwnProperty.call(STATIC, location.hash.slice(1)) ? location.hash.slice(1) : "flamegraph")
    : VIEWS[location.pathname] || "flamegraph";
  const FILTERS = ["f", "i", "h", "s", "sf", "tf", "ti"];
  let selected = null; // the selected function's name
  let data = null;

  function $(id) {
    return document.getElementById(id);
  }

  // An element with properties and children (strings become text nodes).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("data-")) e.setAttribute(k, String(v));
      else e[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function regexQuote(s) {
    return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
  }

  function url(view, changes) {
    if (STATIC) return "#" + view;
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes || {})) {
      if (v === null || v === "") p.delete(k);
      else p.set(k, v);
    }
    const q = p.toString();
    return "/ui/" + view + (q ? "?" + q : "");
  }

  function go(view, changes) {
    location.href = url(view, changes);
  }

  // Values in human units, as pprof prints them (1024-based for bytes).
  const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];
  function human(v, ofUnit) {
    const unit = ofUnit || (data && data.unit);
    if (unit !== "bytes") return String(v);
    const asked = new URLSearchParams(location.search).get("unit");
    let i = BYTE_UNITS.indexOf(asked || "");
    if (i < 0) {
      i = 0;
      while (i < BYTE_UNITS.length - 1 && Math.abs(v) >= Math.pow(1024, i + 1)) i++;
    }
    const scaled = v / Math.pow(1024, i);
    let s = scaled.toFixed(2);
    if (s.endsWith(".00")) s = s.slice(0, -3);
    return s + BYTE_UNITS[i];
  }

  function pct(v, total) {
    if (!total) return "0%";
    return ((100 * v) / total).toFixed(2) + "%";
  }

  function select(name) {
    selected = name;
    $("regex").value = "^" + regexQuote(name) + "$";
    $("selected").textContent = "Selected: " + name;
    document.body.setAttribute("data-selected", name);
  }

  function showError(message) {
    $("errors").textContent = message;
  }

  // The file's bar: its views only, nothing that needs the server.
  function setupStaticBar() {
    for (const a of document.querySelectorAll("#views a")) {
      const view = a.getAttribute("data-view");
      if (!view || !Object.prototype.hasOwnProperty.call(STATIC, view)) {
        a.remove();
        continue;
      }
      if (view === VIEW) a.classList.add("current");
      a.href = "#" + view;
    }
    for (const id of ["refine", "copy"]) $(id).hidden = true;
    for (const id of ["sample", "granularity"]) $(id).parentElement.hidden = true;
    $("regex").placeholder = "search (regex)";
    window.addEventListener("hashchange", () => location.reload());
  }

  function setupBar() {
    if (STATIC) {
      setupStaticBar();
      return;
    }
    for (const a of document.querySelectorAll("#views a[data-view]")) {
      const view = a.getAttribute("data-view");
      if (view === VIEW) a.classList.add("current");
      a.addEventListener("click", (ev) => {
        ev.preventDefault();
        const changes = {};
        if ((view === "peek" || view === "source") && selected !== null) {
          changes.f = "^" + regexQuote(selected) + "$";
        }
        go(view, changes);
      });
      a.href = url(view, {});
    }
    $("sample").addEventListener("change", (ev) => go(VIEW, { si: ev.target.value }));
    const g = new URLSearchParams(location.search).get("g") || "";
    $("granularity").value = g;
    $("granularity").addEventListener("change", (ev) => go(VIEW, { g: ev.target.value }));
    for (const b of document.querySelectorAll("#refine button[data-param]")) {
      b.addEventListener("click", () => {
        let re = $("regex").value.trim();
        if (!re && selected !== null) re = "^" + regexQuote(selected) + "$";
        if (!re) {
          showError("Select a function or type a regex first.");
          return;
        }
        go(VIEW, { [b.getAttribute("data-param")]: re });
      });
    }
    $("reset").addEventListener("click", () => {
      const changes = {};
      for (const f of FILTERS) changes[f] = null;
      go(VIEW, changes);
    });
  }

  function fillBar() {
    const sel = $("sample");
    sel.textContent = "";
    for (const t of data.sample_types || []) {
      sel.append(el("option", { value: t, selected: t === data.sample_type }, t));
    }
    if (!data.show_from) $("showfrom").hidden = true;
    if (data.profiles > 1) for (const a of document.querySelectorAll("#views a.several")) a.hidden = false;
    const legend = data.legend || [];
    $("legend").textContent = legend.join("\n");
    const type = legend.find((l) => l.startsWith("Type: ")) || "";
    const file = legend.find((l) => l.startsWith("File: ")) || "";
    $("summary").textContent = [file, type, "Total: " + human(data.total || 0)]
      .filter(Boolean)
      .join("  ·  ");
    document.title = "heapscope: " + [file.slice(6), type.slice(6)].filter(Boolean).join(" ");
    if (data.notes && data.notes.length) showError(data.notes.join("\n"));
    $("command").textContent = data.command || "";
  }

  // "Copy as command": shows the command line that prints this view and
  // puts it on the clipboard (where the browser allows it).
  function setupCommand() {
    $("copy").addEventListener("click", () => {
      const box = $("command-box");
      box.hidden = false;
      const text = $("command").textContent;
      if (navigator.clipboard && text) {
        navigator.clipboard.writeText(text).then(
          () => ($("copied").textContent = "copied"),
          () => ($("copied").textContent = "")
        );
      }
    });
  }

  // Top with every sample type side by side (?all=1): each type's flat and
  // cum, as `top -sample_index=TYPE` gives them; rows in this view's order.
  function drawTopAll(main) {
    const types = Object.keys(data.all);
    const rows = [];
    const seen = new Set();
    const add = (name) => {
      if (!seen.has(name)) {
        seen.add(name);
        rows.push(name);
      }
    };
    for (const n of data.report.nodes) add(n.name);
    const byType = {};
    for (const t of types) {
      byType[t] = new Map();
      for (const n of data.all[t].nodes) {
        byType[t].set(n.name, n);
        add(n.name);
      }
    }
    const table = el("table", { id: "top-all", class: "report" });
    const head = el("tr");
    let order = null;
    for (const t of types) {
      for (const k of ["flat", "cum"]) {
        const th = el("th", { class: "sortable", "data-type": t, "data-sort": k }, t + " " + k);
        th.addEventListener("click", () => {
          order = [t, k];
          fill();
        });
        head.append(th);
      }
    }
    const nameTh = el("th", { class: "sortable", "data-sort": "name" }, "Name");
    nameTh.addEventListener("click", () => {
      order = "name";
      fill();
    });
    head.append(nameTh);
    const body = el("tbody");
    table.append(el("thead", {}, head), body);
    const value = (name, t, k) => {
      const n = byType[t].get(name);
      return n ? Math.abs(n[k]) : -1;
    };
    function fill() {
      if (order === "name") rows.sort();
      else if (order) rows.sort((a, b) => value(b, order[0], order[1]) - value(a, order[0], order[1]));
      body.textContent = "";
      for (const name of rows) {
        const tr = el("tr", { "data-name": name });
        for (const t of types) {
          const n = byType[t].get(name);
          const unit = data.all[t].unit;
          for (const k of ["flat", "cum"]) {
            tr.append(n
              ? el("td", { "data-type": t, "data-value": n[k], title: pct(n[k], data.all[t].total) }, human(n[k], unit))
              : el("td", { "data-type": t }, ""));
          }
        }
        tr.append(el("td", { class: "name" }, name));
        tr.addEventListener("click", () => {
          for (const r of body.querySelectorAll("tr.selected")) r.classList.remove("selected");
          tr.classList.add("selected");
          select(name);
        });
        body.append(tr);
      }
    }
    fill();
    main.append(table);
  }

  // The call graph: the `graph` report's SVG (heapscope's own layout),
  // parsed as XML and stripped of anything but drawing, with pan (drag) and
  // zoom (wheel); a click on a node focuses on it.
  function drawGraph(main) {
    const doc = new DOMParser().parseFromString(data.report.svg || "", "image/svg+xml");
    const svg = doc.documentElement;
    if (!svg || svg.localName !== "svg" || doc.getElementsByTagName("parsererror").length) {
      main.append(el("p", { class: "message" }, "The graph could not be drawn."));
      return;
    }
    for (const bad of svg.querySelectorAll("script, foreignObject, a, image, use, iframe, style")) {
      bad.remove();
    }
    for (const e of [svg, ...svg.querySelectorAll("*")]) {
      for (const a of [...e.attributes]) {
        if (/^on/i.test(a.name) || /href$/i.test(a.name)) e.removeAttribute(a.name);
      }
    }
    const drawing = document.importNode(svg, true);
    const box = el("div", { id: "graph" });
    box.append(drawing);
    main.append(box);
    for (const g of drawing.querySelectorAll("g.node")) {
      const title = g.querySelector("title");
      const name = (title ? title.textContent : "").replace(/ \([^()]*\)$/, "");
      g.setAttribute("data-name", name);
    }
    const vb = drawing.viewBox.baseVal;
    const full = vb ? [vb.x, vb.y, vb.width, vb.height] : [0, 0, 1000, 1000];
    let view = full.slice();
    drawing.removeAttribute("width");
    drawing.removeAttribute("height");
    drawing.setAttribute("preserveAspectRatio", "xMidYMin meet");
    const apply = () => {
      drawing.setAttribute("viewBox", view.join(" "));
      box.setAttribute("data-zoom", (full[2] / view[2]).toFixed(3));
    };
    // Drawing units per screen pixel (the drawing is fitted, aspect kept).
    const perPixel = () => {
      const r = drawing.getBoundingClientRect();
      return Math.max(view[2] / (r.width || 1), view[3] / (r.height || 1));
    };
    drawing.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const ctm = drawing.getScreenCTM();
      const at = ctm ? new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse()) : { x: view[0], y: view[1] };
      const f = ev.deltaY > 0 ? 1.25 : 0.8;
      if (view[2] * f > full[2] * 20 || view[2] * f < full[2] / 200) return;
      view = [at.x - (at.x - view[0]) * f, at.y - (at.y - view[1]) * f, view[2] * f, view[3] * f];
      apply();
    }, { passive: false });
    let drag = null;
    let moved = false;
    drawing.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, view: view.slice(), scale: perPixel() };
      moved = false;
    });
    window.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      if (!moved) return;
      view = [drag.view[0] - dx * drag.scale, drag.view[1] - dy * drag.scale, view[2], view[3]];
      apply();
    });
    window.addEventListener("pointerup", () => (drag = null));
    drawing.addEventListener("click", (ev) => {
      if (moved) return;
      const g = ev.target.closest("g.node");
      if (!g) return;
      const name = g.getAttribute("data-name");
      select(name);
      if (!STATIC) go("graph", { f: "^" + regexQuote(name) + "$" });
    });
    apply();
  }

  // Top: a table sortable by flat, cum and name.
  function drawTop(main) {
    if (STATIC) {
      drawTopTable(main);
      return;
    }
    const all = el("label", { id: "all-label" }, el("input", { type: "checkbox", id: "all", checked: !!data.all }), " all sample types side by side");
    all.querySelector("input").addEventListener("change", (ev) => go("top", { all: ev.target.checked ? "1" : null }));
    main.append(all);
    if (data.all) {
      drawTopAll(main);
      return;
    }
    drawTopTable(main);
  }

  // A table head whose columns with a key re-sort the table by it when
  // clicked (`sortBy(key)`).
  function sortableHead(columns, sortBy) {
    const head = el("tr");
    for (const [key, label] of columns) {
      const th = el("th", key ? { "data-sort": key, class: "sortable" } : {}, label);
      if (key) th.addEventListener("click", () => sortBy(key));
      head.append(th);
    }
    return head;
  }

  // Nodes by name, or by the size of their `order` value (a change may be
  // negative), largest first, ties by name.
  function sortNodes(nodes, order) {
    if (order === "name") nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    else nodes.sort((a, b) => Math.abs(b[order]) - Math.abs(a[order]) || (a.name < b.name ? -1 : 1));
  }

  function drawTopTable(main) {
    const nodes = data.report.nodes.slice();
    const total = data.report.total;
    let order = new URLSearchParams(location.search).get("sort") === "cum" ? "cum" : "flat";
    const table = el("table", { id: "top", class: "report" });
    const columns = [
      ["flat", "Flat"],
      [null, "Flat%"],
      [null, "Sum%"],
      ["cum", "Cum"],
      [null, "Cum%"],
      ["name", "Name"],
    ];
    const head = sortableHead(columns, (key) => {
      order = key;
      fill();
    });
    const body = el("tbody");
    table.append(el("thead", {}, head), body);
    function fill() {
      sortNodes(nodes, order);
      table.setAttribute("data-order", order);
      body.textContent = "";
      let sum = 0;
      for (const n of nodes) {
        sum += n.flat;
        const tr = el(
          "tr",
          { "data-name": n.name },
          el("td", { "data-value": n.flat }, human(n.flat)),
          el("td", {}, pct(n.flat, total)),
          el("td", {}, pct(sum, total)),
          el("td", { "data-value": n.cum }, human(n.cum)),
          el("td", {}, pct(n.cum, total)),
          el("td", { class: "name" }, n.name)
        );
        selectOnClick(body, tr, n.name);
        body.append(tr);
      }
    }
    fill();
    main.append(table);
  }

  // A change with its sign, in human units.
  function signed(v) {
    return (v > 0 ? "+" : "") + human(v);
  }

  // The flame graph: an icicle of HTML elements, click to zoom, search. A
  // differential one (the Diff view's: nodes [name, after, children,
  // before, width]) draws each frame as wide as the larger of its values,
  // red where it grew and blue where it shrank.
  const ROW = 18;
  function drawFlame(main, rep, diff) {
    const names = rep.names || [];
    const locations = rep.locations || {};
    const total = data.total || (rep.root ? rep.root[1] : 0);
    // Nodes as objects with parents, built without recursion.
    const nodes = [];
    let maxChange = 1;
    function build(arr, parent, depth) {
      const n = { name: names[arr[0]], value: arr[1], parent, depth, children: [], raw: arr };
      n.before = diff ? arr[3] : 0;
      n.width = diff ? arr[4] : arr[1];
      if (diff && parent) maxChange = Math.max(maxChange, Math.abs(n.value - n.before));
      nodes.push(n);
      return n;
    }
    if (!rep.root) {
      main.append(el("p", {}, "No samples."));
      return;
    }
    const root = build(rep.root, null, 0);
    const stack = [root];
    while (stack.length) {
      const n = stack.pop();
      for (const c of n.raw[2]) {
        const child = build(c, n, n.depth + 1);
        n.children.push(child);
        stack.push(child);
      }
    }
    const search = el("div", { id: "search-result" });
    const box = el("div", { id: "flame", class: diff ? "diff" : "" });
    main.append(search, box);
    let zoom = root;
    let matcher = null;

    function color(n) {
      if (diff) {
        // Red grew, blue shrank, the largest change saturated.
        const d = n.value - n.before;
        const strength = Math.min(1, Math.abs(d) / maxChange);
        const light = Math.round(96 - 36 * strength);
        if (d === 0) return "hsl(0, 0%, 88%)";
        return d > 0 ? "hsl(8, 80%, " + light + "%)" : "hsl(220, 80%, " + light + "%)";
      }
      const name = n.name;
      // Colour by package: the text before the last '.' after the last '/'.
      const slash = name.lastIndexOf("/");
      const dot = name.indexOf(".", slash + 1);
      const pkg = dot > 0 ? name.slice(0, dot) : name;
      let h = 0;
      for (let i = 0; i < pkg.length; i++) h = (h * 31 + pkg.charCodeAt(i)) >>> 0;
      return "hsl(" + (h % 50 + 10) + ", 70%, " + (62 + (h >> 8) % 15) + "%)";
    }

    function draw() {
      box.textContent = "";
      const width = box.clientWidth || 1000;
      // The zoomed frame's ancestors, full width above it.
      const chain = [];
      for (let a = zoom; a; a = a.parent) chain.unshift(a);
      let maxDepth = 0;
      const place = (n, left, w, depth) => {
        const f = el("div", { class: "frame", "data-name": n.name, "data-value": n.value });
        if (diff) {
          f.setAttribute("data-before", n.before);
          f.setAttribute("data-change", n.value - n.before);
        }
        f.style.left = (100 * left) + "%";
        f.style.width = (100 * w) + "%";
        f.style.top = depth * ROW + "px";
        f.style.backgroundColor = color(n);
        if (matcher && n !== root && matcher.test(n.name)) f.classList.add("match");
        if (n === zoom) f.classList.add("zoomed");
        f.append(el("span", {}, n.name));
        f.addEventListener("click", (ev) => {
          ev.stopPropagation();
          zoom = n;
          if (n !== root) select(n.name);
          draw();
        });
        f.addEventListener("mousemove", (ev) => tooltip(ev, n));
        f.addEventListener("mouseleave", () => ($("tooltip").hidden = true));
        box.append(f);
        maxDepth = Math.max(maxDepth, depth);
      };
      chain.forEach((a, i) => place(a, 0, 1, i));
      const base = chain.length - 1;
      const minWidth = 0.5 / width; // half a pixel
      const todo = [[zoom, 0, base]];
      while (todo.length) {
        const [n, left, depth] = todo.pop();
        let at = left;
        for (const c of n.children) {
          const w = zoom.width ? c.width / zoom.width : 0;
          if (w >= minWidth) {
            place(c, at, w, depth + 1);
            todo.push([c, at, depth + 1]);
          }
          at += w;
        }
      }
      box.style.height = (maxDepth + 1) * ROW + "px";
      document.body.setAttribute("data-zoom", zoom.name);
    }

    function tooltip(ev, n) {
      const t = $("tooltip");
      t.textContent = "";
      t.append(el("div", { class: "tname" }, n.name));
      if (diff) {
        t.append(el("div", {}, "before " + human(n.before) + ", after " + human(n.value) + ": " +
          signed(n.value - n.before) + " (" + pct(n.value - n.before, total) + " of before's total)"));
      } else {
        t.append(el("div", {}, human(n.value) + " (" + pct(n.value, total) + " of total" +
          (zoom !== root ? ", " + pct(n.value, zoom.value) + " of " + zoom.name : "") + ")"));
      }
      const at = locations[n.name];
      if (at) t.append(el("div", { class: "tloc" }, at));
      t.hidden = false;
      t.style.left = Math.min(ev.clientX + 12, window.innerWidth - t.offsetWidth - 4) + "px";
      t.style.top = ev.clientY + 14 + "px";
    }

    function runSearch() {
      const text = $("regex").value;
      matcher = null;
      search.textContent = "";
      if (text) {
        try {
          matcher = new RegExp(text);
        } catch (e) {
          search.textContent = "Bad regex: " + e.message;
          draw();
          return;
        }
        // Share matched: each matching frame counted once, not under another match.
        let matched = 0;
        const todo = [[root, false]];
        while (todo.length) {
          const [n, under] = todo.pop();
          const hit = !under && n !== root && matcher.test(n.name);
          if (hit) matched += n.value;
          for (const c of n.children) todo.push([c, under || hit]);
        }
        search.setAttribute("data-matched", matched);
        search.textContent = "Matched: " + human(matched) + " (" + pct(matched, total) + ")";
      }
      draw();
    }
    $("regex").addEventListener("input", runSearch);
    window.addEventListener("resize", draw);
    runSearch();
  }

  // Diff: the first profile against the last, as `diff` and `flame
  // --base` give them: the differential flame graph, then every node's
  // change (red grew, blue shrank) sortable by flat, cum and name.
  function drawDiff(main) {
    const rep = data.report;
    const total = rep.base_total;
    const series = data.series || [];
    main.append(el("p", { class: "diff-legend" },
      series[0] + " → " + series[series.length - 1] + "  ",
      el("span", { class: "grew" }, "grew"), el("span", { class: "shrank" }, "shrank")));
    main.append(el("h2", { class: "part" }, "Flame graph of the change"));
    if (data.flame && data.flame.root) drawFlame(main, data.flame, true);
    main.append(el("h2", { class: "part" }, "Top changes"));
    const nodes = rep.nodes.slice();
    let order = new URLSearchParams(location.search).get("sort") === "cum" ? "cum" : "flat";
    const table = el("table", { id: "diff", class: "report" });
    const columns = [
      ["flat", "Flat change"], [null, "Flat%"], ["cum", "Cum change"], [null, "Cum%"],
      [null, "Before (cum)"], [null, "After (cum)"], [null, "Status"], ["name", "Name"],
    ];
    const head = sortableHead(columns, (key) => {
      order = key;
      fill();
    });
    const body = el("tbody");
    table.append(el("thead", {}, head), body);
    function fill() {
      sortNodes(nodes, order);
      body.textContent = "";
      for (const n of nodes) {
        const d = order === "cum" ? n.cum : n.flat || n.cum;
        const tr = el("tr", { "data-name": n.name, class: d > 0 ? "grew" : d < 0 ? "shrank" : "" },
          el("td", { class: "change", "data-value": n.flat }, signed(n.flat)),
          el("td", {}, pct(n.flat, total)),
          el("td", { class: "change", "data-value": n.cum }, signed(n.cum)),
          el("td", {}, pct(n.cum, total)),
          el("td", { "data-value": n.base_cum }, human(n.base_cum)),
          el("td", { "data-value": n.base_cum + n.cum }, human(n.base_cum + n.cum)),
          el("td", { class: "status" }, n.status || ""),
          el("td", { class: "name" }, n.name));
        selectOnClick(body, tr, n.name);
        body.append(tr);
      }
    }
    fill();
    main.append(table);
  }

  // A sparkline: the values as an inline SVG polyline, lowest at the bottom.
  const SVG_NS = "http://www.w3.org/2000/svg";
  function sparkline(values) {
    const w = 120, h = 22;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    const lo = Math.min(0, ...values), hi = Math.max(...values);
    const span = hi - lo || 1;
    const step = values.length > 1 ? (w - 4) / (values.length - 1) : 0;
    const points = values.map((v, i) =>
      (2 + i * step).toFixed(1) + "," + (h - 2 - ((v - lo) / span) * (h - 4)).toFixed(1));
    const line = document.createElementNS(SVG_NS, "polyline");
    line.setAttribute("points", points.join(" "));
    svg.append(line);
    return svg;
  }

  // Trend: each node's value over the profiles, likely leaks first, as
  // `trend` ranks them, with a sparkline of its series.
  function drawTrend(main) {
    const rep = data.report;
    const snaps = rep.snapshots || [];
    main.append(el("p", {}, snaps.length + " snapshots, " + rep.leaks + " likely leak" +
      (rep.leaks === 1 ? "" : "s") + " (" + rep.value + " values)"));
    const table = el("table", { id: "trend", class: "report" });
    table.append(el("thead", {}, el("tr", {},
      el("th", {}, "Series"), el("th", {}, "First"), el("th", {}, "Last"), el("th", {}, "Change"),
      el("th", {}, "Slope per " + rep.slope_per), el("th", {}, "Grew"), el("th", {}, "Leak"),
      el("th", {}, "Name"))));
    const body = el("tbody");
    for (const n of rep.nodes) {
      const v = n.values;
      const spark = el("td", { class: "spark", title: v.map((x) => human(x)).join(" → ") });
      spark.append(sparkline(v));
      const tr = el("tr", { "data-name": n.name, class: n.leak ? "leak" : "" },
        spark,
        el("td", { "data-value": v[0] }, human(v[0])),
        el("td", { "data-value": v[v.length - 1] }, human(v[v.length - 1])),
        el("td", { "data-value": n.change }, signed(n.change)),
        el("td", {}, signed(Math.round(n.slope))),
        el("td", {}, n.grew_steps + "/" + Math.max(0, v.length - 1)),
        el("td", { class: "status" }, n.leak ? "likely leak" : ""),
        el("td", { class: "name" }, n.name));
      tr.addEventListener("click", () => select(n.name));
      body.append(tr);
    }
    table.append(body);
    main.append(table);
  }

  // A table row that, clicked, becomes the one selected in its body and
  // selects its function.
  function selectOnClick(body, tr, name) {
    tr.addEventListener("click", () => {
      for (const r of body.querySelectorAll("tr.selected")) r.classList.remove("selected");
      tr.classList.add("selected");
      select(name);
    });
  }

  // Peek: each matching node with its callers above and callees below.
  function drawPeek(main) {
    const total = data.report.total;
    const shown = data.report.nodes.length, matched = data.report.matched;
    if (matched > shown) {
      const all = el("a", { href: url("peek", { n: "0" }) }, "show all " + matched);
      main.append(el("p", { class: "message" },
        "The first " + shown + " of " + matched + " matching nodes. Narrow the regex, or ", all,
        " (n=0)."));
    }
    for (const n of data.report.nodes) {
      const table = el("table", { class: "report peek", "data-name": n.name });
      table.append(el("tr", {}, el("th", {}, "Value"), el("th", {}, "%"), el("th", {}, "Name")));
      const row = (cls, name, v, text) => {
        const tr = el("tr", { class: cls, "data-name": name },
          el("td", { "data-value": v }, human(v)),
          el("td", {}, pct(v, total)),
          el("td", { class: "name" }, text));
        tr.addEventListener("click", () => select(name));
        table.append(tr);
      };
      for (const c of n.callers) row("caller", c.name, c.value, c.name);
      row("self", n.name, n.cum, n.name + " (flat " + human(n.flat) + ", cum " + human(n.cum) + ")");
      for (const c of n.callees) row("callee", c.name, c.value, c.name);
      main.append(table);
    }
  }

  // Source: list's per-line values beside the source text.
  function drawSource(main) {
    for (const f of data.report.functions) {
      const sec = el("section", { class: "function", "data-name": f.name });
      const h = el("h3", {}, f.name + "  ");
      h.append(el("span", { class: "file" }, f.file || ""));
      h.addEventListener("click", () => select(f.name));
      sec.append(h, el("div", { class: "fsum" }, "flat " + human(f.flat) + ", cum " + human(f.cum)));
      const table = el("table", { class: "report source" });
      for (const l of f.lines) {
        table.append(el("tr", { "data-line": l.line },
          el("td", { "data-value": l.flat }, l.flat ? human(l.flat) : "."),
          el("td", { "data-value": l.cum }, l.cum ? human(l.cum) : "."),
          el("td", { class: "lineno" }, String(l.line)),
          el("td", { class: "code" }, l.source === undefined ? "" : l.source)));
      }
      sec.append(table);
      main.append(sec);
    }
  }

  async function load() {
    setupBar();
    setupCommand();
    const main = $("main");
    try {
      if (STATIC) data = STATIC[VIEW];
      else data = await (await fetch("/ui/data/" + VIEW + location.search)).json();
    } catch (e) {
      showError("Could not load the view: " + e);
      return;
    }
    if (data.error) {
      showError(data.error);
    } else {
      fillBar();
      if (data.message) main.append(el("p", { class: "message" }, data.message));
      else if (VIEW === "top") drawTop(main);
      else if (VIEW === "flamegraph") drawFlame(main, data.report, false);
      else if (VIEW === "diff") drawDiff(main);
      else if (VIEW === "trend") drawTrend(main);
      else if (VIEW === "graph") drawGraph(main);
      else if (VIEW === "peek") drawPeek(main);
      else drawSource(main);
    }
    document.body.setAttribute("data-ready", VIEW);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
