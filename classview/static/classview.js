// The class view's live updates: the page's live part is replaced by the
// fragment each server-sent "live" event carries (HTML made and escaped by
// the server's templates), keeping which students' answers are open and
// where the keyboard focus is. No inline script or handler is needed, so the
// page's Content-Security-Policy allows scripts from this file only.
"use strict";
(function () {
  const live = document.getElementById("live");
  const connection = document.getElementById("connection");
  const updated = document.getElementById("updated");
  if (!live || !connection || !window.EventSource) {
    return;
  }
  let said = "";
  function say(text) {
    if (text !== said) { // role=status announces each change: only real ones
      said = text;
      connection.textContent = text;
    }
  }

  function swap(html) {
    const open = Array.from(live.querySelectorAll("details[open]"), (d) => d.id);
    const active = document.activeElement;
    const focused = active && live.contains(active) ? active.id : "";
    const scroll = window.scrollY;
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    live.replaceChildren(tpl.content);
    for (const id of open) {
      const d = document.getElementById(id);
      if (d && d.tagName === "DETAILS") {
        d.open = true;
      }
    }
    if (focused) {
      const f = document.getElementById(focused);
      if (f) {
        f.focus({ preventScroll: true });
      }
    }
    window.scrollTo(window.scrollX, scroll);
  }

  const source = new EventSource(connection.dataset.events);
  let version = 0;
  source.addEventListener("open", () => say("Live updates are on."));
  source.addEventListener("live", (e) => {
    const data = JSON.parse(e.data);
    if (data.version === version) {
      return;
    }
    version = data.version;
    swap(data.html);
    updated.textContent = "Updated at " + new Date().toLocaleTimeString() + ".";
    say("Live updates are on.");
  });
  source.addEventListener("signedout", () => {
    source.close();
    say("Signed out: reload the page to sign in again.");
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      say("Live updates stopped (signed out, or not allowed): reload the page.");
    } else {
      say("Connection lost; reconnecting…");
    }
  });
})();
