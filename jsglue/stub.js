// lpedge stub: inline it in the page before lpedge.js. It defines
// window.lpedge with methods that queue their calls (in lpedge.q, in
// order) until lpedge.js has loaded the module and replays them. The
// Promise methods return Promises that settle then. Including it twice,
// or after lpedge.js, changes nothing.
(function (w) {
  var l = (w.lpedge = w.lpedge || {});
  if (l.q) return;
  var q = (l.q = []);
  function f(n, p) {
    return function () {
      var a = [].slice.call(arguments);
      if (p)
        return new Promise(function (s, j) {
          q.push([n, a, s, j]);
        });
      q.push([n, a]);
    };
  }
  "track identify page consent debug ready".replace(/\w+/g, function (n) {
    l[n] = f(n);
  });
  l.sdes = { push: f("sdes.push") };
  l.engagement = f("engagement", 1);
  l.connectorClick = f("connectorClick", 1);
  l.conversation = {
    start: f("conversation.start", 1),
    send: f("conversation.send", 1),
    close: f("conversation.close", 1),
    typing: f("conversation.typing"),
    on: f("conversation.on"),
    off: f("conversation.off"),
  };
})(window);
