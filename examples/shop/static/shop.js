// Northpeak, lpedge's demo shop: catalog, cart, pages, the chat box and
// the event panel. Plain JavaScript, no framework. It runs before the tag's
// snippet so that the event panel sees the tag's debug log from the start.
(function (w, d) {
  "use strict";
  var C = w.SHOP_CONFIG || {};
  var CURRENCY = "EUR";
  var money = new Intl.NumberFormat("en-IE", { style: "currency", currency: CURRENCY });

  // ---------------------------------------------------------------- catalog
  var PRODUCTS = [
    { sku: "NP-TR-101", name: "Ridgeline Trail Runner", category: "shoes", price: 129, kind: "runner", badge: "New",
      colors: ["#e7f1ee", "#2f6f5a", "#173b30", "#e4683a", "#31404d"],
      desc: "A light, grippy trail shoe with a rock plate and a 6 mm drop, for fast days on rough ground." },
    { sku: "NP-HB-205", name: "Summit GTX Hiking Boot", category: "shoes", price: 189, kind: "boot",
      colors: ["#f3ece4", "#8a5a3b", "#5a3a26", "#e4a23a", "#2c2420"],
      desc: "Waterproof leather boot with a stiff Vibram sole and ankle support for multi-day hikes." },
    { sku: "NP-CS-310", name: "Harbor Canvas Sneaker", category: "shoes", price: 79, kind: "sneaker",
      colors: ["#e9eef7", "#2d4f8a", "#1b3360", "#e4683a", "#f4f1ea"],
      desc: "Organic-cotton canvas sneaker with a natural rubber sole. Made for the walk to the trailhead." },
    { sku: "NP-AJ-402", name: "Alpine Shell Jacket", category: "apparel", price: 249, kind: "jacket", badge: "Bestseller",
      colors: ["#fdeee6", "#e4683a", "#b5482a", "#1f4d3f", "#ffffff"],
      desc: "Three-layer shell, 20k waterproof, pit zips and a helmet-ready hood. Packs into its own pocket." },
    { sku: "NP-MB-415", name: "Merino Rib Beanie", category: "apparel", price: 29, kind: "beanie",
      colors: ["#f1eaf3", "#7b4a8a", "#59336a", "#f2c14e", "#ffffff"],
      desc: "Soft, warm and itch-free 100% merino in a classic rib knit, with a pom-pom on top." },
    { sku: "NP-DP-520", name: "Crest 22L Daypack", category: "gear", price: 99, kind: "pack",
      colors: ["#eaf2e6", "#4f7d3a", "#345526", "#f2c14e", "#ffffff"],
      desc: "A 22-litre pack with a ventilated back, hip-belt pockets and a sleeve for a 2-litre reservoir." },
    { sku: "NP-TB-610", name: "Thermo Steel Bottle 750 ml", category: "gear", price: 34.5, kind: "bottle",
      colors: ["#e6f3f8", "#2c8fb8", "#1d6384", "#f4f1ea", "#ffffff"],
      desc: "Double-walled steel keeps drinks hot for 12 hours and cold for 24. Leak-proof lid." },
    { sku: "NP-HL-700", name: "Beacon 400 Headlamp", category: "gear", price: 49.9, kind: "headlamp",
      colors: ["#fbf5e2", "#f2b134", "#c98b12", "#31404d", "#fff3b0"],
      desc: "400 lumens, red night mode and a USB-C battery that lasts a whole weekend on low." },
  ];
  var CATEGORIES = { shoes: "Shoes", apparel: "Apparel", gear: "Gear" };

  function bySku(sku) {
    for (var i = 0; i < PRODUCTS.length; i++) if (PRODUCTS[i].sku === sku) return PRODUCTS[i];
    return null;
  }

  // Product pictures are drawn, not downloaded: the demo works offline.
  function art(p) {
    var c = p.colors, bg = c[0], main = c[1], dark = c[2], acc = c[3], x = c[4];
    var s = {
      runner:
        '<g transform="translate(16 34)"><path d="M10 92C8 78 18 70 34 68L74 62C86 50 96 36 112 34C120 33 126 36 128 42C132 56 146 66 166 72L184 78C196 82 202 92 200 100L198 104H12Z" fill="' + main + '"/>' +
        '<path d="M8 100H200C200 110 194 116 184 116H22C12 116 8 110 8 100Z" fill="' + x + '"/>' +
        '<path d="M40 86C70 80 104 82 150 92" stroke="' + acc + '" stroke-width="7" fill="none" stroke-linecap="round"/>' +
        '<path d="M98 50L112 60M106 44L120 54M114 39L127 48" stroke="#fff" stroke-width="4" stroke-linecap="round"/></g>',
      boot:
        '<g transform="translate(4 24)"><rect x="38" y="4" width="80" height="14" rx="7" fill="' + acc + '"/>' +
        '<path d="M40 104V22C40 14 46 12 54 12H104C110 12 114 16 114 22L116 60C130 70 150 74 172 80C190 84 198 94 198 106H40Z" fill="' + main + '"/>' +
        '<path d="M34 102H202V112C202 118 198 122 192 122H44C38 122 34 118 34 112Z" fill="' + x + '"/>' +
        '<path d="M72 30H102M72 44H104M72 58H106" stroke="' + acc + '" stroke-width="4" stroke-linecap="round"/>' +
        '<path d="M116 60C130 70 150 74 172 80" stroke="' + dark + '" stroke-width="4" fill="none"/></g>',
      sneaker:
        '<g transform="translate(16 44)"><path d="M12 88C10 74 20 66 36 64L80 60C92 50 104 42 118 42C126 42 130 46 132 52C138 62 152 68 170 72L186 76C196 80 200 88 198 94H14Z" fill="' + main + '"/>' +
        '<path d="M8 92H202C202 104 196 110 186 110H24C14 110 8 104 8 92Z" fill="' + x + '"/>' +
        '<path d="M10 96H202" stroke="' + acc + '" stroke-width="4"/>' +
        '<path d="M160 70C176 72 192 78 198 92H150C148 82 152 74 160 70Z" fill="' + dark + '"/>' +
        '<path d="M100 56L114 64M108 50L122 58M116 46L128 52" stroke="#fff" stroke-width="4" stroke-linecap="round"/></g>',
      jacket:
        '<path d="M84 22L100 16L120 24L140 16L156 22L182 38L204 134L180 142L164 84V164H76V84L60 142L36 134L58 38Z" fill="' + main + '"/>' +
        '<path d="M100 16C104 34 136 34 140 16" fill="' + dark + '"/><path d="M120 30V164" stroke="' + x + '" stroke-width="4"/>' +
        '<rect x="86" y="112" width="24" height="6" rx="3" fill="' + dark + '"/><rect x="130" y="112" width="24" height="6" rx="3" fill="' + dark + '"/>' +
        '<path d="M36 134L60 142L57 152L33 144Z" fill="' + dark + '"/><path d="M204 134L180 142L183 152L207 144Z" fill="' + dark + '"/>' +
        '<path d="M76 84L66 50" stroke="' + dark + '" stroke-width="3" opacity=".5"/><path d="M164 84L174 50" stroke="' + dark + '" stroke-width="3" opacity=".5"/>',
      beanie:
        '<circle cx="120" cy="38" r="18" fill="' + acc + '"/><path d="M56 124C56 74 84 50 120 50C156 50 184 74 184 124Z" fill="' + main + '"/>' +
        '<rect x="50" y="114" width="140" height="36" rx="12" fill="' + dark + '"/>' +
        '<path d="M66 118V146M80 118V146M94 118V146M108 118V146M122 118V146M136 118V146M150 118V146M164 118V146M178 118V146" stroke="' + main + '" stroke-width="4" opacity=".6"/>' +
        '<path d="M90 66C96 62 104 60 112 60" stroke="#fff" stroke-width="5" stroke-linecap="round" opacity=".35" fill="none"/>',
      pack:
        '<path d="M98 34C98 14 142 14 142 34" stroke="' + dark + '" stroke-width="9" fill="none"/><rect x="68" y="30" width="104" height="134" rx="30" fill="' + main + '"/>' +
        '<rect x="84" y="98" width="72" height="50" rx="14" fill="' + dark + '"/><rect x="84" y="62" width="72" height="9" rx="4.5" fill="' + acc + '"/>' +
        '<path d="M96 116H144" stroke="' + acc + '" stroke-width="4" stroke-linecap="round"/>',
      bottle:
        '<rect x="102" y="12" width="36" height="22" rx="6" fill="' + dark + '"/>' +
        '<path d="M96 42C96 36 100 34 106 34H134C140 34 144 36 144 42L148 62V158C148 166 142 170 134 170H106C98 170 92 166 92 158V62Z" fill="' + main + '"/>' +
        '<rect x="92" y="92" width="56" height="42" fill="' + acc + '"/><path d="M102 62V150" stroke="#fff" stroke-width="5" stroke-linecap="round" opacity=".3"/>',
      headlamp:
        '<path d="M136 66L236 34V122L136 92Z" fill="' + x + '" opacity=".75"/>' +
        '<ellipse cx="112" cy="104" rx="78" ry="38" fill="none" stroke="' + acc + '" stroke-width="12"/>' +
        '<rect x="80" y="54" width="64" height="54" rx="15" fill="' + main + '"/><circle cx="112" cy="80" r="17" fill="#fffbe8"/><circle cx="112" cy="80" r="10" fill="' + x + '"/>' +
        '<rect x="86" y="98" width="52" height="6" rx="3" fill="' + dark + '"/>',
    }[p.kind];
    return '<svg class="art" viewBox="0 0 240 180" role="img" aria-label="' + esc(p.name) + '" style="background:' + bg + '">' +
      '<circle cx="190" cy="40" r="70" fill="' + main + '" opacity=".08"/><circle cx="30" cy="170" r="50" fill="' + main + '" opacity=".06"/>' + s + "</svg>";
  }

  var LOGO = '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#1f4d3f"/>' +
    '<path d="M4 25L12.5 11L17 18L20.5 13L28 25Z" fill="#fff"/><path d="M12.5 11L15 15L13 14.5L11 16Z" fill="#1f4d3f"/><circle cx="24" cy="9" r="3" fill="#e4683a"/></svg>';

  var ICON_SEARCH = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="5" stroke="currentColor" stroke-width="2" fill="none"/><path d="M11 11L14.5 14.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
  var ICON_CHAT = '<svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true"><path d="M3 4.5C3 3.7 3.7 3 4.5 3H15.5C16.3 3 17 3.7 17 4.5V12.5C17 13.3 16.3 14 15.5 14H8L4.5 17V14H4.5C3.7 14 3 13.3 3 12.5Z" fill="currentColor"/><circle cx="7" cy="8.5" r="1.2" fill="#1f4d3f"/><circle cx="10" cy="8.5" r="1.2" fill="#1f4d3f"/><circle cx="13" cy="8.5" r="1.2" fill="#1f4d3f"/></svg>';

  // ------------------------------------------------------------ utilities
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function $(sel, root) { return (root || d).querySelector(sel); }
  function param(name) { return new URLSearchParams(location.search).get(name); }
  function get(store, key, def) {
    try {
      var v = store.getItem(key);
      return v == null ? def : JSON.parse(v);
    } catch (e) {
      return def;
    }
  }
  function put(store, key, v) {
    try {
      store.setItem(key, JSON.stringify(v));
    } catch (e) { /* storage full or blocked: the demo goes on in memory */ }
  }
  function clock(t) {
    var x = new Date(t);
    return [x.getHours(), x.getMinutes(), x.getSeconds()].map(function (n) { return (n < 10 ? "0" : "") + n; }).join(":");
  }

  // ----------------------------------------------------------- event panel
  // It shows each page API call the shop makes, and what the tag sent and
  // what came back, from the tag's debug log (data-debug="true" on the
  // snippet's script tag: the tag then logs every request and answer to
  // the console). Entries are kept in sessionStorage across page loads.
  var EVENTS = "northpeak:events", IDS = "northpeak:ids", PANEL = "northpeak:panel", MAX_EVENTS = 80;
  var events = get(sessionStorage, EVENTS, []);
  var ids = get(sessionStorage, IDS, {});
  var here = location.pathname + location.search;
  var panelList = null;

  function addEvent(e) {
    e.time = Date.now();
    e.page = here;
    events.push(e);
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    put(sessionStorage, EVENTS, events);
    renderEvents();
  }

  function pretty(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  // sdeTypes names the engagement attributes of a request body.
  function sdeTypes(body) {
    try {
      var b = JSON.parse(body);
      return (b.engagementAttributes || b.sdes || []).map(function (s) { return s.type; });
    } catch (e) {
      return [];
    }
  }

  function learnIDs(body) {
    try {
      var a = JSON.parse(body);
      var changed = false;
      ["visitorId", "sessionId", "conversationId"].forEach(function (k) {
        if (typeof a[k] == "string" && a[k] && ids[k] !== a[k]) {
          ids[k] = a[k];
          changed = true;
        }
      });
      // Each flow's visitor: pages with lpTag report with lpTag's ids,
      // the others with the tag's own.
      var flow = w.lpTag ? "lpTagVisitorId" : "tagVisitorId";
      if (typeof a.visitorId == "string" && a.visitorId && ids[flow] !== a.visitorId) {
        ids[flow] = a.visitorId;
        changed = true;
      }
      if (changed) {
        put(sessionStorage, IDS, ids);
        renderIDs();
      }
    } catch (e) { /* not JSON: nothing to learn */ }
  }

  // fromTag reads one line of the tag's console output.
  function fromTag(level, msg) {
    var m = /^lpedge: ([\w. ]+?) answer: (\d{3}|no answer)\s?([\s\S]*)$/.exec(msg);
    if (m) {
      var ok = /^2/.test(m[2]);
      if (ok) learnIDs(m[3]);
      addEvent({ kind: ok ? "ok" : "bad", label: "answer", title: m[1] + " \u2190 " + m[2], body: m[3] ? pretty(m[3]) : "" });
      return;
    }
    m = /^lpedge: ([\w. ]+?): (GET|POST|PUT) (\S+)\s?([\s\S]*)$/.exec(msg);
    if (m) {
      var path = m[3].replace(/^https?:\/\/[^/]+/, "");
      addEvent({ kind: "sent", label: "sent", title: m[1] + " \u2192 " + m[2] + " " + path, sdes: sdeTypes(m[4]), body: pretty(m[4]) });
      return;
    }
    addEvent({ kind: level == "log" ? "info" : "bad", label: level == "log" ? "tag" : level, title: msg.replace(/^lpedge: /, "") });
  }

  ["log", "warn", "error"].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      var m = arguments[0];
      if (typeof m == "string" && m.indexOf("lpedge") === 0) {
        try {
          fromTag(level, m);
        } catch (e) { /* the panel must never break the page */ }
      }
      return orig.apply(console, arguments);
    };
  });

  function renderIDs() {
    var box = $("#evp-ids");
    if (!box) return;
    var lp = C.lptest || "";
    function row(label, id, href) {
      return "<dt>" + label + "</dt><dd>" + (id ? '<a href="' + esc(href) + '" target="_blank" title="' + esc(id) + '">' + esc(id) + "</a>" : "\u2014") + "</dd>";
    }
    // The other flow's visitor, when there is one: see the shoes page.
    var other = w.lpTag ? ids.tagVisitorId : ids.lpTagVisitorId;
    box.innerHTML =
      row("visitor", ids.visitorId, lp + "/lptest/?visitor=" + encodeURIComponent(ids.visitorId || "")) +
      (other && other !== ids.visitorId ? row(w.lpTag ? "tag's own" : "lpTag's", other, lp + "/lptest/?visitor=" + encodeURIComponent(other)) : "") +
      row("session", ids.sessionId, lp + "/lptest/calls?visitor=" + encodeURIComponent(ids.visitorId || "")) +
      row("conversation", ids.conversationId, lp + "/lptest/?conversation=" + encodeURIComponent(ids.conversationId || "")) +
      '<dt>LivePerson</dt><dd><a href="' + esc(lp) + '/lptest/" target="_blank">agent view</a> \u00b7 <a href="' + esc(lp) + '/lptest/calls" target="_blank">inspector</a></dd>';
  }

  function renderEvents() {
    if (!panelList) return;
    if (!events.length) {
      panelList.innerHTML = '<div class="evp-empty">Nothing yet. Browse the shop: every page API call, each request the tag sends and each answer shows up here.</div>';
      return;
    }
    var html = [], page = null;
    for (var i = events.length - 1; i >= 0; i--) {
      var e = events[i];
      if (e.page !== page) {
        page = e.page;
        html.push('<div class="evp-page">' + esc(page) + "</div>");
      }
      var sdes = (e.sdes || []).map(function (t) { return '<span class="sde">' + esc(t) + "</span>"; }).join("");
      var head = '<span class="k">' + esc(e.label) + '</span><span class="t">' + esc(e.title) + sdes + '</span><span class="time">' + clock(e.time) + "</span>";
      if (e.body) {
        html.push('<details class="ev ' + e.kind + '"' + (i === events.length - 1 && e.kind != "info" ? " open" : "") + "><summary>" + head + "</summary><pre>" + esc(e.body) + "</pre></details>");
      } else {
        html.push('<div class="ev ' + e.kind + '"><div class="line1">' + head + "</div></div>");
      }
    }
    panelList.innerHTML = html.join("");
  }

  function mountPanel() {
    var aside = d.createElement("aside");
    aside.className = "evp";
    aside.id = "event-panel";
    aside.setAttribute("aria-label", "lpedge event log");
    aside.innerHTML =
      '<div class="evp-head"><div class="title">lpedge event log<small>page API calls, what the tag sent, what came back</small></div>' +
      '<div class="acts"><button type="button" class="clear">Clear</button> <button type="button" class="toggle" title="Show or hide the event log">\u21c6</button></div></div>' +
      '<dl class="evp-ids" id="evp-ids"></dl><div class="evp-list" id="evp-list"></div>';
    d.body.appendChild(aside);
    d.body.classList.add("with-panel");
    if (get(localStorage, PANEL, "open") == "closed") d.body.classList.add("panel-closed");
    $(".clear", aside).onclick = function () {
      events = [];
      put(sessionStorage, EVENTS, events);
      renderEvents();
    };
    $(".toggle", aside).onclick = function () {
      var closed = d.body.classList.toggle("panel-closed");
      put(localStorage, PANEL, closed ? "closed" : "open");
    };
    panelList = $("#evp-list");
    renderIDs();
    renderEvents();
  }

  // ------------------------------------------------------------ the tag
  // lp calls the page API (window.lpedge, defined by the snippet's stub)
  // and logs the call in the panel; Promise results are logged too.
  function lp(method) {
    var args = [].slice.call(arguments, 1);
    var shown = args.map(function (a) { return JSON.stringify(a); }).join(", ");
    addEvent({ kind: "call", label: "call", title: "lpedge." + method + "(" + (shown.length > 70 ? shown.slice(0, 67) + "\u2026" : shown) + ")",
      body: args.length && shown.length > 70 ? args.map(function (a) { return JSON.stringify(a, null, 2); }).join(",\n") : "" });
    var path = method.split(".");
    var obj = path.length > 1 ? w.lpedge[path[0]] : w.lpedge;
    var r = obj[path[path.length - 1]].apply(obj, args);
    if (r && typeof r.then == "function") {
      r.then(function (v) {
        addEvent({ kind: "ok", label: "result", title: "lpedge." + method + " \u2192 " + JSON.stringify(v === undefined ? null : v) });
      }, function (err) {
        // The tag's errors name the call themselves ("lpedge: engagement: ...").
        addEvent({ kind: "bad", label: "rejected", title: String(err && err.message || err) });
      });
    }
    return r;
  }

  // ------------------------------------------------------------- cart, user
  var CART = "northpeak:cart", USER = "northpeak:user", ORDER = "northpeak:order", CHAT = "northpeak:chat";

  function cart() {
    return get(localStorage, CART, []).filter(function (l) { return bySku(l.sku) && l.qty > 0; });
  }
  function saveCart(lines) {
    put(localStorage, CART, lines);
    renderCartCount();
  }
  function cartCount(lines) {
    return lines.reduce(function (n, l) { return n + l.qty; }, 0);
  }
  function cartTotal(lines) {
    return Math.round(lines.reduce(function (s, l) { return s + bySku(l.sku).price * l.qty; }, 0) * 100) / 100;
  }
  function segment(p, qty) {
    return { product_id: p.sku, sku: p.sku, name: p.name, category: p.category, price: p.price, quantity: qty };
  }
  // products are the cart as Segment's e-commerce spec lists it: the tag
  // reports the whole cart, as LivePerson replaces the cart attribute.
  function products(lines) {
    return lines.map(function (l) { return segment(bySku(l.sku), l.qty); });
  }
  function user() { return get(localStorage, USER, null); }

  // ------------------------------------------------------------- layout
  function header(current) {
    var u = user();
    var nav = [["/", "Shop", "home"], ["/shoes.html", 'Shoes<span class="tag">lpTag</span>', "shoes"]];
    return '<div class="topbar"><strong>Demo shop for lpedge</strong> \u00b7 LivePerson here is lptest, in memory \u00b7 free shipping over \u20ac50</div>' +
      '<header class="site"><div class="inner">' +
      '<a class="logo" href="/">' + LOGO + "Northpeak</a>" +
      "<nav>" + nav.map(function (n) { return '<a href="' + n[0] + '"' + (n[2] == current ? ' class="current"' : "") + ">" + n[1] + "</a>"; }).join("") + "</nav>" +
      '<form class="search" action="/search.html" role="search"><input name="q" type="search" placeholder="Search boots, jackets, packs\u2026" aria-label="Search" value="' + esc(current == "search" ? param("q") || "" : "") + '"><button type="submit" aria-label="Search">' + ICON_SEARCH + '</button></form>' +
      '<div class="account-links">' +
      (u ? '<a href="/signin.html" id="signin-link" title="Signed in as ' + esc(u.email) + '">Hi, ' + esc(u.firstName) + (u.tier == "vip" ? ' <span class="badge">VIP</span>' : "") + "</a>"
        : '<a href="/signin.html" id="signin-link">Sign in</a>') +
      '<a href="/cart.html" class="cart-link" id="cart-link">Cart <span class="cart-count" id="cart-count">0</span></a>' +
      "</div></div></header>";
  }

  function renderCartCount() {
    var el = $("#cart-count");
    if (!el) return;
    var n = cartCount(cart());
    el.textContent = n;
    el.classList.toggle("zero", n === 0);
  }

  function footer() {
    return '<footer class="site"><div class="inner"><span>Northpeak is the demo shop of <strong>lpedge</strong>: a Go/WebAssembly tag that reports shop events to LivePerson.</span>' +
      '<span><a href="' + esc(C.lptest || "") + '/lptest/" target="_blank">Agent view</a> \u00b7 <a href="' + esc(C.lptest || "") + '/lptest/calls" target="_blank">Inspector</a></span></div></footer>';
  }

  function card(p) {
    return '<a class="card" href="/product.html?sku=' + encodeURIComponent(p.sku) + '" data-sku="' + esc(p.sku) + '">' + art(p) +
      '<div class="body"><span class="cat">' + esc(CATEGORIES[p.category]) + (p.badge ? ' <span class="badge">' + esc(p.badge) + "</span>" : "") + "</span>" +
      '<span class="name">' + esc(p.name) + '</span><span class="price">' + money.format(p.price) + "</span></div></a>";
  }

  // ------------------------------------------------------------- chat
  // The chat box: lpedge.engagement asks LivePerson whether a campaign
  // offers this visitor a conversation; the first message opens it with
  // lpedge.conversation.start; then conversation.send and .close. The
  // agent's side arrives through lpedge.conversation.on: messages, typing,
  // receipts and the conversation's state. After a reload the tag hands
  // the listeners the conversation's history again, so the transcript is
  // not stored here: only the box's own notes are (sessionStorage).
  var chat = get(sessionStorage, CHAT, { open: false, notes: [] });
  chat.notes = chat.notes || [];
  // The transcript of the open conversation, from the tag's events:
  // items by the proxy's seq, own messages not echoed yet, receipts by
  // LivePerson's sequence, the agent's typing.
  var talk = { items: {}, pending: [], receipts: {}, typing: false, agent: false };

  function saveChat() { put(sessionStorage, CHAT, { open: chat.open, notes: chat.notes, engagement: chat.engagement, conversationId: chat.conversationId }); }

  function mountChat(sections) {
    var launcher = d.createElement("button");
    launcher.className = "chat-launcher";
    launcher.id = "chat-launcher";
    launcher.type = "button";
    launcher.setAttribute("aria-label", "Chat with us");
    launcher.innerHTML = ICON_CHAT + ' <span class="label">Chat with us</span>';
    var box = d.createElement("section");
    box.className = "chat-box";
    box.id = "chat-box";
    box.hidden = true;
    box.innerHTML =
      '<div class="chat-head"><div class="avatar">N</div><div class="who">Northpeak support<small id="chat-status">We usually answer in a few minutes</small></div>' +
      '<button type="button" id="chat-end" hidden>End chat</button><button type="button" id="chat-min" aria-label="Minimize">\u2013</button></div>' +
      '<div class="chat-log" id="chat-log" aria-live="polite"></div>' +
      '<div class="chat-retry" id="chat-retry" role="alert" hidden><span id="chat-retry-text"></span><button type="button" id="chat-retry-btn">Retry</button></div>' +
      '<button type="button" class="chat-again" id="chat-again" hidden>Start a new chat</button>' +
      '<form class="chat-form" id="chat-form"><input id="chat-input" autocomplete="off" placeholder="Write a message\u2026" maxlength="5000" disabled><button id="chat-send" disabled>Send</button></form>';
    d.body.appendChild(launcher);
    d.body.appendChild(box);
    var input = $("#chat-input"), send = $("#chat-send");

    // Ticks of the shopper's own messages: the send answered, then the
    // agent's receipts (ACCEPT: delivered, READ: read).
    function tick(m) {
      var r = talk.receipts[m.sequence];
      return r == "READ" ? "read \u2713\u2713" : r == "ACCEPT" ? "delivered \u2713\u2713" : "sent \u2713";
    }
    function bubble(m) {
      var body = m.text != null ? esc(m.text) : '<span class="rich">' + esc(JSON.stringify(m.content)) + "</span>";
      if (m.own) return '<div class="chat-msg" data-sequence="' + m.sequence + '">' + body + '<span class="st">' + tick(m) + "</span></div>";
      var who = m.role == "ASSIGNED_AGENT" ? "Northpeak agent" : m.role == "CONSUMER" ? "You" : "Northpeak (" + m.role.toLowerCase().replace(/_/g, " ") + ")";
      return '<div class="chat-agent" data-sequence="' + m.sequence + '"><span class="from">' + esc(who) + "</span>" + body + "</div>";
    }
    function render() {
      launcher.hidden = chat.open;
      box.hidden = !chat.open;
      $("#chat-end").hidden = !chat.conversationId;
      $("#chat-again").hidden = !talk.closed;
      var ready = !!(chat.conversationId || chat.engagement) && !talk.closed;
      input.disabled = send.disabled = !ready || !!chat.busy;
      $("#chat-status").textContent = talk.closed ? "Conversation closed" : talk.agent ? "An agent is with you" :
        chat.conversationId ? "Waiting for an agent\u2026" : chat.engagement ? "An agent is available" : "We usually answer in a few minutes";
      // Messages by LivePerson's time (a webhook may come late), the box's
      // notes by theirs, then what is still on its way.
      var all = chat.notes.concat(Object.keys(talk.items).map(function (k) { return talk.items[k]; }));
      // Within one millisecond LivePerson's sequence orders messages, not
      // the order their webhooks came in.
      all.sort(function (a, b) {
        return a.time - b.time || (a.sequence != null && b.sequence != null ? a.sequence - b.sequence : (a.seq || 0) - (b.seq || 0));
      });
      var html = all.map(function (m) {
        if (m.sequence != null) return bubble(m);
        return '<div class="chat-note' + (m.bad ? " bad" : "") + '">' + esc(m.text) + "</div>";
      });
      talk.pending.forEach(function (m) {
        html.push('<div class="chat-msg pending">' + esc(m.text) + '<span class="st">' + esc(m.st) + "</span></div>");
      });
      if (talk.typing && !talk.closed) html.push('<div class="chat-typing" id="chat-typing">Northpeak agent is typing<span>.</span><span>.</span><span>.</span></div>');
      var log = $("#chat-log");
      log.innerHTML = html.join("");
      log.scrollTop = log.scrollHeight;
    }
    function note(text, bad) {
      chat.notes.push({ text: text, bad: !!bad, time: Date.now() });
      saveChat();
      render();
    }
    // failed says that a call of the page API was refused or could not
    // reach the proxy (its promise rejected), with a Retry button that
    // runs again; the bar goes when Retry is pressed.
    var retryBar = $("#chat-retry");
    function failed(text, again) {
      chat.busy = false;
      note(text, true);
      $("#chat-retry-text").textContent = text;
      retryBar.hidden = false;
      $("#chat-retry-btn").onclick = function () {
        retryBar.hidden = true;
        again();
      };
    }

    // The conversation's events. Listeners added now, before the tag is
    // ready, also get the history after a reload.
    // Each event also goes to the event panel, as what came back.
    var on = function (name, f) {
      w.lpedge.conversation.on(name, function (e) {
        addEvent({ kind: "ok", label: "event", title: "conversation.on(\"" + name + "\") \u2190 " + (e.role || e.state || "") +
          (name == "typing" ? (e.typing ? " typing" : " stopped typing") : ""), body: JSON.stringify(e, null, 2) });
        f(e);
      });
    };
    on("message", function (m) {
      if (m.own) {
        // The echo of a message this page sent: it replaces the pending one.
        for (var i = 0; i < talk.pending.length; i++) {
          if (talk.pending[i].text === m.text) {
            talk.pending.splice(i, 1);
            break;
          }
        }
      } else {
        talk.typing = false;
      }
      talk.items[m.seq] = m;
      render();
    });
    on("typing", function (e) {
      talk.typing = e.typing;
      render();
    });
    on("read", function (e) {
      e.sequences.forEach(function (s) {
        if (talk.receipts[s] != "READ") talk.receipts[s] = e.status;
      });
      render();
    });
    on("state", function (e) {
      if (e.state == "accepted" && !talk.agent) {
        talk.agent = true;
        talk.items["s" + (e.seq || 0)] = { text: "A Northpeak agent joined the conversation.", time: e.time || Date.now(), seq: e.seq };
      }
      if (e.state == "closed") {
        talk.closed = true;
        talk.typing = false;
        talk.items["s" + (e.seq || "own")] = { text: e.own ? "You ended the conversation. Thanks for chatting with Northpeak!" : "The agent closed the conversation.",
          time: e.time || Date.now(), seq: e.seq };
        chat.conversationId = null;
        chat.engagement = null;
        saveChat();
      }
      render();
    });

    function engage() {
      chat.busy = true;
      note("Looking for an available agent\u2026");
      lp("engagement", { sections: sections }).then(function (e) {
        chat.busy = false;
        if (!e) {
          note("No engagement is offered to you right now: LivePerson's campaigns decide who may chat (here: VIP customers, carts over \u20ac100, the shoes section, everyone else last).", true);
          return;
        }
        chat.engagement = e;
        note("Campaign " + e.campaignId + " offers engagement " + e.engagementId + " (context " + e.contextId + "). Write your message to start the conversation.");
      }, function (err) {
        failed("No agent could be asked: " + err.message, engage);
      });
    }
    function profileSDEs() {
      // A conversation carries ctmrinfo and personal (lp_sdes), never the
      // customer id; the tag leaves out what LivePerson would refuse.
      var u = user();
      if (!u) return [];
      return [
        { type: "personal", personal: { firstname: u.firstName, lastname: u.lastName, contacts: [{ email: u.email }] } },
        { type: "ctmrinfo", info: { ctype: u.tier, cstatus: "signed in" } },
      ];
    }
    function deliver(msg, retried) {
      var p = chat.conversationId
        ? lp("conversation.send", msg.text)
        : lp("conversation.start", { message: msg.text, lang: "en-US", sdes: profileSDEs() }).then(function (r) {
          chat.conversationId = r.conversationId;
          note("Conversation opened. An agent will answer here.");
        });
      p.then(function () {
        msg.st = "sent \u2713";
        chat.busy = false;
        saveChat();
        render();
        input.focus();
      }, function (err) {
        if (!retried && chat.conversationId && /no conversation is open/.test(err.message)) {
          chat.conversationId = null; // the tag lost it (another tab closed it): open a new one
          return deliver(msg, true);
        }
        talk.pending.splice(talk.pending.indexOf(msg), 1);
        failed("Not sent: \u201c" + msg.text + "\u201d: " + err.message, function () {
          msg.st = "sending\u2026";
          talk.pending.push(msg);
          chat.busy = true;
          render();
          deliver(msg, false);
        });
      });
    }
    launcher.onclick = function () {
      chat.open = true;
      saveChat();
      render();
      if (!chat.conversationId && !chat.engagement && !chat.busy && !talk.closed) engage();
      input.focus();
    };
    $("#chat-min").onclick = function () {
      chat.open = false;
      saveChat();
      render();
    };
    function end() {
      chat.busy = true;
      render();
      lp("conversation.close").then(function () {
        chat.busy = false;
        render();
      }, function (err) {
        failed("The chat could not be ended: " + err.message, end);
      });
    }
    $("#chat-end").onclick = end;
    $("#chat-again").onclick = function () {
      talk = { items: {}, pending: [], receipts: {}, typing: false, agent: false };
      chat.notes = [];
      saveChat();
      engage();
      render();
    };
    // The agent sees the shopper typing: on while the input changes, off
    // after 3 seconds of quiet (sending ends it too, in the tag).
    var quiet;
    input.oninput = function () {
      if (!chat.conversationId) return;
      w.lpedge.conversation.typing(input.value.trim() != "");
      clearTimeout(quiet);
      quiet = setTimeout(function () { w.lpedge.conversation.typing(false); }, 3000);
    };
    $("#chat-form").onsubmit = function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text || chat.busy) return;
      input.value = "";
      clearTimeout(quiet);
      var msg = { text: text, st: "sending\u2026" };
      talk.pending.push(msg);
      chat.busy = true;
      render();
      deliver(msg, false);
    };
    chat.busy = false; // a page left while waiting does not block the next
    render();
  }

  // ------------------------------------------------------------- pages
  var pages = {};

  pages.home = function (main) {
    var cat = param("category");
    var list = PRODUCTS.filter(function (p) { return !cat || p.category == cat; });
    main.innerHTML =
      '<section class="hero"><div><h1>Gear for the<br>long way up.</h1><p>Trail shoes, shells and packs, tested on real mountains. Every click here becomes an engagement attribute in LivePerson.</p>' +
      '<a class="btn" href="/shoes.html">Shop shoes</a> <a class="btn secondary" href="/search.html?q=waterproof">Find waterproof gear</a></div>' +
      '<svg class="art" viewBox="0 0 360 220" aria-hidden="true"><circle cx="282" cy="58" r="34" fill="#f7c873"/>' +
      '<path d="M0 220L108 64L168 148L226 86L360 220Z" fill="#173b30"/><path d="M108 64L130 96L116 90L102 104L90 90Z" fill="#fff"/>' +
      '<path d="M226 86L248 114L234 110L222 120L210 108Z" fill="#fff"/><path d="M0 220L70 150L120 196L190 140L260 200L300 170L360 220Z" fill="#2c5f4e"/></svg></section>' +
      '<div class="filters">' + [["", "All"], ["shoes", "Shoes"], ["apparel", "Apparel"], ["gear", "Gear"]].map(function (c) {
        return '<a class="chip' + ((cat || "") == c[0] ? " on" : "") + '" href="/' + (c[0] ? "?category=" + c[0] : "") + '">' + c[1] + "</a>";
      }).join("") + "</div>" +
      '<div class="grid" id="products">' + list.map(card).join("") + "</div>";
    if (cat) lp("page", { sections: [cat] });
    else lp("page");
    return cat ? [cat] : [];
  };

  pages.shoes = function (main) {
    var list = PRODUCTS.filter(function (p) { return p.category == "shoes"; });
    main.innerHTML =
      '<div class="crumbs"><a href="/">Shop</a> / Shoes</div><h1>Shoes</h1><p class="lead">Trail runners, boots and sneakers.</p>' +
      '<div class="dept-banner" id="lptag-banner"><span class="dot" id="lptag-dot"></span><div>This page runs a <strong>stand-in for LivePerson\'s lpTag</strong> with <code>lpTag.section = ["shoes"]</code>. ' +
      'lpedge reports with lpTag\'s visitor and session (<code>lpTag.taglets.lp_monitoringSDK.getVid()</code> / <code>getSid()</code>) instead of its own: the monitored flow. ' +
      'lpTag: <strong id="lptag-state">waiting for its monitoring ids\u2026</strong>' +
      '<p id="lptag-why" class="why"></p></div></div>' +
      '<div class="grid" id="products">' + list.map(card).join("") + "</div>";
    var show = function () {
      var sdk = w.lpTag && w.lpTag.taglets && w.lpTag.taglets.lp_monitoringSDK;
      var vid = sdk && sdk.getVid();
      if (!vid) return;
      $("#lptag-dot").classList.add("on");
      $("#lptag-state").textContent = "vid " + vid + ", sid " + sdk.getSid();
      // Why LivePerson sees another visitor here than on the other pages.
      var own = ids.tagVisitorId;
      $("#lptag-why").textContent = "Why another visitor? Here LivePerson sees lpTag's visitor " + vid + ", not " +
        (own ? "the visitor " + own + " of the other pages, which have no lpTag: there the tag keeps its own ids" : "the one of the pages without lpTag, where the tag keeps its own ids") +
        ". In the monitored flow the visitor and session come from lpTag. A real site runs lpTag on every page or on none, so LivePerson sees one visitor; this demo runs it on this page only, to show both flows.";
    };
    show();
    if (w.lpTag && w.lpTag.events) w.lpTag.events.bind("lp_monitoringSDK", "SP_SENT", show);
    // No sections: the tag reads lpTag.section, as it does on a site running lpTag.
    lp("page");
    lp("track", "Product List Viewed", { category: "shoes", currency: CURRENCY, products: list.map(function (p) { return segment(p, 1); }) });
    return ["shoes"];
  };

  pages.product = function (main) {
    var p = bySku(param("sku"));
    if (!p) {
      main.innerHTML = '<div class="empty-state"><h1>Product not found</h1><p>It may have sold out for good. <a href="/">Back to the shop</a></p></div>';
      lp("page");
      return [];
    }
    d.title = p.name + " \u00b7 Northpeak";
    main.innerHTML =
      '<div class="crumbs"><a href="/">Shop</a> / <a href="/' + (p.category == "shoes" ? "shoes.html" : "?category=" + p.category) + '">' + CATEGORIES[p.category] + "</a> / " + esc(p.name) + "</div>" +
      '<div class="product"><div class="art">' + art(p) + "</div><div>" +
      (p.badge ? '<span class="badge">' + esc(p.badge) + "</span>" : "") + "<h1>" + esc(p.name) + '</h1><div class="price">' + money.format(p.price) + "</div>" +
      '<p class="desc">' + esc(p.desc) + "</p>" +
      '<div id="added"></div>' +
      '<div class="buy"><div class="qty"><button type="button" data-d="-1" aria-label="One less">\u2212</button><input id="qty" value="1" inputmode="numeric" aria-label="Quantity"><button type="button" data-d="1" aria-label="One more">+</button></div>' +
      '<button class="btn" id="add-to-cart" type="button">Add to cart</button></div>' +
      '<ul class="perks"><li>Free shipping over \u20ac50</li><li>30-day returns</li><li>SKU ' + esc(p.sku) + "</li></ul></div></div>" +
      "<h2>You may also like</h2><div class=\"grid\">" + PRODUCTS.filter(function (o) { return o.category == p.category && o !== p; }).slice(0, 3).map(card).join("") + "</div>";
    var qty = $("#qty");
    [].forEach.call(main.querySelectorAll(".qty button"), function (b) {
      b.onclick = function () { qty.value = Math.max(1, Math.min(9, (parseInt(qty.value, 10) || 1) + parseInt(b.dataset.d, 10))); };
    });
    $("#add-to-cart").onclick = function () {
      var n = Math.max(1, Math.min(9, parseInt(qty.value, 10) || 1));
      var lines = cart();
      var line = lines.filter(function (l) { return l.sku == p.sku; })[0];
      if (line) line.qty += n;
      else lines.push({ sku: p.sku, qty: n });
      saveCart(lines);
      var ev = segment(p, n);
      ev.currency = CURRENCY;
      ev.products = products(lines);
      lp("track", "Product Added", ev);
      $("#added").innerHTML = '<p class="notice" id="added-notice">Added ' + n + " \u00d7 " + esc(p.name) + ' to your cart. <a href="/cart.html">View cart (' + money.format(cartTotal(lines)) + ") \u2192</a></p>";
    };
    lp("page", { sections: [p.category] });
    lp("track", "Product Viewed", { product_id: p.sku, sku: p.sku, name: p.name, category: p.category, price: p.price, currency: CURRENCY });
    return [p.category];
  };

  // The GA4 page (ga4.html): a product page as a Google Tag Manager shop
  // instruments it, with Google's recommended GA4 ecommerce pushes to
  // window.dataLayer (ecommerce: null first; prices as strings, as many
  // shops send them) and not one lpedge call: the snippet's
  // data-capture="datalayer" has the tag read the pushes.
  pages.ga4 = function (main) {
    var p = bySku(param("sku")) || PRODUCTS[0];
    var layer = (w.dataLayer = w.dataLayer || []);
    function item(n) {
      return { item_id: p.sku, item_name: p.name, item_category: CATEGORIES[p.category], price: String(p.price), quantity: n };
    }
    function push(event, ecommerce) {
      var e = { event: event, ecommerce: ecommerce };
      layer.push({ ecommerce: null });
      layer.push(e);
      addEvent({ kind: "call", label: "dataLayer", title: 'dataLayer.push({event: "' + event + '", ecommerce: {\u2026}})', body: JSON.stringify(e, null, 2) });
    }
    d.title = p.name + " (GA4) \u00b7 Northpeak";
    main.innerHTML =
      '<div class="crumbs"><a href="/">Shop</a> / GA4 dataLayer / ' + esc(p.name) + "</div>" +
      '<div class="dept-banner"><span class="dot on"></span><div>This page calls <strong>no lpedge method</strong>: it pushes GA4 ecommerce events to <code>window.dataLayer</code>, as a Google Tag Manager shop does, ' +
      'and the tag reads them (<code>data-capture="datalayer"</code> on its script tag): <code>view_item</code> becomes a prodView, <code>add_to_cart</code> the whole cart, <code>purchase</code> a purchase.</div></div>' +
      '<div class="product"><div class="art">' + art(p) + "</div><div><h1>" + esc(p.name) + '</h1><div class="price">' + money.format(p.price) + "</div>" +
      '<p class="desc">' + esc(p.desc) + "</p>" +
      '<div id="added"></div>' +
      '<div class="buy"><button class="btn" id="add-to-cart" type="button">Add to cart</button><button class="btn" id="buy-now" type="button">Buy now</button></div></div></div>';
    $("#add-to-cart").onclick = function () {
      push("add_to_cart", { currency: CURRENCY, value: p.price, items: [item(1)] });
      $("#added").innerHTML = '<p class="notice" id="added-notice">add_to_cart pushed: 1 \u00d7 ' + esc(p.name) + ".</p>";
    };
    $("#buy-now").onclick = function () {
      var id = "GA4-" + Date.now().toString(36).toUpperCase();
      push("purchase", { transaction_id: id, currency: CURRENCY, value: p.price, tax: Math.round(p.price * 19) / 100, shipping: 0, items: [item(1)] });
      $("#added").innerHTML = '<p class="notice" id="order-notice">purchase pushed: order <strong id="order-id">' + id + "</strong>.</p>";
    };
    push("view_item", { currency: CURRENCY, value: p.price, items: [item(1)] });
    return [p.category];
  };

  pages.search = function (main) {
    var q = (param("q") || "").trim();
    var words = q.toLowerCase().split(/\s+/).filter(Boolean);
    var hits = PRODUCTS.filter(function (p) {
      var text = (p.name + " " + p.category + " " + p.desc).toLowerCase();
      return words.length && words.some(function (wd) { return text.indexOf(wd) >= 0; });
    });
    main.innerHTML = "<h1>" + (q ? "Results for \u201c" + esc(q) + "\u201d" : "Search") + "</h1>" +
      '<p class="lead">' + (q ? hits.length + " product" + (hits.length == 1 ? "" : "s") + " found" : "Type what you are looking for in the search box above.") + "</p>" +
      (hits.length ? '<div class="grid" id="products">' + hits.map(card).join("") + "</div>"
        : q ? '<div class="empty-state">Nothing matched. Try \u201cboot\u201d, \u201cjacket\u201d or \u201cwaterproof\u201d.</div>' : "");
    lp("page");
    if (q) lp("track", "Products Searched", { query: q });
    return [];
  };

  function linesHTML(lines, editable) {
    return '<ul class="lines">' + lines.map(function (l) {
      var p = bySku(l.sku);
      return '<li class="line" data-sku="' + esc(p.sku) + '"><div class="art">' + art(p) + "</div>" +
        '<div><a class="name" href="/product.html?sku=' + encodeURIComponent(p.sku) + '">' + esc(p.name) + "</a>" +
        '<div class="meta">' + l.qty + " \u00d7 " + money.format(p.price) + (editable ? ' \u00b7 <button type="button" class="link-btn remove" data-sku="' + esc(p.sku) + '">Remove</button>' : "") + "</div></div>" +
        '<div class="total">' + money.format(p.price * l.qty) + "</div></li>";
    }).join("") + "</ul>";
  }

  function summary(lines) {
    var total = cartTotal(lines), ship = total >= 50 || !total ? 0 : 4.95;
    return '<dl class="sum"><dt>Items (' + cartCount(lines) + ")</dt><dd>" + money.format(total) + "</dd><dt>Shipping</dt><dd>" + (ship ? money.format(ship) : "Free") + "</dd>" +
      '<dt class="grand">Total</dt><dd class="grand" id="order-total">' + money.format(total + ship) + "</dd></dl>";
  }

  pages.cart = function (main) {
    function render() {
      var lines = cart();
      main.innerHTML = "<h1>Your cart</h1>" + (lines.length
        ? '<div class="two-col"><div class="panel-box">' + linesHTML(lines, true) + '</div><div class="panel-box">' + summary(lines) +
          '<a class="btn block" id="checkout" href="/checkout.html">Checkout</a><p class="hint">Carts over \u20ac100 may get a chat invitation: a campaign targets the cart attribute.</p></div></div>'
        : '<div class="panel-box empty-state">Your cart is empty. <a href="/">Find something you like \u2192</a></div>');
      [].forEach.call(main.querySelectorAll(".remove"), function (b) {
        b.onclick = function () {
          var p = bySku(b.dataset.sku);
          var rest = cart().filter(function (l) { return l.sku != p.sku; });
          saveCart(rest);
          lp("track", "Product Removed", { product_id: p.sku, name: p.name, currency: CURRENCY, products: products(rest) });
          render();
        };
      });
    }
    render();
    lp("page");
    lp("track", "Cart Viewed", { currency: CURRENCY, products: products(cart()) });
    return [];
  };

  function orderHTML(o) {
    return '<div class="confirm" id="order-confirmation"><div class="tick">\u2713</div><h1>Thank you, ' + esc(o.firstName) + "!</h1>" +
      '<p class="lead">Order <span class="order-id" id="order-id">' + esc(o.id) + "</span> is confirmed. We sent the receipt to " + esc(o.email) + ".</p>" +
      '<div class="panel-box" style="text-align:left">' + linesHTML(o.lines, false) + summary(o.lines) + "</div>" +
      '<p><a class="btn secondary" href="/">Continue shopping</a></p></div>';
  }

  pages.checkout = function (main) {
    var lines = cart();
    if (!lines.length) {
      main.innerHTML = '<h1>Checkout</h1><div class="panel-box empty-state">Your cart is empty. <a href="/">Back to the shop \u2192</a></div>';
      lp("page");
      return [];
    }
    // A guest gets a demo name and email, as the address is filled in: a
    // signed-in shopper gets their own.
    var u = user() || { firstName: "Alex", lastName: "Berger", email: "alex.berger@example.com" };
    function field(name, label, value, type) {
      return "<label>" + label + '<input name="' + name + '" type="' + (type || "text") + '" required value="' + esc(value || "") + '"></label>';
    }
    main.innerHTML = '<div class="crumbs"><a href="/cart.html">Cart</a> / Checkout</div><h1>Checkout</h1>' +
      '<div class="two-col"><form class="stack panel-box" id="checkout-form">' +
      '<div class="row">' + field("firstName", "First name", u.firstName) + field("lastName", "Last name", u.lastName) + "</div>" +
      field("email", "Email", u.email, "email") + field("street", "Street and number", "Bergstra\u00dfe 12") +
      '<div class="row">' + field("zip", "Postcode", "6020") + field("city", "City", "Innsbruck") + "</div>" +
      '<label>Payment<select name="payment"><option>Card ending 4242</option><option>PayPal</option><option>Invoice</option></select></label>' +
      '<button class="btn" id="place-order">Place order</button><p class="hint">No payment is taken: this is a demo.</p></form>' +
      '<div class="panel-box"><h2 style="margin-top:0">Order summary</h2>' + linesHTML(lines, false) + summary(lines) + "</div></div>";
    $("#checkout-form").onsubmit = function (ev) {
      ev.preventDefault();
      var f = ev.target;
      var id = "NP-" + Math.random().toString(36).slice(2, 8).toUpperCase();
      var o = { id: id, firstName: f.firstName.value, email: f.email.value, lines: lines };
      lp("track", "Order Completed", { order_id: id, total: cartTotal(lines), currency: CURRENCY, products: products(lines) });
      put(sessionStorage, ORDER, o);
      saveCart([]);
      // The confirmation replaces the form in place; /order.html shows it again after a reload.
      history.replaceState(null, "", "/order.html?id=" + encodeURIComponent(id));
      main.innerHTML = orderHTML(o);
      w.scrollTo(0, 0);
    };
    lp("page");
    lp("track", "Checkout Started", { currency: CURRENCY, products: products(lines) });
    return [];
  };

  pages.order = function (main) {
    var o = get(sessionStorage, ORDER, null);
    main.innerHTML = o && o.id == param("id") ? orderHTML(o)
      : '<div class="empty-state"><h1>No recent order</h1><p><a href="/">Back to the shop</a></p></div>';
    lp("page");
    return [];
  };

  // FNV-1a: the demo's stable customer id from the email. A real shop
  // uses its own account id, never the email itself.
  function customerId(email) {
    var h = 0x811c9dc5;
    for (var i = 0; i < email.length; i++) {
      h ^= email.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return "np-" + ("0000000" + h.toString(16)).slice(-8);
  }

  pages.signin = function (main) {
    function welcome(u) {
      main.innerHTML = '<div class="signin panel-box" id="welcome"><h1>Welcome, ' + esc(u.firstName) + "!</h1>" +
        '<p class="lead">You are signed in as ' + esc(u.email) + (u.tier == "vip" ? ", a Northpeak Club VIP" : "") + ".</p>" +
        '<p class="hint">The tag called <code>lpedge.identify("' + esc(u.customerId) + '", {\u2026})</code>: LivePerson now has your customer info (ctmrinfo) and personal info, and reports carry your identity.</p>' +
        '<p><a class="btn" href="/">Continue shopping</a> <button class="btn secondary" type="button" id="signout">Sign out</button></p></div>';
      $("#signout").onclick = function () {
        localStorage.removeItem(USER);
        location.href = "/signin.html";
      };
    }
    var u = user();
    if (u) welcome(u);
    else {
      main.innerHTML = '<div class="signin"><h1>Sign in</h1><p class="lead">Members see their orders, and our agents see who they are talking to.</p>' +
        '<form class="stack panel-box" id="signin-form">' +
        '<div class="row"><label>First name<input name="firstName" required value="Ann"></label><label>Last name<input name="lastName" required value="Lee"></label></div>' +
        '<label>Email<input name="email" type="email" required value="ann.lee@example.com"></label>' +
        '<label>Password<input name="password" type="password" required value="demo-password"></label>' +
        '<label>Northpeak Club<select name="tier"><option value="vip">VIP member</option><option value="regular">Regular member</option></select></label>' +
        '<button class="btn" id="signin-submit">Sign in</button><p class="hint">Any details work: this is a demo. VIP members are targeted by the \u201cVIP customers\u201d campaign.</p></form></div>';
      $("#signin-form").onsubmit = function (ev) {
        ev.preventDefault();
        var f = ev.target;
        var nu = { firstName: f.firstName.value.trim(), lastName: f.lastName.value.trim(), email: f.email.value.trim(), tier: f.tier.value };
        nu.customerId = customerId(nu.email.toLowerCase());
        put(localStorage, USER, nu);
        lp("identify", nu.customerId, { firstName: nu.firstName, lastName: nu.lastName, email: nu.email, ctype: nu.tier, cstatus: "signed in" });
        $("#site-header").innerHTML = header("signin");
        renderCartCount();
        welcome(nu);
      };
    }
    lp("page");
    return [];
  };

  pages.notfound = function (main) {
    main.innerHTML = '<div class="empty-state"><h1>Page not found</h1><p><a href="/">Back to the shop</a></p></div>';
    lp("page");
    return [];
  };

  // ------------------------------------------------------------- start
  w.Northpeak = { addEvent: addEvent, products: PRODUCTS };

  d.addEventListener("DOMContentLoaded", function () {
    var name = d.body.getAttribute("data-page") || "notfound";
    mountPanel();
    var top = d.createElement("div");
    top.id = "site-header";
    top.innerHTML = header(name);
    d.body.insertBefore(top, d.body.firstChild);
    var main = $("main");
    var sections = (pages[name] || pages.notfound)(main);
    main.insertAdjacentHTML("afterend", footer());
    renderCartCount();
    if (name != "ga4") mountChat(sections); // the chat calls lpedge; the GA4 page calls nothing
  });
})(window, document);
