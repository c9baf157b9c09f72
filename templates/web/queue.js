// The queue page refreshing itself: every data-refresh-seconds it re-fetches the same URL
// (filters included) and swaps #queue and the header's counts in place. The filter form
// is never touched, so what is being typed stays; the scroll position is put back.
// Without this script the page works as it is, with its "最后更新" time and a refresh link.
(function () {
  "use strict";
  var root = document.getElementById("queue");
  var seconds = root ? parseInt(root.getAttribute("data-refresh-seconds"), 10) : 0;
  if (!(seconds > 0) || !window.fetch || !window.DOMParser) {
    return;
  }
  var status = document.getElementById("queue-status");

  function replace(id, doc) {
    var old = document.getElementById(id);
    var fresh = doc.getElementById(id);
    if (old && fresh) {
      old.replaceWith(document.adoptNode(fresh));
    }
    return Boolean(fresh);
  }

  function say(text) {
    if (status) {
      status.textContent = text;
      status.hidden = !text;
    }
  }

  function refresh() {
    fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-store",
      // Marked as automatic: it does not keep an idle session open (monitor/web/auth.py).
      headers: { Accept: "text/html", "X-Yuqing-Refresh": "1" },
    })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname === "/login") {
          throw new Error("signed out");
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var x = window.scrollX;
        var y = window.scrollY;
        // A login page (session ended) has no #queue: keep what is shown and say so.
        if (!replace("queue", doc)) {
          throw new Error("no queue");
        }
        replace("header-counts", doc);
        window.scrollTo(x, y);
        say("");
      })
      .catch(function (error) {
        say(
          error.message === "signed out"
            ? "登录已因长时间未操作而结束：请重新登录后继续。"
            : "自动刷新失败：请检查网络或重新登录后手动刷新。"
        );
      })
      .then(function () {
        window.setTimeout(refresh, seconds * 1000);
      });
  }

  window.setTimeout(refresh, seconds * 1000);
})();
