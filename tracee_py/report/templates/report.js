// tracee-py report: the process tree, the timelines and the sortable tables.
// Every recorded string reaches the page through textContent, never as markup.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var PROCS = DATA.procs;
  var CHILD_PAGE = 200;
  var TABLE_PAGE = 50;
  var FINDING_PAGE = 50;
  var SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  var rowOf = {}; // process id -> its .proc element, once drawn
  var MANY_NODES = DATA.nodes > 1;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function worstSeverity(p) {
    var worst = null;
    (p.f || []).forEach(function (fid) {
      var f = DATA.findings[fid];
      if (f && (worst === null || SEVERITY_RANK[f.sev] > SEVERITY_RANK[worst])) worst = f.sev;
    });
    return worst;
  }

  // -- the tree --------------------------------------------------------------------------------

  function procRow(id) {
    var p = PROCS[id];
    var row = el("div", "proc");
    row.setAttribute("role", "treeitem");
    row.dataset.id = id;
    var hasKids = p.kids.length > 0 || p.more > 0;
    var toggle = el("button", "toggle" + (hasKids ? "" : " leaf"), hasKids ? "▸" : "·");
    toggle.type = "button";
    toggle.setAttribute("aria-label", "show children");
    toggle.setAttribute("aria-expanded", "false");
    row.appendChild(toggle);
    var label = el("button", "label");
    label.type = "button";
    label.appendChild(el("span", "pid", p.pid));
    label.appendChild(document.createTextNode(" "));
    label.appendChild(el("span", "cmd", p.cmd));
    row.appendChild(label);
    var worst = worstSeverity(p);
    if (worst) {
      var flag = el("span", "flag sev-" + worst, "!" + (p.f.length > 1 ? p.f.length : ""));
      flag.title = p.f.length + " finding(s), worst " + worst;
      row.appendChild(flag);
    }
    if (p.fx) {
      var fx = el("span", "failed-mark", "✗" + p.fx);
      fx.title = p.fx + " failed exec attempt(s)";
      row.appendChild(fx);
    }
    var meta = [p.user, p.end];
    if (p.files) meta.push("files " + p.files);
    if (p.net) meta.push("net " + p.net);
    if (p.where) meta.push(p.where);
    if (MANY_NODES) meta.push(p.node);
    var kids = p.kids.length + p.more;
    if (kids) meta.push(kids + (kids === 1 ? " child" : " children"));
    row.appendChild(el("span", "meta", meta.join(" · ")));
    if (id === DATA.focus) row.classList.add("focus");
    rowOf[id] = row;
    return row;
  }

  function drawChildren(ids, ul, from, more) {
    var end = Math.min(ids.length, from + CHILD_PAGE);
    for (var i = from; i < end; i++) {
      var li = el("li");
      li.appendChild(procRow(ids[i]));
      ul.appendChild(li);
    }
    if (end < ids.length) {
      var li2 = el("li", "more");
      var btn = el("button", "link", "show " + Math.min(CHILD_PAGE, ids.length - end) +
        " more of " + (ids.length - end));
      btn.type = "button";
      btn.addEventListener("click", function () {
        ul.removeChild(li2);
        drawChildren(ids, ul, end, more);
      });
      li2.appendChild(btn);
      ul.appendChild(li2);
    } else if (more) {
      ul.appendChild(el("li", "more", more + " more not in this report (size cap)"));
    }
  }

  function expand(row, open) {
    var id = row.dataset.id;
    var li = row.parentNode;
    var toggle = row.querySelector(".toggle");
    if (toggle.classList.contains("leaf")) return;
    var ul = li.querySelector(":scope > ul");
    if (open && !ul) {
      ul = el("ul");
      ul.setAttribute("role", "group");
      li.appendChild(ul);
      drawChildren(PROCS[id].kids, ul, 0, PROCS[id].more);
    }
    if (ul) ul.hidden = !open;
    toggle.textContent = open ? "▾" : "▸";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function drawTree() {
    var tree = document.getElementById("tree");
    var ul = el("ul");
    tree.appendChild(ul);
    drawChildren(DATA.roots, ul, 0, 0);
    tree.addEventListener("click", function (ev) {
      var target = ev.target;
      var row = target.closest(".proc");
      if (!row) return;
      if (target.closest(".toggle")) {
        expand(row, row.querySelector(".toggle").getAttribute("aria-expanded") !== "true");
      } else if (target.closest(".label")) {
        select(row.dataset.id, false);
      }
    });
    // Open the way to the focus and to every process with a finding.
    var open = [];
    if (DATA.focus && PROCS[DATA.focus]) open.push(DATA.focus);
    Object.keys(PROCS).forEach(function (id) { if (PROCS[id].f.length) open.push(id); });
    open.forEach(function (id) { reveal(id); });
    if (!open.length && DATA.roots.length) expand(rowOf[DATA.roots[0]], true);
    var first = DATA.focus && PROCS[DATA.focus] ? DATA.focus : open[0];
    if (first) select(first, false);
  }

  // Draw and open every ancestor of ``id`` so that its row exists.
  function reveal(id) {
    var chain = [];
    var cur = id;
    while (cur && PROCS[cur] && chain.indexOf(cur) < 0) { chain.unshift(cur); cur = PROCS[cur].parent; }
    chain.forEach(function (a) {
      if (!rowOf[a]) {
        // drawn children are paged: draw further pages of the parent until ``a`` shows
        var parent = PROCS[a].parent;
        var prow = parent && rowOf[parent];
        if (prow) {
          var ul = prow.parentNode.querySelector(":scope > ul");
          var btn;
          while (!rowOf[a] && ul && (btn = ul.querySelector(":scope > li.more > button"))) btn.click();
        } else {
          var rootUl = document.querySelector("#tree > ul");
          var b;
          while (!rowOf[a] && (b = rootUl.querySelector(":scope > li.more > button"))) b.click();
        }
      }
      if (a !== id && rowOf[a]) expand(rowOf[a], true);
    });
    return rowOf[id];
  }

  // -- the detail panel ------------------------------------------------------------------------

  var KIND_GROUPS = {
    all: null,
    process: /^process_|^kill$/,
    files: /^file_|^memfd_create$|^chdir$/,
    network: /^net_/,
    privilege: /^cred_change$|^ptrace$|^process_vm_write$|^module_|^bpf$|^mount$|^umount$|^unshare$|^setns$|^mprotect_exec$/
  };

  function select(id, scroll) {
    var row = reveal(id);
    document.querySelectorAll(".proc.selected").forEach(function (r) { r.classList.remove("selected"); });
    if (row) {
      row.classList.add("selected");
      if (scroll) row.scrollIntoView({ block: "center" });
    }
    showDetail(id);
  }

  function fact(dl, name, value) {
    dl.appendChild(el("dt", null, name));
    dl.appendChild(el("dd", null, value));
  }

  function showDetail(id) {
    var p = PROCS[id];
    var panel = document.getElementById("detail");
    panel.textContent = "";
    if (!p) {
      panel.appendChild(el("p", "muted", "process " + id + " is not in this report"));
      return;
    }
    panel.dataset.id = id;
    panel.appendChild(el("h3", null, p.pid + " " + p.cmd));
    var dl = el("dl");
    fact(dl, "process_id", id);
    fact(dl, "node", p.node);
    fact(dl, "user", p.user);
    if (p.where) fact(dl, "where", p.where);
    fact(dl, "started", p.start);
    fact(dl, "ended", p.end);
    fact(dl, "files / network", p.files + " file events, " + p.net + " network events");
    if (p.fx) fact(dl, "failed execs", p.fx + " attempt(s), marked ✗ below");
    panel.appendChild(dl);

    if (p.f.length) {
      panel.appendChild(el("h3", null, "Findings (" + p.f.length + ")"));
      p.f.forEach(function (fid) {
        var f = DATA.findings[fid];
        if (!f) return;
        var box = el("div", "finding");
        var head = el("div");
        head.appendChild(el("span", "chip sev-" + f.sev, f.sev));
        head.appendChild(document.createTextNode(" "));
        head.appendChild(el("strong", null, f.name));
        box.appendChild(head);
        box.appendChild(
          el("div", "small", f.time + " · " + f.conf + " confidence · " + f.technique + " · " + fid)
        );
        box.appendChild(el("div", null, f.detail));
        if (f.ev.length) {
          var t = el("table", "plain evidence");
          var tb = el("tbody");
          f.ev.forEach(function (kv) {
            var tr = el("tr");
            tr.appendChild(el("td", null, kv[0]));
            tr.appendChild(el("td", null, kv[1]));
            tb.appendChild(tr);
          });
          t.appendChild(tb);
          box.appendChild(t);
        }
        panel.appendChild(box);
      });
    }

    var tl = DATA.timelines[id];
    var h = el("h3", null, "Timeline");
    panel.appendChild(h);
    if (!tl) {
      panel.appendChild(el("p", "muted small", "Not in this report (size cap or no events); " +
        "run: tracee-py timeline --process-id " + id));
      return;
    }
    h.appendChild(el("span", "muted small", " " + tl.e.length + " of " + tl.total + " events"));
    var controls = el("div", "controls noprint");
    var sel = el("select");
    sel.id = "timeline-kind";
    Object.keys(KIND_GROUPS).forEach(function (k) { sel.appendChild(el("option", null, k)); });
    var lab = el("label", null, "Show ");
    lab.appendChild(sel);
    controls.appendChild(lab);
    panel.appendChild(controls);
    var table = el("table", "plain tl");
    var body = el("tbody");
    tl.e.forEach(function (e) {
      var tr = el("tr", e[3] ? "failed" : "");
      tr.dataset.kind = e[1];
      tr.appendChild(el("td", "time", e[0].slice(11)));
      tr.appendChild(el("td", "kind", e[1]));
      tr.appendChild(el("td", null, e[2]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    panel.appendChild(table);
    if (tl.e.length < tl.total) {
      panel.appendChild(el("p", "muted small", (tl.total - tl.e.length) +
        " more events not in this report; run: tracee-py timeline --process-id " + id));
    }
    sel.addEventListener("change", function () {
      var re = KIND_GROUPS[sel.value];
      body.querySelectorAll("tr").forEach(function (tr) {
        tr.hidden = re !== null && !re.test(tr.dataset.kind);
      });
    });
  }

  // -- findings --------------------------------------------------------------------------------

  function setupFindings() {
    var table = document.getElementById("finding-table");
    if (!table) return;
    var text = document.getElementById("finding-filter");
    var sev = document.getElementById("finding-severity");
    var count = document.getElementById("finding-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var limit = FINDING_PAGE;
    var more = document.getElementById("finding-more");
    function apply() {
      var needle = text.value.trim().toLowerCase();
      var floor = SEVERITY_RANK[sev.value];
      var matching = 0;
      rows.forEach(function (tr) {
        var ok = Number(tr.dataset.rank) >= floor &&
          (!needle || tr.textContent.toLowerCase().indexOf(needle) >= 0);
        if (ok) matching++;
        tr.hidden = !ok || matching > limit;
      });
      var shown = Math.min(matching, limit);
      count.textContent = matching === rows.length && shown === matching
        ? rows.length + " findings" : shown + " of " + rows.length + " findings shown";
      more.hidden = matching <= limit;
      more.textContent = "show all " + matching;
    }
    more.addEventListener("click", function () { limit = Infinity; apply(); });
    window.addEventListener("beforeprint", function () { limit = Infinity; apply(); });
    text.addEventListener("input", apply);
    sev.addEventListener("change", apply);
    table.addEventListener("click", function (ev) {
      var btn = ev.target.closest(".show-process");
      if (!btn) return;
      var id = btn.closest("tr").dataset.process;
      if (PROCS[id]) select(id, true);
      else showDetail(id);
    });
    apply();
  }

  // -- sortable, paged tables ------------------------------------------------------------------

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    var na = typeof a === "number" ? a : NaN;
    var nb = typeof b === "number" ? b : NaN;
    if (!isNaN(na) && !isNaN(nb)) return na - nb;
    return String(a).localeCompare(String(b));
  }

  function drawTable(spec, slot) {
    var state = { page: 0, sort: -1, dir: 1, rows: spec.rows.slice(), filter: "" };
    slot.className = "slot";
    slot.id = "table-" + spec.key;
    var h = el("h3", null, spec.title + " ");
    var shownNote = spec.rows.length < spec.total
      ? spec.rows.length + " of " + spec.total + " rows" : spec.total + " rows";
    h.appendChild(el("span", "count", shownNote));
    slot.appendChild(h);
    slot.appendChild(el("p", "note small muted", spec.note));
    if (!spec.rows.length) {
      slot.appendChild(el("p", "muted", "none"));
      return;
    }
    var controls = el("div", "controls noprint");
    var search = el("input");
    search.type = "search";
    search.placeholder = "filter rows";
    controls.appendChild(search);
    slot.appendChild(controls);
    var table = el("table", "data");
    var thead = el("thead");
    var hr = el("tr");
    spec.columns.forEach(function (c, i) {
      var numeric = spec.rows.length && typeof spec.rows[0][i] === "number";
      var th = el("th", "sortable" + (numeric ? " n" : ""), c);
      th.dataset.col = i;
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    var body = el("tbody");
    table.appendChild(body);
    slot.appendChild(table);
    var pager = el("div", "pager");
    var prev = el("button", null, "‹ previous");
    var next = el("button", null, "next ›");
    prev.type = next.type = "button";
    var where = el("span", "small muted");
    pager.appendChild(prev);
    pager.appendChild(where);
    pager.appendChild(next);
    slot.appendChild(pager);
    var pidCol = spec.columns.indexOf("pid");

    function visibleRows() {
      if (!state.filter) return state.rows;
      return state.rows.filter(function (r) {
        return r.join("\u0001").toLowerCase().indexOf(state.filter) >= 0;
      });
    }
    function render(all) {
      var rows = visibleRows();
      var pages = Math.max(1, Math.ceil(rows.length / TABLE_PAGE));
      state.page = Math.min(state.page, pages - 1);
      var from = all ? 0 : state.page * TABLE_PAGE;
      var to = all ? rows.length : Math.min(rows.length, from + TABLE_PAGE);
      body.textContent = "";
      for (var i = from; i < to; i++) {
        var r = rows[i];
        var tr = el("tr");
        for (var c = 0; c < spec.columns.length; c++) {
          var td = el("td", typeof r[c] === "number" ? "n" : null);
          var processId = r[spec.columns.length];
          if (c === pidCol && processId !== null && PROCS[processId]) {
            var b = el("button", "link", r[c]);
            b.type = "button";
            b.dataset.process = processId;
            td.appendChild(b);
          } else {
            td.textContent = r[c] === null || r[c] === undefined ? "" : String(r[c]);
          }
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      where.textContent = rows.length ? "rows " + (from + 1) + "–" + to + " of " + rows.length : "no rows";
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    thead.addEventListener("click", function (ev) {
      var th = ev.target.closest("th");
      if (!th) return;
      var col = Number(th.dataset.col);
      state.dir = state.sort === col ? -state.dir : 1;
      state.sort = col;
      state.rows.sort(function (a, b) { return state.dir * compare(a[col], b[col]); });
      thead.querySelectorAll("th").forEach(function (x) { x.classList.remove("asc", "desc"); });
      th.classList.add(state.dir > 0 ? "asc" : "desc");
      state.page = 0;
      render(false);
    });
    body.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-process]");
      if (b) select(b.dataset.process, true);
    });
    prev.addEventListener("click", function () { state.page--; render(false); });
    next.addEventListener("click", function () { state.page++; render(false); });
    search.addEventListener("input", function () {
      state.filter = search.value.trim().toLowerCase();
      state.page = 0;
      render(false);
    });
    window.addEventListener("beforeprint", function () { render(true); });
    window.addEventListener("afterprint", function () { render(false); });
    render(false);
  }

  function drawTables() {
    var slots = document.getElementById("table-slots");
    DATA.tables.forEach(function (spec) {
      var slot = el("div");
      slots.appendChild(slot);
      drawTable(spec, slot);
    });
  }

  drawTree();
  setupFindings();
  drawTables();
})();
