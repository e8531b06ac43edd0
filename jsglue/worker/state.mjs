// lpedge state: the Durable Object class behind the proxy's Workers state
// engine (proxy.ObjectEngine). The Go side names the objects and makes every
// decision that needs no storage; an object only stores, bounds, and wakes
// the requests held on it. One class serves three kinds of object, by name:
//   "i:"+scope   idempotency records: claim, complete, release, and once
//                (a claim, then a complete or a release, in one request)
//   "l:"+conv    a conversation's event log: append, read
//   "o:"+consumer a consumer's open conversation: setopen, open
//   "shared"     what every isolate may reuse (the AppJWT, Domain API
//                answers): entries, put
// Each operation is a POST of a JSON object to /<op>, answered with JSON;
// but once, whose body and answer are lines of JSON that stay open both ways.
//
// An object is single-threaded, but the requests woken together interleave
// at every await, so each operation's reads and writes run one at a time
// (atomic), a transaction of their own. A request that waits (a claim held by another, a
// read with nothing new, an open conversation not yet known) is held on a
// promise that a later write settles: nothing polls. Every write pushes the
// object's alarm to its TTL; an object idle that long is emptied.

const pad = (seq) => String(seq).padStart(16, "0");

export class LpedgeState {
  constructor(ctx) {
    this.storage = ctx.storage;
    this.wakers = new Set(); // settle the held requests
    this.log = null; // the event log's promise, loaded on first use
    this.idem = null; // the idempotency records' index's promise, loaded on first use
    this.tail = Promise.resolve(); // the last atomic step
  }

  // atomic runs fn after every atomic step before it has ended.
  atomic(fn) {
    const p = this.tail.then(fn);
    this.tail = p.catch(() => {});
    return p;
  }

  async fetch(req) {
    const op = new URL(req.url).pathname.slice(1);
    if (req.method === "POST" && op === "once") return this.once(req.body);
    if (req.method !== "POST" || !Object.hasOwn(OPS, op)) {
      return Response.json({ error: "unknown operation " + req.method + " /" + op }, { status: 404 });
    }
    return Response.json(await OPS[op].call(this, await req.json()));
  }

  // once is claim, then complete or release, in one request, which stays
  // open while the claimant makes its call. The body's first line is a
  // claim's; the answer's first line is the claim's answer. Once claimed,
  // the next line of the body is {answer, ttl} (complete) or {release};
  // the answer's second line, complete's or release's. A body that ends
  // before (the claimant went away) leaves the claim to its lease.
  once(body) {
    // workerd's native byte stream: with a JS TransformStream here and in
    // entry.mjs, and a TextDecoderStream in lineReader, a loop of 300
    // exchanges took 2.6-3.4 ms each, not 0.6-1.4 (workerd 1.20260426; two
    // plain requests took 0.8-1.5).
    const { readable, writable } = new IdentityTransformStream();
    const out = writable.getWriter();
    // (A write fails when the caller went away: nothing to tell it then.)
    const put = (o) => out.write(encoder.encode(JSON.stringify(o) + "\n")).catch(() => {});
    const lines = lineReader(body);
    (async () => {
      const a = JSON.parse(await lines.next());
      const claimed = await OPS.claim.call(this, a);
      put(claimed);
      if (!claimed.claimed) return;
      const line = await lines.next().catch(() => null);
      if (line === null) return;
      const b = JSON.parse(line);
      const r = { key: a.key, token: a.token };
      put(await (b.release ? OPS.release.call(this, r) : OPS.complete.call(this, { ...r, answer: b.answer, ttl: b.ttl, keep: a.keep })));
    })()
      .catch((e) => console.error("lpedge state: once: " + ((e && e.message) || e)))
      .finally(() => out.close().catch(() => {}));
    return new Response(readable, { headers: { "content-type": "application/x-ndjson" } });
  }

  async alarm() {
    this.log = null;
    this.idem = null;
    await this.storage.deleteAll();
    this.wake();
  }

  // wake settles every held request; each then looks again.
  wake() {
    const w = this.wakers;
    this.wakers = new Set();
    for (const f of w) f();
  }

  // hold waits until the next wake or until ms have passed. The timer also
  // keeps workerd from taking the request for hung.
  hold(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakers.add(done);
    });
  }

  // keep pushes the alarm that empties the object to ttl ms from now.
  async keep(ttl) {
    const at = Date.now() + ttl;
    const cur = await this.storage.getAlarm();
    if (cur === null || cur < at) await this.storage.setAlarm(at);
  }

  // loadIdem returns the index of the idempotency records: storage key ->
  // {answered, t: the answer's expiry or the claim's lease end}.
  loadIdem() {
    this.idem ??= (async () => {
      const idem = new Map();
      for (const [k, r] of await this.storage.list({ prefix: "i" })) idem.set(k, index(r));
      return idem;
    })();
    return this.idem;
  }

  // putRecord stores r under key k, then prunes the records to keep.
  async putRecord(k, r, keep) {
    await this.storage.put(k, r);
    const idem = await this.loadIdem();
    idem.set(k, index(r));
    if (!(idem.size > keep)) return; // (also without a keep)
    // Ended claims and expired answers (t <= now) first, then the answers
    // that expire first, i.e. the oldest (one TTL for all); never a live
    // claim, which a request holds.
    const now = Date.now();
    const gone = [...idem]
      .filter(([, x]) => x.answered || x.t <= now)
      .sort(([, a], [, b]) => a.t - b.t)
      .slice(0, idem.size - keep)
      .map(([key]) => key);
    for (const key of gone) idem.delete(key);
    await deleteAll(this.storage, gone);
  }

  loadLog() {
    this.log ??= (async () => {
      const m = (await this.storage.get("m")) || { last: 0, dropped: [] };
      const events = [...(await this.storage.list({ prefix: "e" })).values()];
      const keys = new Set(m.dropped);
      for (const e of events) if (e.key) keys.add(e.key);
      return { last: m.last, dropped: m.dropped, events, keys };
    })();
    return this.log;
  }
}

const encoder = new TextEncoder();

// lineReader reads a stream of UTF-8 lines: next() is the next line, null
// at the end. (entry.mjs reads the answers of once with it.)
export function lineReader(stream) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return {
    async next() {
      for (;;) {
        const i = buf.indexOf("\n");
        if (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          return line;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}

// index is what loadIdem keeps of an idempotency record.
const index = (r) => (r.answer ? { answered: true, t: r.expires } : { answered: false, t: r.until });

// putAll and deleteAll write in the storage API's batches of 128 keys.
async function putAll(storage, entries) {
  for (let i = 0; i < entries.length; i += 128) await storage.put(Object.fromEntries(entries.slice(i, i + 128)));
}

async function deleteAll(storage, keys) {
  for (let i = 0; i < keys.length; i += 128) await storage.delete(keys.slice(i, i + 128));
}

const OPS = {
  // claim {key, sum, token, lease, keep, wait (ms)} -> {answer} |
  // {claimed} | {reused} | {busy} (still claimed by another after wait:
  // ask again). keep bounds the object's records (see putRecord).
  async claim(a) {
    const deadline = Date.now() + a.wait;
    for (;;) {
      const out = await this.atomic(async () => {
        const now = Date.now();
        const r = await this.storage.get("i" + a.key);
        if (r && r.answer && r.expires > now) return r.sum === a.sum ? { answer: r.answer } : { reused: true };
        if (r && !r.answer && r.until > now && r.token !== a.token) {
          if (r.sum !== a.sum) return { reused: true };
          return now >= deadline ? { busy: true } : { hold: Math.min(r.until, deadline) - now };
        }
        await this.putRecord("i" + a.key, { sum: a.sum, token: a.token, until: now + a.lease }, a.keep);
        await this.keep(a.lease);
        return { claimed: true };
      });
      if (out.hold === undefined) return out;
      await this.hold(out.hold);
    }
  },

  // complete {key, token, answer: {status, body}, ttl, keep} -> {} | {lost}
  complete(a) {
    return this.atomic(async () => {
      const r = await this.storage.get("i" + a.key);
      if (!r || r.answer || r.token !== a.token) return { lost: true };
      await this.putRecord("i" + a.key, { sum: r.sum, answer: a.answer, expires: Date.now() + a.ttl }, a.keep);
      await this.keep(a.ttl);
      this.wake();
      return {};
    });
  },

  // release {key, token} -> {}
  release(a) {
    return this.atomic(async () => {
      const r = await this.storage.get("i" + a.key);
      if (r && !r.answer && r.token === a.token) {
        await this.storage.delete("i" + a.key);
        (await this.loadIdem()).delete("i" + a.key);
        this.wake();
      }
      return {};
    });
  },

  // append {events: [{key, data, closed}], floor, keep, ttl} -> {added, last}
  // A new log numbers from floor+1 (the caller's clock in µs), so that seqs
  // grow across an emptied object. keep bounds the events kept; the keys of
  // as many dropped events again are still refused as duplicates.
  append(a) {
    return this.atomic(() => appendEvents(this, a));
  },

  // read {after, wait (ms), bytes} -> {events, last}: the events after
  // after, held up to wait for one when there are none. An answer holds
  // the first of them, then more while their data's sizes stay within
  // bytes: a Worker reads at most MaxUpstreamBytes of an object's answer,
  // and the caller reads again when the last event returned is below last.
  async read(a) {
    const deadline = Date.now() + a.wait;
    for (;;) {
      const log = await this.loadLog();
      const events = [];
      let n = 0;
      for (const e of log.events) {
        if (e.seq <= a.after) continue;
        n += e.size ?? e.data.length; // size: UTF-8 bytes, from Go
        if (events.length > 0 && n > a.bytes) break;
        events.push(e);
      }
      const now = Date.now();
      if (events.length > 0 || now >= deadline) return { events, last: log.last };
      await this.hold(deadline - now);
    }
  },

  // setopen {conv, open, closed, ttl} -> {}: "o" is the open conversation,
  // "x" the last closed (a bound) seen closing, oldest first; an open for
  // one of those is late (LivePerson never reopens one) and is ignored.
  setopen(a) {
    return this.atomic(async () => {
      const m = await this.storage.get(["o", "x"]);
      const open = m.get("o") || "";
      const closed = m.get("x") || [];
      if (closed.includes(a.conv)) return {};
      if (a.open) {
        await this.storage.put("o", a.conv);
      } else {
        closed.push(a.conv);
        await this.storage.put("x", closed.slice(-a.closed));
        if (open === a.conv) await this.storage.delete("o");
      }
      await this.keep(a.ttl);
      if (a.open) this.wake();
      return {};
    });
  },

  // open {wait (ms)} -> {conv}: "" when none is known by then.
  async open(a) {
    const deadline = Date.now() + a.wait;
    for (;;) {
      const conv = (await this.storage.get("o")) || "";
      const now = Date.now();
      if (conv || now >= deadline) return { conv };
      await this.hold(deadline - now);
    }
  },

  // entries {} -> {entries: {key: {value, expires}}}: every entry, read
  // together, as a cold isolate wants them all.
  async entries() {
    const entries = {};
    for (const [k, v] of await this.storage.list({ prefix: "s" })) entries[k.slice(1)] = v;
    return { entries };
  },

  // put {key, value, expires (ms since the epoch)} -> {}
  async put(a) {
    await this.storage.put("s" + a.key, { value: a.value, expires: a.expires });
    return {};
  },
};

// appendEvents is append's atomic step.
async function appendEvents(obj, a) {
  const log = await obj.loadLog();
  if (log.last === 0 && a.events.length > 0) log.last = a.floor;
  const puts = [];
  let added = 0;
  for (const e of a.events) {
    if (e.key && log.keys.has(e.key)) continue;
    const ev = { seq: ++log.last, key: e.key, data: e.data, size: e.size, closed: !!e.closed };
    log.events.push(ev);
    if (e.key) log.keys.add(e.key);
    puts.push(["e" + pad(ev.seq), ev]);
    added++;
  }
  if (added === 0) return { added, last: log.last };
  const dels = [];
  while (log.events.length > a.keep) {
    const d = log.events.shift();
    dels.push("e" + pad(d.seq));
    if (d.key) log.dropped.push(d.key);
  }
  while (log.dropped.length > a.keep) log.keys.delete(log.dropped.shift());
  puts.push(["m", { last: log.last, dropped: log.dropped }]);
  await putAll(obj.storage, puts.filter(([k]) => !dels.includes(k)));
  await deleteAll(obj.storage, dels);
  await obj.keep(a.ttl);
  obj.wake();
  return { added, last: log.last };
}
