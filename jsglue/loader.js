// lpedge.js: the loader. The build puts Go's wasm_exec.js before this,
// wraps both in one function, __lpedgeBundle, and replaces
// __LPEDGE_WASM__ with the module's hashed file name, which is resolved
// against this script's own URL.
//
// In the page, it reads its script tag's data attributes, waits for the
// page's load event (or starts at once if it has passed), and runs the
// module in a dedicated Web Worker: the same bundle, started from a Blob
// URL of its own source, which fetches and compiles the module
// (compileStreaming, from the bytes when the server's Content-Type is
// not application/wasm) and runs it. With data-thread="main", or where
// the browser has no Worker or the site's Content-Security-Policy
// refuses a blob: worker, it runs the module on the page's thread
// instead (main-thread mode), saying so in debug mode. Once
// Go has started, it puts the real methods on window.lpedge and replays
// the calls the stub queued, in order; every call goes to the module the
// same way, by name, in either mode. The module gets the boot object,
// globalThis.__lpedgeBoot: the data attributes, ready (started) and host,
// the DOM mechanics it uses; in the worker, host answers from copies the
// page keeps current and hands the DOM's part and the requests to the
// page (see worker).
(function (w, d) {
  "use strict";
  // say(level, m): console[level](m). The console is looked up at each
  // call, and what it throws caught: the page may wrap it.
  function say(level, m) {
    try {
      console[level](m);
    } catch (e) {}
  }
  // get reads a dotted path from w, calling the steps that end in "()"
  // as methods; undefined where the path breaks off or throws.
  function get(path) {
    try {
      return path.split(".").reduce(function (o, k) {
        return k.slice(-2) == "()" ? o[k.slice(0, -2)]() : o[k];
      }, w);
    } catch (e) {}
  }
  var P = w.Promise;
  // run(url, boot, compiled, failed) runs the module on this thread, the
  // page's or the worker's, with boot as globalThis.__lpedgeBoot: it
  // fetches and compiles it (the compiler's own work on this thread)
  // while it downloads (compileStreaming), or from the bytes when the
  // server's Content-Type is not application/wasm, calls compiled() and
  // starts Go; failed(error) if it could not.
  function run(url, boot, compiled, failed) {
    var go = new w.Go();
    w.__lpedgeBoot = boot;
    fetch(url, { credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        var copy = r.clone();
        return WebAssembly.compileStreaming(r).catch(function () {
          return copy.arrayBuffer().then(function (b) {
            return WebAssembly.compile(b);
          });
        });
      })
      .then(function (m) {
        compiled();
        return WebAssembly.instantiate(m, go.importObject);
      })
      .then(function (i) {
        go.run(i);
      }, failed);
  }
  /* worker{ */
  // batch(send) is a function that collects messages for send, which gets
  // them once the task that made them is over: what one task does goes
  // in one message.
  function batch(send, out = []) {
    return (m) => out.push(m) == 1 && P.resolve().then(() => send(out.splice(0)));
  }
  if (!d) return worker();
  /* }worker */
  var script = d.currentScript;
  var l = (w.lpedge = w.lpedge || {});
  if (l.loading) return;
  l.loading = 1;
  var q = (l.q = l.q || []);
  var calls = [];
  // The methods: name -> returns a Promise. The stub has the same list.
  var methods = {
    track: 0, identify: 0, page: 0, consent: 0, debug: 0, ready: 0,
    "sdes.push": 0, engagement: 1, connectorClick: 1,
    "conversation.start": 1, "conversation.send": 1, "conversation.close": 1,
    "conversation.typing": 0,
  };
  // The conversation's listeners live here, not in the module: event ->
  // functions. on and off work at once, also before the module is ready
  // (the stub's queued calls are applied first); a listener gets the
  // events emitted after it was added. A wrong event or callback is a
  // console error (debug or not), and changes nothing.
  var listeners = {};
  function listen(add) {
    return function (e, f) {
      var m = "lpedge: conversation." + (add ? "on: " : "off: ");
      if (!/^(message|typing|read|state)$/.test(typeof e == "string" && e))
        return say("error", m + 'event: want "message", "typing", "read" or "state", got ' + (typeof e == "string" ? '"' + e + '"' : typeof e));
      if (typeof f != "function") return say("error", m + "callback: want a function, got " + typeof f);
      var a = (listeners[e] = (listeners[e] || []).filter(function (g) {
        return g !== f;
      }));
      if (add) a.push(f);
    };
  }
  var local = { "conversation.on": listen(1), "conversation.off": listen(0) };
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
    for (var n in methods) put(n, method(n, methods[n]));
    for (n in local) put(n, local[n]);
  }
  function put(n, f) {
    var path = n.split(".");
    var o = l;
    if (path[1]) o = l[path[0]] = l[path[0]] || {};
    o[path[1] || n] = f;
  }
  // Calls queued by the stub before this script ran, then ours; on and
  // off take effect now.
  calls = q.filter(function (c) {
    if (local[c[0]]) local[c[0]].apply(null, c[1]);
    else return 1;
  });
  q.length = 0;
  q.push = function (c) {
    local[c[0]] ? local[c[0]].apply(null, c[1]) : invoke(c);
  };
  install();

  // The members the retail preset reads, as words between spaces
  // (retail.PropertiesRead and TraitsRead, which the build writes in): in
  // debug mode (data-debug, lpedge.debug) the others are named, as
  // left out. Segment events carry custom properties, so not by default.
  var reads = { track: "__LPEDGE_PROPERTIES__", identify: "__LPEDGE_TRAITS__" };
  var debug = !!script && script.getAttribute("data-debug") == "true";
  // Where the module runs: data-thread="worker" (the default) or "main".
  var thread = script && script.getAttribute("data-thread");
  if (thread && !/^(worker|main)$/.test(thread)) say("error", 'lpedge: data-thread: want "worker" or "main", got "' + thread + '"');
  // The data attributes, as names and values for Go.
  var attrs = [];
  if (script)
    ["account", "app", "proxy", "domain", "consent", "debug"].forEach(function (k) {
      var v = script.getAttribute("data-" + k);
      if (v != null) attrs.push(k, v);
    });
  // capture(): zero-code capture, data-capture="datalayer segment" (either
  // or both). "datalayer" reads the page's GA4 dataLayer (its name in
  // data-datalayer-name, default "dataLayer"): the entries pushed before
  // this script, then each new one, through push wrapped the way Google
  // Tag Manager wraps it (GTM, before or after us, and other wrappers keep
  // working; what lpedge does never throws into the page's push). The
  // reader's state stays here, on the page's thread, as in GTM's data
  // model: ecommerce objects merge (their members; GTM merges deeper)
  // until {ecommerce: null} clears them, and a user_id (pushed, or given to gtag "set" or
  // "config") stays. Each event, an {event: ...} entry or a gtag("event",
  // name, params) arguments object, goes to the module as an internal
  // capture call of JSON data: [event, parameters as gtag.js has them (the
  // ecommerce object merged into the entry's other fields), source].
  // lpedge.segment() is an analytics.js (analytics-next) destination
  // plugin that forwards track (the events the retail preset maps),
  // identify and page; "segment" registers it with window.analytics.
  function capture() {
    var what = (script && script.getAttribute("data-capture")) || "",
      name = (script && script.getAttribute("data-datalayer-name")) || "dataLayer",
      seg = /\bsegment\b/.test(what),
      layer, ec, uid, push;
    // copy(v) is v as JSON carries it, without DOM nodes (GTM's click
    // entries hold elements); NaN and Infinity as strings, which the module
    // names. A cycle throws.
    function copy(v) {
      return JSON.parse(JSON.stringify(v, function (k, v) {
        return typeof v == "number" && !isFinite(v) ? "" + v : v && v.nodeType ? void 0 : v;
      }) || 0);
    }
    // who(o) keeps o's user_id; null (signed out, as Google documents
    // it) clears it.
    function who(o) {
      if (o && typeof o == "object" && "user_id" in o) uid = o.user_id || void 0;
    }
    function read(e) {
      var g = {}.toString.call(e) == "[object Arguments]", ev, p;
      e = copy(g ? [].slice.call(e) : e);
      if (g) {
        // With the Segment plugin too, gtag.js's events are Segment's own
        // (its GA4 destination calls gtag): the plugin has them already.
        if (e[0] == "event") seg || ((ev = e[1]), (p = e[2]));
        else who(e[e.length - 1]); // set, config
      } else if (e && typeof e == "object") {
        if ("ecommerce" in e) ec = e.ecommerce && Object.assign(ec || {}, e.ecommerce);
        who(e);
        ev = e.event;
        delete e.ecommerce;
        p = Object.assign(e, ec); // ec's members are copies, replaced, never changed
      }
      if (typeof ev == "string") q.push(["capture", [ev, Object.assign({ user_id: uid }, typeof p == "object" && p), g ? "gtag" : name]]);
    }
    function guard(e) {
      try {
        read(e);
      } catch (x) {
        try {
          say("warn", "lpedge: " + name + ": " + x);
        } catch (y) {
          say("warn", "lpedge: " + name + ": an entry could not be read"); // x is no string (a Symbol)
        }
      }
    }
    // One reader, however often lpedge.js runs: a second run stops at
    // l.loading.
    if (/\bdatalayer\b/.test(what) && Array.isArray((layer = w[name] = w[name] || []))) {
      layer.forEach(guard);
      push = layer.push;
      layer.push = function () {
        var r = push.apply(this, arguments);
        [].forEach.call(arguments, guard);
        return r;
      };
    }
    l.segment = function () {
      function on(f) {
        return function (c) {
          f(c.event);
          return c;
        };
      }
      return {
        name: "lpedge", type: "destination", version: "1",
        isLoaded: () => !0,
        load: () => P.resolve(),
        track: on(function (e) {
          if (/^(__LPEDGE_EVENTS__)$/i.test(e.event)) l.track(e.event, e.properties);
          else if (debug) say("log", 'lpedge: segment("' + e.event + '"): no LivePerson meaning; ignored');
        }),
        identify: on(function (e) {
          l.identify(e.userId || e.traits || {}, e.traits); // without a user id: identify(traits)
        }),
        page: on(function (e) {
          l.page((e.properties || {}).url);
        }),
      };
    };
    // Registered now, or at the page's load event when analytics.js (or
    // its snippet) comes later. The snippet's buffer replays ["register",
    // plugin]; analytics.js loaded has register.
    function register() {
      var a = w.analytics;
      if (a) a.register ? a.register(l.segment()) : a.push(["register", l.segment()]);
      return a;
    }
    if (seg && !register()) w.addEventListener("load", register);
  }
  capture();

  function mark(n) {
    try {
      performance.mark("lpedge:" + n);
    } catch (e) {}
  }

  function fail(msg) {
    say("error", msg);
    invoke = function (c) {
      if (c[3]) c[3](new Error(msg));
    };
    calls.splice(0).forEach(invoke);
  }

  // started is boot.ready: Go calls it once the tag runs, with
  // call(method, argsJSON, settle), where settle(resultJSON, null) or
  // settle(_, message) settles a Promise method's call; or with (null,
  // message) when the configuration is wrong.
  function started(call, err) {
    if (err) return fail(err);
    invoke = function (c) {
      var n = c[0], a = c[1], s = c[2], j = c[3], json;
      if (n == "ready") {
        if (typeof a[0] == "function") a[0]();
        return;
      }
      var name = n == "track" && typeof a[0] == "string" ? "track(" + JSON.stringify(a[0]) + ")" : n;
      try {
        json = JSON.stringify(a);
      } catch (e) {
        var m = "lpedge: " + name + ": arguments are not JSON: " + e.message;
        return j ? j(new Error(m)) : say("error", m);
      }
      // What JSON or the tag would drop in silence is named here, where
      // it is cheaper than in the module: a number JSON cannot carry
      // (NaN, Infinity: JSON.stringify makes it null, which reads as
      // absent), an email address as the customer id (guessable, so the
      // README forbids it) and an id trait (identify takes the customer
      // id as its first argument).
      function drop(what) {
        say("warn", "lpedge: " + name + ": " + what + "; left out");
      }
      function walk(v, p) {
        if (typeof v == "number" && !isFinite(v)) drop(p + ": " + v + " is not a number JSON can carry");
        else if (v && typeof v == "object")
          for (var k in v) if ({}.hasOwnProperty.call(v, k)) walk(v[k], Array.isArray(v) ? p + "[" + k + "]" : p ? p + "." + k : k);
      }
      a.forEach(function (v) {
        if (v && typeof v == "object") walk(v, "");
      });
      if (n == "debug" && (a[0] == null || typeof a[0] == "boolean")) debug = a[0] !== false;
      if (debug && reads[n])
        (function unread(o, p) {
          if (o && typeof o == "object")
            for (var k in o)
              if ({}.hasOwnProperty.call(o, k)) {
                if (n == "track" && !p && k == "products" && Array.isArray(o[k]))
                  o[k].forEach(function (e, i) {
                    unread(e, "products[" + i + "].");
                  });
                else if (reads[n].indexOf(" " + k + " ") < 0)
                  say("log", "lpedge: " + name + ": " + p + k + ": no " + (n == "track" ? "property" : "trait") + " the retail preset reads; left out");
              }
        })(n == "track" || typeof a[0] != "object" ? a[1] : a[0], "");
      if (n == "identify") {
        if (typeof a[0] == "string" && /@/.test(a[0])) {
          drop("customerId: an email address is guessable: use your stable, unguessable id for the customer");
          if (!a[1]) return;
          json = JSON.stringify(a.slice(1));
        }
        if (a[0] && typeof a[0] == "object" && "id" in a[0]) drop("id: the customer id is identify's first argument: identify(customerId, traits)");
      }
      call(n, json, s && function (r, e) {
        // An error's members: {code: "unreachable", url} (lpedge.d.ts).
        if (e != null) j(Object.assign(new Error(e), r ? JSON.parse(r) : {}));
        else s(r ? JSON.parse(r) : undefined);
      });
    };
    mark("ready");
    calls.splice(0).forEach(function (c) {
      try {
        invoke(c);
      } catch (e) {
        say("error", e);
      }
    });
  }

  // host(go) is the page as the module sees it (wasm/browser): plain
  // functions for the DOM mechanics that are verbose through syscall/js,
  // so that Go holds one callback for the life of the page instead of one
  // per timer or request. go(id, values...) is that callback; the host
  // calls it with the id Go gave when a timer is due, a fetch answered or
  // an event happened. None of these functions throws, and they decide
  // nothing: what to read, send and when is Go's. Go calls host once it
  // has the boot object, which leaves window then.
  function host(go) {
    delete w.__lpedgeBoot;
    var o = {
      get: get,
      // fn(id) is a function that calls go(id, its arguments...).
      fn: function (id) {
        return function () {
          go.apply(null, [id].concat([].slice.call(arguments)));
        };
      },
      // strings: the string at path, or the strings of an array there.
      strings: function (path) {
        return [].concat(o.get(path)).filter(function (s) {
          return typeof s == "string";
        });
      },
      // Storage, by name ("localStorage"): reading the property itself
      // throws where storage is blocked (a sandboxed frame, cookies
      // disabled), and setItem where it is full. setItem returns "" or
      // what was thrown, having removed the key: the value there is older
      // than the one that did not fit, and must not be read later.
      getItem: function (name, key) {
        try {
          return w[name].getItem(key);
        } catch (e) {
          return null;
        }
      },
      setItem: function (name, key, value) {
        try {
          w[name].setItem(key, value);
          return "";
        } catch (e) {
          o.removeItem(name, key);
          return String(e);
        }
      },
      removeItem: function (name, key) {
        try {
          w[name].removeItem(key);
        } catch (e) {}
      },
      // keys(name, prefix): the keys that start with prefix.
      keys: function (name, prefix) {
        var out = [];
        try {
          for (var i = 0, s = w[name], k; i < s.length; i++) {
            k = s.key(i);
            if (k.lastIndexOf(prefix, 0) == 0) out.push(k);
          }
        } catch (e) {}
        return out;
      },
      now: Date.now,
      // after(id, ms) calls go(id) ms from now and returns the timer for
      // stop.
      after: function (id, ms) {
        return setTimeout(go, ms, id);
      },
      stop: function (timer) {
        clearTimeout(timer);
      },
      // fetch(id, method, url, body, keepalive, header name, value, ...)
      // calls go(id, status, text, Retry-After or ""), or go(id, 0, what
      // went wrong) when no answer came, always from the event loop (also
      // when fetch throws at once).
      fetch: function (id, method, url, body, keepalive) {
        var a = arguments, headers = {}, i;
        for (i = 5; i < a.length; i += 2) headers[a[i]] = a[i + 1];
        var opts = { method: method, headers: headers, credentials: "omit", keepalive: keepalive };
        if (body) opts.body = body;
        new P(function (s) {
          s(fetch(url, opts));
        })
          .then(function (r) {
            return r.text().then(function (text) {
              go(id, r.status, text, r.headers.get("Retry-After") || "");
            });
          })
          .catch(function (e) {
            go(id, 0, String(e));
          });
      },
      // emit(event, json, own, id) calls the conversation's listeners of
      // event with the parsed object, own added, and then go(id, how many
      // it called) (the module may be in a worker: no answer to return).
      // What a listener throws goes to the console and does not stop the
      // others.
      emit: function (e, json, own, id) {
        var fs = (listeners[e] || []).slice(), v = JSON.parse(json);
        v.own = own;
        fs.forEach(function (f) {
          try {
            f(v);
          } catch (x) {
            say("error", "lpedge: conversation.on(\"" + e + "\"): a listener threw: " + (x && x.stack || x));
          }
        });
        go(id, fs.length);
      },
      // stream(id, url, token) reads Server-Sent Events with the token as
      // Authorization: Bearer (EventSource cannot send headers): it calls
      // go(id, data) per event (data lines joined; other fields skipped),
      // go(id, "") per comment (the proxy's ": ping" on an idle stream,
      // by which Go tells a live stream from a silently dead one) and
      // once at the end go(id, status, text): the
      // status and body of an answer that is not 2xx, the status and ""
      // when the stream ended, or 0 and what went wrong. It returns an
      // AbortController: after abort() it calls nothing.
      stream: function (id, url, token) {
        var c = new AbortController(), s = c.signal;
        function end(status, text) {
          if (!s.aborted) go(id, status, text);
        }
        new P(function (ok) {
          ok(fetch(url, { headers: { Authorization: "Bearer " + token, Accept: "text/event-stream" },
            credentials: "omit", cache: "no-store", signal: s }));
        })
          .then(function (r) {
            if (!r.ok)
              return r.text().then(function (t) {
                end(r.status, t);
              });
            var rd = r.body.getReader(), dec = new TextDecoder(), buf = "", data = [];
            function pump() {
              return rd.read().then(function (x) {
                buf += dec.decode(x.value, { stream: !x.done });
                var lines = buf.split(/\r\n|\r|\n/);
                buf = x.done ? "" : lines.pop();
                lines.forEach(function (line) {
                  if (!line) {
                    if (data.length && !s.aborted) go(id, data.join("\n"));
                    data = [];
                  } else if (line[0] == ":") {
                    if (!s.aborted) go(id, "");
                  } else if (/^data(:|$)/.test(line)) data.push(line.slice(5).replace(/^ /, ""));
                });
                if (x.done) end(r.status, "");
                else return pump();
              });
            }
            return pump();
          })
          .catch(function (e) {
            end(0, String(e));
          });
        return c;
      },
      say: say,
      random: function (n) {
        return crypto.getRandomValues(new Uint8Array(n));
      },
      // listen(hide, online, show) calls go(hide, true) on pagehide,
      // go(hide, false) on visibilitychange to hidden, go(online) when the
      // browser is back online and go(show) when the page is back from
      // the back/forward cache or visible again.
      listen: function (hide, online, show) {
        w.addEventListener("pageshow", function (e) {
          if (e.persisted) go(show);
        });
        w.addEventListener("pagehide", function () {
          go(hide, true);
        });
        d.addEventListener("visibilitychange", function () {
          if (d.visibilityState == "hidden") go(hide, false);
          else go(show);
        });
        w.addEventListener("online", function () {
          go(online);
        });
      },
      // watch(id, app, event, app, event, ...) calls go(id) on these
      // events of lpTag.events. Without window.lpTag yet, an accessor
      // waits for its assignment; once the assigning script has run
      // (lpTag's snippet assigns it twice in one go), it gives the
      // property back as a plain value, binds, and calls go(id): no
      // polling, and nothing of ours in lpTag's way afterwards.
      watch: function (id) {
        var events = [].slice.call(arguments, 1), value, settled;
        function changed() {
          go(id);
        }
        function bind() {
          try {
            for (var i = 0; i < events.length; i += 2) w.lpTag.events.bind(events[i], events[i + 1], changed);
          } catch (e) {}
        }
        if (typeof w.lpTag == "object" && w.lpTag) return bind();
        try {
          Object.defineProperty(w, "lpTag", {
            configurable: true,
            enumerable: true,
            get: function () {
              return value;
            },
            set: function (v) {
              value = v;
              if (settled) return;
              settled = 1;
              setTimeout(function () {
                Object.defineProperty(w, "lpTag", { value: value, writable: true, configurable: true, enumerable: true });
                bind();
                changed();
              });
            },
          });
        } catch (e) {}
      },
    };
    return o;
  }

  // start fetches and compiles the module (compileStreaming: the page's
  // thread only waits; from the bytes when the server's Content-Type is
  // not application/wasm) and runs it in a dedicated Web Worker, or,
  // where there is no Worker or the site's Content-Security-Policy
  // forbids one (worker-src), here on the page's thread.
  function start() {
    mark("start");
    var url = new URL("__LPEDGE_WASM__", script ? script.src : d.baseURI).href;
    function failed(e) {
      fail("lpedge: module: could not load " + url + ": " + e.message);
    }
    // here runs the module on the page's thread: why says why not in a
    // worker, if the page did not ask for this.
    function here(why) {
      if (debug && why) say("log", "lpedge: the tag runs on the page's thread: " + why);
      run(url, { attrs: attrs, ready: started, host: host }, function () {
        mark("module");
      }, failed);
    }
    if (thread == "main") return here();
    /* worker{ */
    // The worker runs this very script (lpedge.js is one function, which
    // the build names __lpedgeBundle) from a Blob URL: a worker's script
    // must be of the page's origin, which the proxy's is not, and the
    // Blob needs no second download and stays under the script's
    // integrity hash. A CSP without blob: in worker-src refuses it. (A
    // blob: worker's script needs no JavaScript type: only an HTTP(S) one
    // is checked.)
    var wk = 1, src, ph, settles = {}, plan, hideID, sent = 0, kept = []; // wk: 1 until the worker is made, 0 once it failed
    if (!w.Worker) return here("no Worker");
    // later(f, ...next) runs f in a task of its own, then the next
    // steps so, unless the worker failed meanwhile. Each step waits for
    // the browser's process, synchronously: the Blob's registration, its
    // URL's, creating the worker, the storage listener (the page's
    // storage access) and the first storage reads. At 4x CPU throttling
    // a step takes 2-10 ms of the page's thread (median; the browser's
    // answers make the tails), where all of them in the load event's
    // task took 30-80 ms.
    function later(f, ...next) {
      setTimeout(() => wk && (f(), next[0] && later(...next)));
    }
    later(
      () => (src = new Blob(["(" + __lpedgeBundle + ")()"])),
      () => {
        try {
          wk = new w.Worker(URL.createObjectURL(src));
        } catch (e) {
          wk = 0;
          return here(e);
        }
        // A worker the CSP refuses fails by this event (Chromium), maybe
        // before connect runs.
        wk.onerror = (e) => {
          e.preventDefault();
          wk.terminate();
          wk = 0; // the steps not yet run must not, nor a message
          here(e.message || "refused");
        };
      },
      connect
    );
    function connect() {
      // What the module reads of the page, sent with every message: the
      // paths Go's get asks for, an object as its strings (lpTag itself
      // only as there or not).
      var sdk = "lpTag.taglets.lp_monitoringSDK.get",
        paths = (sdk + "Vid() " + sdk + "Sid() location.href location.origin navigator.onLine document.visibilityState lpTag lpTag.section").split(" ");
      // queue(m) posts m to the worker, with a snapshot of the page.
      var queue = batch((m) => {
        var o = {};
        paths.forEach((p) => {
          var v = get(p);
          o[p] = v && typeof v == "object" ? ph.strings(p) : v;
        });
        if (wk) wk.postMessage([o, m]);
      });
      // The page's host does the DOM's part for the worker's module, and
      // makes its requests: its callbacks go to the worker. At pagehide
      // the page sends what the module planned (see plan) with keepalive,
      // stores the queue the module would leave and, when storage is
      // allowed, the calls the plan does not reflect yet (the journal,
      // which the next page's tag makes: wasm/tag), so that nothing
      // depends on the worker still running; then it lets the worker go,
      // and what it was doing with it: the Promises of calls not answered
      // reject. Back from the back/forward cache, the page starts a new
      // one, which takes up the stored queue and journal, as a new page
      // would (unless another page took them meanwhile).
      ph = host((...v) => {
        var p = plan;
        if (!wk) return;
        queue(["go", ...v]);
        if (v[0] !== hideID || !v[1]) return;
        // plan: [storage function or "", key, value, calls, may store, id, method, url, body, true, header, value, ...]
        // Where consent is required (data-consent), a consent call the
        // module has not reached decides: after a withdrawal the page
        // sends and stores nothing of the plan, which predates it; after
        // a grant, the calls may be kept even where the plan may not
        // store. (Elsewhere consent does not stop reports.)
        if (p) {
          var i = attrs.includes("required") ? kept.map((c) => c[0]).lastIndexOf("consent") : -1,
            g = ~i && /"marketing":true/.test(kept[i][1]);
          if (!~i || g) {
            if (p[6]) ph.fetch(...p.slice(5));
            if (p[0]) ph[p[0]]("localStorage", p[1], p[2]);
          }
          if ((p[4] || g) && kept[0]) ph.setItem("localStorage", p[1].replace(":queue:", ":calls:"), JSON.stringify(kept));
        }
        wk.terminate();
        wk = 0;
        invoke = (c) => calls.push(c);
        for (i in settles) settles[i]("", "lpedge: pagehide");
        // After pagehide, the next pageshow is a return from the cache.
        w.addEventListener("pageshow", start, { once: true });
      });
      // The worker's messages: [name, arguments...] of ph's functions
      // (the DOM's part), or of these.
      Object.assign(ph, {
        ready(err) {
          wk.onerror = null;
          started((n, json, s) => {
            kept.push([n, json]); // until a plan reflects it
            if (s) settles[++sent] = s;
            else sent++;
            queue(["call", n, json, s && sent]);
          }, err);
        },
        settle(id, r, e) {
          settles[id](r, e);
          delete settles[id];
        },
        // plan(..., calls, ...): the plan reflects the first calls calls.
        plan(...a) {
          plan = a;
          kept.splice(0, kept.length - sent + a[3]);
        },
        fail: failed,
      });
      // copy(storage, key) sends the key's value as the page's storage
      // holds it now to the module's copy (key null: cleared).
      var copy = (n, k) => queue(["k", n, k, ph.getItem(n, k)]);
      wk.onmessage = (e) =>
        e.data.forEach((m) => {
          var n = m[0], r;
          if (n == "listen") hideID = m[1];
          // Of ph's functions only setItem answers: what the browser
          // refused (the module's copy gets the key's value below).
          if ((r = ph[n](...m.slice(1)))) say("warn", "lpedge: storage: " + r);
          // The key's value now goes back to the copy, after any other
          // tab's write this page forwarded before it applied this one:
          // the copy ends as the page's storage does. (Without, and with
          // the events' newValue below, two tabs that wrote one key at
          // once each kept the other's value in Chromium:
          // TestTwoTabsTakeOneQueue.)
          if (/Item$/.test(n) && !r) copy(m[1], m[2]); // a refused write: the copy keeps it, as the module believes
        });
      // Another tab's write: the key's value as this page's storage holds
      // it now, which may not be the event's newValue (see above).
      w.addEventListener("storage", (e) => {
        if (e.key == null || /^lpedge:/.test(e.key))
          copy(e.storageArea == get("sessionStorage") ? "sessionStorage" : "localStorage", e.key);
      });
      // The first storage reads in a task of their own.
      later(() => {
        ["localStorage", "sessionStorage"].forEach((n) => ph.keys(n, "lpedge:").forEach((k) => copy(n, k)));
        queue(["init", url, attrs]);
      });
    }
    /* }worker */
  }

  if (d.readyState == "complete") start();
  else w.addEventListener("load", start);
  /* worker{ */
  // worker is lpedge.js run as the module's Web Worker (from the page's
  // Blob: no document). The page posts [page, [message, ...]], page being
  // what the module reads of the page (see queue), the messages ["init",
  // module, attrs] once, ["call", method, argsJSON, id] (id 0: no
  // Promise), ["go", id, values] (the page's host calls back: an event,
  // lpTag, the answer to a fetch, the listeners an event reached) and
  // ["k", storage, key, value] (the tag's keys of localStorage and
  // sessionStorage before init, then what another tab wrote, and a key's
  // value after each write of the module; value null: removed; key null:
  // cleared). It posts ["ready", error], ["settle", id, result,
  // error], [name, args...] (the page's host does it: console, storage
  // writes, requests, listeners, DOM events, lpTag) and ["plan", ...]
  // (what to send and store at pagehide). Storage reads are answered from
  // the copy here, which every write and the page's storage events keep
  // current.
  function worker() {
    var page = {}, store = { localStorage: {}, sessionStorage: {} }, call, post = batch((m) => w.postMessage(m));
    // put(storage, key, value) writes the copy: value null removes, key
    // null clears.
    function put(n, k, v) {
      k == null ? (store[n] = {}) : v == null ? delete store[n][k] : (store[n][k] = v);
    }
    var on = {
      init,
      call: (n, json, id) => call(n, json, id && ((r, x) => post(["settle", id, r, x]))),
      k: put,
    };
    w.onmessage = (e) => {
      page = e.data[0];
      e.data[1].forEach((m) => on[m[0]](...m.slice(1)));
    };
    function init(url, attrs) {
      run(url, {
        attrs,
        ready(c, err) {
          call = c;
          post(["ready", err]);
        },
        host(f) {
          var h = host((on.go = f));
          // plan(storage function or "", key, value, calls, may store, id,
          // method, url, body, true, headers...): what Hide(true) would
          // store and send now, and how many calls it reflects
          // (wasm/browser), the storage as the page's host does it. The
          // page makes the module's requests (fetch), so that it knows at
          // pagehide all that was sent. The storage writes change the copy
          // too (put); Go reads no answer of these but setItem's (an error
          // message, "" for none).
          ["say", "listen", "watch", "plan", "setItem", "removeItem", "fetch", "emit"].forEach((n) => {
            h[n] = (...a) => {
              if (n.length > 6) put(...a);
              post([n, ...a]);
              return "";
            };
          });
          return Object.assign(h, {
            get: (p) => (p in page ? page[p] : get(p)),
            getItem: (n, k) => (k in store[n] ? store[n][k] : null),
            keys: (n, p) => Object.keys(store[n]).filter((k) => !k.lastIndexOf(p, 0)),
          });
        },
      },
        // In the worker's own timeline, beside the module's resource
        // timing (0 bytes over the network when it came from the HTTP
        // cache).
        () => mark("module"),
        (e) => post(["fail", e])
      );
    }
  }
  /* }worker */
})(typeof window == "object" ? window : self, typeof document == "object" ? document : null);
