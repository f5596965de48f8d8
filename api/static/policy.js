// The offer builder's live summary: as the publisher changes the form, it is posted (with its
// CSRF token, like any form of the site) to /exchange/products/summary, which builds the policy
// with the same licensing.builder the real submit uses and answers with its description in
// Chinese and English; the summary region (aria-live="polite") shows them. Without JavaScript
// the form's "preview" button asks the page itself for the same summary.
(function () {
  "use strict";

  function fill(region, lang, said) {
    var box = region.querySelector('[data-summary-lang="' + lang + '"]');
    var list = box.querySelector("[data-summary-policy]");
    list.textContent = "";
    said.policy.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    box.querySelector("[data-summary-price]").textContent = said.price;
    box.querySelector("[data-summary-term]").textContent = said.term;
  }

  function show(region, answer) {
    var note = region.querySelector("[data-summary-note]");
    var texts = region.querySelector("[data-summary-texts]");
    if (answer && answer.zh && answer.en) {
      fill(region, "zh", answer.zh);
      fill(region, "en", answer.en);
      note.hidden = true;
      texts.hidden = false;
      return;
    }
    texts.hidden = true;
    note.hidden = false;
    note.textContent = "";
    var lines = (answer && answer.lines) || [];
    if (!lines.length) {
      note.textContent = region.getAttribute("data-empty");
      return;
    }
    var list = document.createElement("ul");
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    note.appendChild(list);
  }

  function builder(form) {
    var region = form.querySelector(".offer-summary");
    if (!region || !window.fetch || !window.FormData) return;
    var timer = null;
    var asked = 0;
    function ask() {
      var mine = ++asked;
      var body = new FormData(form);
      body.delete("action");
      fetch(form.getAttribute("data-summary-url") + window.location.search, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (answer) {
          if (mine === asked) show(region, answer);
        })
        .catch(function () {
          if (mine !== asked) return;
          show(region, { lines: [form.getAttribute("data-failed")] });
        });
    }
    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 300);
    }
    form.addEventListener("change", soon);
    form.addEventListener("input", soon);
    form.setAttribute("data-live", "on");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form.policy-builder"), builder);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
