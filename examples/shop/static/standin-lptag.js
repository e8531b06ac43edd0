// A stand-in for LivePerson's web tag (lpTag), for the monitored flow: it
// offers what lpedge reads from the real one and nothing more.
//
//   lpTag.section                                   the page's sections
//   lpTag.taglets.lp_monitoringSDK.getVid()/getSid() the monitoring ids
//   lpTag.events.bind(app, event, fn)               lp_monitoringSDK SP_SENT fires once the ids exist
//
// Like lpTag, it gets its ids from LivePerson itself: one call to the
// Monitoring engagement method of lptest (SHOP_CONFIG.lptest) as the page
// starts, sending the ids it has (vid in localStorage, sid in
// sessionStorage), and keeps the ones LivePerson answers.
(function (w) {
  "use strict";
  var C = w.SHOP_CONFIG || {};
  var VID = "standin-lptag:vid", SID = "standin-lptag:sid";
  var vid, sid;
  try {
    vid = localStorage.getItem(VID) || undefined;
    sid = sessionStorage.getItem(SID) || undefined;
  } catch (e) { /* storage blocked: a new visitor each time */ }
  var handlers = [];
  var sent = false;

  function log(title, body) {
    if (w.Northpeak) w.Northpeak.addEvent({ kind: "lptag", label: "lpTag", title: title, body: body || "" });
  }

  var lpTag = (w.lpTag = w.lpTag || {});
  lpTag.site = C.account;
  lpTag.section = ["shoes"];
  lpTag.taglets = lpTag.taglets || {};
  lpTag.taglets.lp_monitoringSDK = {
    // Until LivePerson has answered, the ids are undefined, as lpTag's are.
    getVid: function () { return sent ? vid : undefined; },
    getSid: function () { return sent ? sid : undefined; },
  };
  lpTag.events = {
    bind: function (app, event, fn) {
      handlers.push({ app: app, event: event, fn: fn });
      if (sent && app == "lp_monitoringSDK" && event == "SP_SENT") setTimeout(fn, 0);
    },
    trigger: function (app, event, data) {
      handlers.forEach(function (h) {
        if (h.app == app && h.event == event) {
          try {
            h.fn(data);
          } catch (e) {
            console.error(e);
          }
        }
      });
    },
  };

  var url = C.lptest + "/api/account/" + encodeURIComponent(C.account) + "/app/" + encodeURIComponent(C.app) + "/engagement?v=1.0" +
    (vid ? "&vid=" + encodeURIComponent(vid) + (sid ? "&sid=" + encodeURIComponent(sid) : "") : "");
  var body = JSON.stringify({ entryPoints: [location.href, "sec://shoes"], engagementAttributes: [] });
  log("start page \u2192 POST " + url.replace(/^https?:\/\/[^/]+/, ""), body);
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: body, credentials: "omit" })
    .then(function (r) {
      return r.text().then(function (t) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + t);
        return JSON.parse(t);
      });
    })
    .then(function (a) {
      vid = a.visitorId;
      sid = a.sessionId;
      try {
        localStorage.setItem(VID, vid);
        sessionStorage.setItem(SID, sid);
      } catch (e) { /* kept in memory */ }
      sent = true;
      log("start page \u2190 vid " + vid + ", sid " + sid, JSON.stringify(a, null, 2));
      lpTag.events.trigger("lp_monitoringSDK", "SP_SENT", { vid: vid, sid: sid });
    })
    .catch(function (e) {
      log("start page failed: " + e.message);
    });
})(window);
