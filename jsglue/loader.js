// lpedge.js: the loader. The build puts Go's wasm_exec.js before this
// and replaces __LPEDGE_WASM__ with the module's hashed file name, which
// is resolved against this script's own URL.
//
// It reads its script tag's data attributes, waits for the page's load
// event (or starts at once if it has passed), instantiates the module
// while it downloads (instantiateStreaming; when the server's
// Content-Type is not application/wasm, from the bytes instead), and
// once Go has started, puts the real methods on window.lpedge and replays
// the calls the stub queued, in order.
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  var l = (w.lpedge = w.lpedge || {});
  if (l.loading) return;
  l.loading = 1;
  var q = (l.q = l.q || []);
  var calls = [];
  var P = w.Promise;
  // The methods: name -> returns a Promise. The stub has the same list.
  var methods = {
    track: 0, identify: 0, page: 0, consent: 0, debug: 0, ready: 0,
    "sdes.push": 0, engagement: 1, connectorClick: 1,
    "conversation.start": 1, "conversation.send": 1, "conversation.close": 1,
  };
  var invoke = function (c) {
    calls.push(c);
  };
  function method(n, p) {
    return function () {
      var a = [].slice.call(arguments);
      if (p)
        return new P(function (s, j) {
          invoke([n, a, s, j]);
        });
      invoke([n, a]);
    };
  }
  function install() {
    for (var n in methods) {
      var path = n.split(".");
      var o = l;
      if (path[1]) o = l[path[0]] = l[path[0]] || {};
      o[path[1] || n] = method(n, methods[n]);
    }
  }
  // Calls queued by the stub before this script ran, then ours.
  calls = q.slice();
  q.length = 0;
  q.push = function (c) {
    invoke(c);
  };
  install();

  var attrs = {};
  if (script)
    ["account", "app", "proxy", "domain", "consent", "debug"].forEach(function (k) {
      var v = script.getAttribute("data-" + k);
      if (v != null) attrs[k] = v;
    });
  function mark(n) {
    try {
      performance.mark("lpedge:" + n);
    } catch (e) {}
  }

  function fail(msg) {
    console.error(msg);
    invoke = function (c) {
      if (c[3]) c[3](new Error(msg));
    };
    calls.splice(0).forEach(invoke);
  }

  function started(call, err) {
    if (err) return fail(err);
    invoke = function (c) {
      var n = c[0], a = c[1], s = c[2], j = c[3], json;
      if (n == "ready") {
        if (typeof a[0] == "function") a[0]();
        return;
      }
      try {
        json = JSON.stringify(a);
      } catch (e) {
        var m = "lpedge." + n + ": arguments are not JSON: " + e.message;
        return j ? j(new Error(m)) : console.error(m);
      }
      call(n, json, s && function (r) { s(r ? JSON.parse(r) : undefined); }, j);
    };
    mark("ready");
    calls.splice(0).forEach(function (c) {
      try {
        invoke(c);
      } catch (e) {
        console.error(e);
      }
    });
  }

  function start() {
    mark("start");
    var url = new URL("__LPEDGE_WASM__", script ? script.src : d.baseURI).href;
    var go = new w.Go();
    var imports = go.importObject;
    w.__lpedgeBoot = { attrs: JSON.stringify(attrs), ready: started };
    fetch(url, { credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        var copy = r.clone();
        return WebAssembly.instantiateStreaming(r, imports).catch(function () {
          // Most often the server's Content-Type is not application/wasm.
          return copy.arrayBuffer().then(function (b) {
            return WebAssembly.instantiate(b, imports);
          });
        });
      })
      .then(function (m) {
        go.run(m.instance);
      })
      .catch(function (e) {
        fail("lpedge: could not load " + url + ": " + e.message);
      });
  }

  if (d.readyState == "complete") start();
  else w.addEventListener("load", start);
})(window, document);
