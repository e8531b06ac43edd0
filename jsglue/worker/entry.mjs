// lpedge Workers entry module: one Go instance per isolate.
//
// syumai/workers' stock worker.mjs starts a new Go instance for every
// request (8-15 ms of CPU each). This module starts one lazily, on the first
// request, keeps it parked, and hands it every request of the isolate. The Go
// half is github.com/lpedge/lpedge/jsglue/worker (worker.Serve).
//
// Requests interleave in the instance, and workerd binds I/O to the request
// that started it: a request cannot read another's body or write another's
// response, a timer or fetch started on behalf of a request is cancelled
// when that request ends, and a request that waits only on plain promises
// is cancelled as hung. Go's scheduler, however, runs any goroutine that is
// ready whenever any callback enters it. So Go never touches a JS I/O
// object. Each request is a Call: this module reads the body into bytes,
// and the Call, in the request's own context, performs the work Go asks
// for (answer, fetch, an object stream, waitUntil): at once when Go asks
// while it runs for the request's own dispatch, or in the Call's loop. A
// request goes to Go through an export of the module (lpedge_serve), its
// head and body and the answer through Go's memory (serve_js.go). Go rings
// the Call's bell, a promise created in the request's context, from
// whatever context it runs in; workerd settles such a promise in the
// context that created it (handle_cross_request_promise_resolution), so
// the loop always wakes in the right request.
//
// A Go panic in a handler is answered 500 by the Go half, which then asks
// for a fresh instance; a Go exit (a panic elsewhere, os.Exit) fails the
// requests in flight with 503 and the next request gets a fresh instance.

import "./wasm_exec.js";
import mod from "./app.wasm";

// The Durable Object class of the proxy's state (state.mjs); the Worker's
// configuration binds a namespace of it (examples/wrangler.toml).
import { LpedgeState, lineReader } from "./state.mjs";
export { LpedgeState };

// syumai's Go packages call globalThis.tryCatch, which its worker.mjs defines.
globalThis.tryCatch ??= (fn) => {
  try {
    return { result: fn() };
  } catch (e) {
    return { error: e };
  }
};

const ERROR_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

// ownErrors are the answers built here rather than by Go.
const ownErrors = new WeakSet();

// errorResponse answers in the proxy's error format.
function errorResponse(status, code, message, retryAfter) {
  const headers = new Headers(ERROR_HEADERS);
  if (retryAfter) headers.set("retry-after", String(retryAfter));
  const res = new Response(JSON.stringify({ error: { code, message } }), { status, headers });
  ownErrors.add(res);
  return res;
}

// originAllowed matches an Origin against ALLOWED_ORIGINS as the proxy's
// rs/cors does: "*", exact origins, or one "*" wildcard per entry.
function originAllowed(origin, allowed) {
  origin = origin.toLowerCase();
  return String(allowed || "").split(",").some((entry) => {
    entry = entry.trim().toLowerCase();
    if (entry === "*" || entry === origin) return true;
    const star = entry.indexOf("*");
    if (star < 0) return false;
    const pre = entry.slice(0, star), post = entry.slice(star + 1);
    return origin.length >= pre.length + post.length && origin.startsWith(pre) && origin.endsWith(post);
  });
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

// readCapped reads a body stream into one Uint8Array, stopping after limit+1
// bytes, so that Go sees an over-long body as over-long without this module
// buffering all of it. It answers null for an empty or missing body.
async function readCapped(stream, limit) {
  if (!stream) return null;
  const reader = stream.getReader();
  const chunks = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
    if (n > limit) {
      reader.cancel().catch(() => {});
      break;
    }
  }
  if (n === 0) return null;
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

// headerLines and parseHeaderLines carry headers across the Go boundary as
// one "name: value\r\n" string: one crossing instead of one per header.
function headerLines(headers) {
  let s = "";
  for (const [k, v] of headers) s += k + ": " + v + "\r\n";
  return s;
}

function parseHeaderLines(lines) {
  const h = new Headers();
  for (const line of lines.split("\r\n")) {
    if (line === "") continue;
    const i = line.indexOf(": ");
    h.append(line.slice(0, i), line.slice(i + 2));
  }
  return h;
}

// answerHeaders turns an answer's header lines into Headers, which a
// Response copies. Answers of a route mostly carry the same headers, so
// the Headers are kept by their lines (a bounded number).
const answerHeaderCache = new Map();
const ANSWER_HEADER_CACHE = 256;

function answerHeaders(lines) {
  let a = answerHeaderCache.get(lines);
  if (a) return a;
  const headers = parseHeaderLines(lines);
  // A body Go already encoded (the tag's precompressed .br/.gz) must
  // go out as it is: without "manual", workerd would encode it again.
  a = { headers, encodeBody: headers.has("content-encoding") ? "manual" : "automatic" };
  if (answerHeaderCache.size >= ANSWER_HEADER_CACHE) answerHeaderCache.clear();
  answerHeaderCache.set(lines, a);
  return a;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const NULL_BODY = new Set([101, 204, 205, 304]);

// Kinds of the records Go queues for JS (serve_js.go's out).
const OUT_LOG = 2;

let instanceSeq = 0;
let callSeq = 0;

// endedCall stands in for a Call that has ended when Go asks for it
// (serve_js.go's value): like an ended Call, it starts nothing.
const endedCall = { fetch: () => 0, open: () => 0, waitUntil: () => 0, abort() {}, send() {}, settle() {}, respond() {}, head: "", body: null };

// An Instance is one Go program and the Calls it is serving.
class Instance {
  constructor(env) {
    this.seq = ++instanceSeq;
    this.env = env;
    this.served = 0;
    this.calls = new Map(); // Call id -> Call; Go names Calls by id (serve_js.go)
    this.state = "starting"; // then "ready", "retiring" (no new calls) or "dead"
    this.current = null; // the Call whose context is running Go, if known
    this.timer = null; // Go's pending wake-up: {id, due, owner}
    this.views = null; // of Go's memory (memory)
    const inst = this;
    this.context = {
      // syumai's cloudflare.Getenv and cloudflare.WaitUntil read these.
      get env() {
        return inst.current ? inst.current.env : inst.env;
      },
      get ctx() {
        return inst.current ? inst.current.ctx : undefined;
      },
      binding: {},
    };
  }

  // start runs Go's main until it parks, inside call's context.
  start(call) {
    const go = new Go();
    this.go = go;
    // Death is noticed here. go.run's own promise is left pending: it
    // belongs to the first request, and settling it after that request has
    // ended only makes workerd warn.
    go.exit = (code) => this.die("the Go program exited with code " + code);
    go._resolveExitPromise = () => {};
    this.patchTimers(go);
    if (this.env.LPEDGE_WORKER_DEBUG === "1") this.countJSCalls(go);
    let ready = false;
    const instance = new WebAssembly.Instance(mod, {
      ...go.importObject,
      workers: { ready: () => (ready = true) },
    });
    this.enter(call, () => {
      go.run(instance, this.context).catch((e) => this.die("the Go program failed: " + e));
    });
    const b = this.context.binding.lpedge;
    if (this.state === "dead") return;
    if (!ready || !b) {
      this.die("the Go program did not call worker.Serve");
      return;
    }
    this.exports = instance.exports;
    // Requests go into Go's memory at inAddr, answers and log lines come
    // from outAddr (serve_js.go).
    this.inAddr = b.inAddr;
    this.outAddr = b.outAddr;
    this.bufBytes = b.bufBytes;
    b.call = (id) => this.calls.get(id) ?? endedCall;
    b.retire = (reason) => this.retire(reason);
    b.takeOut = () => this.takeOut();
    this.maxBody = b.maxBodyBytes;
    this.maxUpstream = b.maxUpstreamBytes;
    this.deadline = b.deadlineMs;
    this.state = "ready";
  }

  // enter runs fn, which calls into Go, noting whose context Go runs in so
  // that Go's timers are armed in a live request, and then takes what Go
  // queued for JS.
  enter(call, fn) {
    const prev = this.current;
    this.current = call;
    try {
      fn();
      if (this.outAddr) this.takeOut();
    } catch (e) {
      this.die("calling into Go threw: " + (e && e.stack ? e.stack : e));
    } finally {
      this.current = prev;
    }
  }

  // memory returns views of Go's memory, made again when Go has grown it.
  memory() {
    const buffer = this.exports.mem.buffer;
    if (this.views?.buffer !== buffer) {
      this.views = {
        buffer,
        bytes: new Uint8Array(buffer),
        data: new DataView(buffer),
        in: new Uint8Array(buffer, this.inAddr + 4, this.bufBytes), // in.data
      };
    }
    return this.views;
  }

  // putRequest writes a request's head and body into Go's memory, when
  // they fit and Go has taken the last one, and answers the head's length
  // in bytes; else -1.
  putRequest(head, body) {
    const { data, in: buf } = this.memory();
    const bodyLen = body ? body.byteLength : 0;
    if (head.length + bodyLen > this.bufBytes || data.getUint32(this.inAddr, true) !== 0) return -1;
    const { read, written } = encoder.encodeInto(head, buf);
    if (read < head.length || written + bodyLen > this.bufBytes) return -1;
    if (body) buf.set(body, written);
    data.setUint32(this.inAddr, 1, true);
    return written;
  }

  // takeOut does what Go queued: answers and log lines (serve_js.go's out).
  takeOut() {
    const { bytes, data } = this.memory();
    const at = this.outAddr;
    const end = at + 4 + data.getUint32(at, true);
    try {
      for (let p = at + 4; p < end; ) {
        const kind = data.getUint32(p, true);
        const id = data.getUint32(p + 4, true);
        const status = data.getUint32(p + 8, true);
        const n = data.getUint32(p + 12, true);
        const m = data.getUint32(p + 16, true);
        p += 20;
        const text = decoder.decode(bytes.subarray(p, p + n));
        if (kind === OUT_LOG) console.log(text);
        else this.calls.get(id)?.respond(status, text, m > 0 ? bytes.slice(p + n, p + n + m) : null);
        p += n + m;
      }
    } finally {
      data.setUint32(at, 0, true);
    }
  }

  // countJSCalls counts Go's syscall/js calls into JS, which debug answers
  // carry (X-Lpedge-Js-Calls: the instance's count so far).
  countJSCalls(go) {
    this.jsCalls = 0;
    const gojs = go.importObject.gojs;
    for (const [name, f] of Object.entries(gojs)) {
      if (name.startsWith("syscall/js.")) {
        gojs[name] = (sp) => {
          this.jsCalls++;
          return f(sp);
        };
      }
    }
  }

  // patchTimers replaces wasm_exec.js's timeout imports. Go keeps one
  // wake-up timer; wasm_exec.js arms it with setTimeout in whichever request
  // is running, and workerd drops it when that request ends. Here it is
  // recorded with its owner, and moved to another live Call when the owner
  // finishes (adoptTimer).
  patchTimers(go) {
    const gojs = go.importObject.gojs;
    const inst = this;
    gojs["runtime.scheduleTimeoutEvent"] = (sp) => {
      sp >>>= 0;
      const delay = go.mem.getUint32(sp + 8, true) + go.mem.getInt32(sp + 12, true) * 4294967296;
      const id = go._nextCallbackTimeoutID++;
      const t = { id, due: Date.now() + delay, owner: inst.current };
      inst.timer = t;
      go._scheduledTimeouts.set(id, setTimeout(() => inst.fireTimer(t), delay));
      go.mem.setInt32(sp + 16, id, true);
    };
    gojs["runtime.clearTimeoutEvent"] = (sp) => {
      sp >>>= 0;
      const id = go.mem.getInt32(sp + 8, true);
      clearTimeout(go._scheduledTimeouts.get(id));
      go._scheduledTimeouts.delete(id);
      if (inst.timer && inst.timer.id === id) inst.timer = null;
    };
  }

  fireTimer(t) {
    const go = this.go;
    if (this.state === "dead" || !go._scheduledTimeouts.has(t.id)) return;
    this.enter(t.owner, () => {
      go._resume();
      // As wasm_exec.js does: Go sometimes misses the event (golang/go#28975).
      for (let i = 0; i < 8 && go._scheduledTimeouts.has(t.id) && !go.exited; i++) go._resume();
    });
  }

  // adoptTimer re-arms Go's pending wake-up in call's context when its owner
  // is gone. It must run in call's context.
  adoptTimer(call) {
    const t = this.timer;
    if (!t || (t.owner && t.owner.live) || !this.go._scheduledTimeouts.has(t.id)) return;
    t.owner = call;
    this.go._scheduledTimeouts.set(t.id, setTimeout(() => this.fireTimer(t), Math.max(0, t.due - Date.now())));
  }

  // handOffTimer gives Go's wake-up to another live Call when call, its
  // owner, finishes.
  handOffTimer(call) {
    if (!this.timer || this.timer.owner !== call) return;
    for (const c of this.calls.values()) {
      if (c.live) {
        c.push({ kind: "timer" });
        return;
      }
    }
  }

  // retire stops new Calls from coming here; the ones in flight finish.
  retire(reason) {
    if (this.state === "dead" || this.state === "retiring") return;
    console.error("lpedge worker: instance " + this.seq + " retired: " + reason);
    this.state = "retiring";
  }

  die(reason) {
    if (this.state === "dead") return;
    console.error("lpedge worker: instance " + this.seq + " died: " + reason);
    this.state = "dead";
    for (const c of this.calls.values()) c.push({ kind: "dead" });
  }
}

// A Call is one request to the Go instance; its loop runs in the request's
// context and does what Go asks of the request.
class Call {
  constructor(inst, env, ctx) {
    this.inst = inst;
    this.env = env;
    this.ctx = ctx;
    // Go takes it as an int32.
    this.id = callSeq = (callSeq % 0x7fffffff) + 1;
    this.live = true; // false once the Call has ended
    this.looping = false; // whether the loop runs
    this.inbox = [];
    this.bell = null; // what the loop awaits
    this.answer = null; // deferred Response, made when serve() must wait
    this.response = null; // the Response, when answered before
    this.answered = false;
    this.waits = new Set(); // WaitUntil tokens Go has not settled
    this.fetches = new Map(); // fetch id -> {ac, cb}
    this.nextID = 0;
    // Read by Go when they do not go through its memory (dispatch): the
    // request as "METHOD URL\r\n" + header lines, and its body (null or a
    // Uint8Array).
    this.head = "";
    this.body = null;
    this.ordinal = 0; // the request's number on its instance
  }

  // push queues a job for the loop; any context may call it.
  push(job) {
    this.inbox.push(job);
    if (this.bell) this.bell.resolve();
  }

  // The methods below are called by Go (serve_js.go, client_js.go).

  respond(status, lines, body) {
    this.push({ kind: "respond", status, lines, body });
  }

  // fetch sends a request to url, or, with binding, to the Durable Object
  // named name of the namespace env[binding].
  fetch(method, url, lines, body, cb, binding, name) {
    if (!this.live) return 0;
    const id = ++this.nextID;
    this.push({ kind: "fetch", id, method, url, lines, body, cb, binding, name });
    return id;
  }

  // open starts a POST of url to the Durable Object named name of
  // env[binding] whose body and answer stay open, both lines: first is the
  // body's first line; cb(error, line) gets each line of the answer, then
  // (null, null) at its end.
  open(url, first, cb, binding, name) {
    if (!this.live) return 0;
    const id = ++this.nextID;
    this.push({ kind: "open", id, url, first, cb, binding, name });
    return id;
  }

  // send adds a line to the body of open's request id; null ends the body.
  send(id, line) {
    this.push({ kind: "send", id, line });
  }

  abort(id) {
    this.push({ kind: "abort", id });
  }

  // waitUntil keeps the loop, and so the request (fetchHandler's
  // ctx.waitUntil), alive until Go settles the token.
  waitUntil() {
    if (!this.live) return 0;
    const token = ++this.nextID;
    this.waits.add(token);
    return token;
  }

  settle(token) {
    this.push({ kind: "settle", token });
  }

  // The loop. A request that Go answers at once, while serve() is still in
  // the request's context, needs none: serve() does its jobs, which saves
  // the loop's timer, waitUntil and promises. The loop starts when the
  // request must wait: for its body, an upstream answer, a Go timer or
  // WaitUntil work.

  startLoop() {
    this.looping = true;
    this.ctx.waitUntil(this.run());
  }

  async run() {
    const inst = this.inst;
    // The deadline bounds the request, and a pending timer also keeps
    // workerd from taking a request that waits on Go for a hung one.
    const deadline = setTimeout(() => this.push({ kind: "timeout" }), inst.deadline);
    for (;;) {
      this.drain();
      if (this.done()) break;
      // Go may have asked for more while the jobs ran.
      if (this.inbox.length > 0) continue;
      this.bell = deferred();
      await this.bell.promise;
    }
    clearTimeout(deadline);
    this.end();
  }

  // drain does the jobs Go queued. It must run in the request's context.
  drain() {
    const jobs = this.inbox;
    this.inbox = [];
    for (const job of jobs) {
      try {
        this.do(job);
      } catch (e) {
        // A bug here, or an answer the runtime refuses (a status
        // outside 200-599, say): fail the request, not the loop.
        console.error("lpedge worker: call " + this.id + ": " + job.kind + ": " + (e && e.stack ? e.stack : e));
        this.finish(errorResponse(500, "internal_error", "the proxy failed on this request; details are in its log"));
      }
    }
  }

  // done reports whether the Call has answered and owes Go nothing more,
  // or the instance died.
  done() {
    return this.answered && ((this.waits.size === 0 && this.fetches.size === 0) || this.inst.state === "dead");
  }

  do(job) {
    const inst = this.inst;
    switch (job.kind) {
      case "respond": {
        if (this.answered) return;
        let { headers, encodeBody } = answerHeaders(job.lines);
        if (this.env.LPEDGE_WORKER_DEBUG === "1") {
          headers = new Headers(headers);
          headers.set("x-lpedge-instance", inst.seq + "/" + this.ordinal);
          headers.set("x-lpedge-js-calls", String(inst.jsCalls));
        }
        const body = NULL_BODY.has(job.status) ? null : job.body;
        this.finish(new Response(body, { status: job.status, headers, encodeBody }));
        return;
      }
      case "answer":
        this.finish(job.response);
        return;
      case "fetch":
        this.startFetch(job);
        return;
      case "fetched": {
        const f = this.fetches.get(job.id);
        this.fetches.delete(job.id);
        if (f && inst.state !== "dead") inst.enter(this, () => f.cb(...job.args));
        return;
      }
      case "open":
        this.startStream(job);
        return;
      case "send": {
        const f = this.fetches.get(job.id);
        if (!f || !f.writer) return;
        const done = job.line === null ? f.writer.close() : f.writer.write(encoder.encode(job.line + "\n"));
        done.catch(() => {}); // the object went away: its answer says so
        return;
      }
      case "line": {
        const f = this.fetches.get(job.id);
        if (job.end) this.fetches.delete(job.id);
        if (f && inst.state !== "dead") inst.enter(this, () => f.cb(...job.args));
        return;
      }
      case "abort": {
        const f = this.fetches.get(job.id);
        if (f) f.ac.abort();
        return;
      }
      case "settle":
        this.waits.delete(job.token);
        return;
      case "timer":
        inst.adoptTimer(this);
        return;
      case "timeout":
        if (this.answered) {
          // Background work (waitUntil) outlived the deadline: stop waiting.
          this.dropWork();
          return;
        }
        inst.retire("call " + this.id + " got no answer within " + inst.deadline + " ms");
        this.finish(errorResponse(503, "worker_timeout", "the proxy did not answer in time; retry", 1));
        this.dropWork();
        return;
      case "dead":
        this.finish(errorResponse(503, "worker_restarting", "the proxy restarted while handling this request; retry", 1));
        this.dropWork();
        return;
    }
  }

  // dropWork gives up on the waitUntil tasks and fetches Go still owes.
  dropWork() {
    this.waits.clear();
    for (const [, f] of this.fetches) f.ac.abort();
  }

  finish(response) {
    if (this.answered) return;
    this.answered = true;
    if (this.answer) this.answer.resolve(response);
    else this.response = response;
  }

  // result is the Response, or a promise of it when there is none yet.
  result() {
    if (this.answered) return this.response ?? this.answer.promise;
    this.answer ??= deferred();
    return this.answer.promise;
  }

  startFetch(job) {
    const inst = this.inst;
    const ac = new AbortController();
    this.fetches.set(job.id, { ac, cb: job.cb });
    let answer;
    try {
      const init = { method: job.method, headers: parseHeaderLines(job.lines), redirect: "manual", signal: ac.signal };
      if (job.body) init.body = job.body;
      if (job.binding) {
        const ns = this.env[job.binding];
        if (!ns) throw new Error("the Worker has no binding " + job.binding);
        answer = ns.get(ns.idFromName(job.name)).fetch(job.url, init);
      } else {
        answer = fetch(job.url, init);
      }
    } catch (e) {
      answer = Promise.reject(e);
    }
    answer
      .then(async (res) => {
        const body = await readCapped(res.body, inst.maxUpstream);
        if (body && body.byteLength > inst.maxUpstream) {
          return ["the upstream answer is over " + inst.maxUpstream + " bytes"];
        }
        return [null, res.status, headerLines(res.headers), body];
      })
      .catch((e) => [String((e && e.message) || e)])
      .then((args) => this.push({ kind: "fetched", id: job.id, args }));
  }

  // startStream is startFetch for open: the request's body is a stream the
  // send jobs write, and each line of the answer goes to Go as it comes.
  startStream(job) {
    const ac = new AbortController();
    const { readable, writable } = new IdentityTransformStream(); // (see state.mjs's once)
    const writer = writable.getWriter();
    this.fetches.set(job.id, { ac, cb: job.cb, writer });
    this.do({ kind: "send", id: job.id, line: job.first });
    (async () => {
      const ns = this.env[job.binding];
      if (!ns) throw new Error("the Worker has no binding " + job.binding);
      const init = { method: "POST", body: readable, duplex: "half", signal: ac.signal };
      const res = await ns.get(ns.idFromName(job.name)).fetch(job.url, init);
      if (res.status !== 200) throw new Error("status " + res.status + ": " + (await res.text()).slice(0, 200));
      const lines = lineReader(res.body);
      for (let line; (line = await lines.next()) !== null; ) {
        this.push({ kind: "line", id: job.id, args: [null, line] });
      }
      return [null, null];
    })()
      .catch((e) => [String((e && e.message) || e)])
      .then((args) => this.push({ kind: "line", id: job.id, args, end: true }));
  }

  // end runs when the Call has answered and owes Go nothing more, or when
  // the instance died.
  end() {
    this.live = false;
    this.inst.calls.delete(this.id);
    this.inst.handOffTimer(this);
  }
}

let current = null; // the Instance new requests go to

function instanceFor(env) {
  if (!current || current.state !== "ready") current = new Instance(env);
  return current;
}

// fetchHandler gives the answers built here (the instance failed or timed
// out) the CORS headers the proxy would have added, so that a page sees
// the 503 and its Retry-After, not a bare network error. An answer Go gave
// at once is returned as it is, without a promise.
function fetchHandler(req, env, ctx) {
  const res = serve(req, env, ctx);
  return res instanceof Response ? ownCORS(req, env, res) : res.then((r) => ownCORS(req, env, r));
}

function ownCORS(req, env, res) {
  if (!ownErrors.has(res)) return res;
  const origin = req.headers.get("origin");
  if (origin && originAllowed(origin, env.ALLOWED_ORIGINS)) {
    res.headers.set("access-control-allow-origin", origin);
    res.headers.set("access-control-expose-headers", "Retry-After");
    res.headers.append("vary", "Origin");
  }
  return res;
}

// serve answers req: a Response, or a promise of one.
function serve(req, env, ctx) {
  const inst = instanceFor(env);
  const call = new Call(inst, env, ctx);
  inst.calls.set(call.id, call);
  if (inst.state === "starting") inst.start(call);
  if (inst.state !== "ready" && inst.state !== "retiring") {
    inst.calls.delete(call.id);
    return errorResponse(503, "worker_restarting", "the proxy could not start; retry", 1);
  }
  inst.adoptTimer(call);
  if (!req.body) {
    dispatch(call, req, null);
    return call.result();
  }
  return serveBody(call, req);
}

async function serveBody(call, req) {
  const inst = call.inst;
  let body;
  try {
    // The loop runs from here on: the deadline covers reading the body.
    call.startLoop();
    body = await readCapped(req.body, inst.maxBody);
  } catch (e) {
    const msg = "reading the request body failed: " + ((e && e.message) || e);
    call.push({ kind: "answer", response: errorResponse(400, "bad_request", msg) });
    return call.result();
  }
  dispatch(call, req, body);
  return call.result();
}

// dispatch hands the request to Go: its head and body through Go's
// memory when they fit (else Go reads call.head and call.body).
function dispatch(call, req, body) {
  const inst = call.inst;
  if (inst.state === "dead") {
    call.push({ kind: "dead" });
  } else {
    call.ordinal = ++inst.served;
    const head = req.method + " " + req.url + "\r\n" + headerLines(req.headers);
    const n = inst.putRequest(head, body);
    if (n < 0) {
      call.head = head;
      call.body = body;
    }
    inst.enter(call, () => {
      // Go queues the request, and a handler goroutine takes it when Go
      // runs: at once, or in the Call's loop if it must wait.
      if (inst.exports.lpedge_serve(call.id, n, body ? body.byteLength : 0) === 0) {
        inst.go._resume();
        return;
      }
      inst.retire("Go took no more requests");
      call.push({ kind: "answer", response: errorResponse(503, "worker_restarting", "the proxy is restarting; retry", 1) });
    });
  }
  if (!call.looping) {
    call.drain();
    if (call.done()) call.end();
    else call.startLoop();
  }
}

export default { fetch: fetchHandler };
