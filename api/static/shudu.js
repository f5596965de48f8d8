// Shudu's pages work without this script; it only adds: search suggestions, copy buttons,
// read-aloud on dataset pages, preview paging through the records API, and the API reference's
// filter as you type. All page text comes from the page (data-* attributes), so the script
// holds no words of its own.
(function () {
  "use strict";

  function suggestions() {
    var input = document.getElementById("site-q");
    var list = document.getElementById("site-q-suggestions");
    if (!input || !list || !window.fetch) return;
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === last || q.length === 0) return;
        last = q;
        fetch("/api/v1/search/suggest?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (body) {
            list.textContent = "";
            body.items.forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.text;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  }

  function copyButtons() {
    var status = document.getElementById("copy-status");
    if (!navigator.clipboard || !status) return;
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var block = document.querySelector('[aria-labelledby="' + button.dataset.copy + '"] code');
      if (!block) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = "";
        navigator.clipboard.writeText(block.textContent).then(
          function () { status.textContent = status.dataset.done; },
          function () { status.textContent = status.dataset.failed; }
        );
      });
    });
  }

  function readAloud() {
    var button = document.getElementById("read-aloud");
    if (!button || !("speechSynthesis" in window)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (window.speechSynthesis.speaking) {
        window.speechSynthesis.cancel();
        button.textContent = button.dataset.start;
        return;
      }
      var parts = ["dataset-title", "dataset-description", "about"].map(function (id) {
        var node = document.getElementById(id);
        return node ? node.innerText : "";
      });
      var utterance = new SpeechSynthesisUtterance(parts.join("。\n"));
      utterance.lang = button.dataset.lang;
      utterance.onend = function () { button.textContent = button.dataset.start; };
      button.textContent = button.dataset.stop;
      window.speechSynthesis.speak(utterance);
    });
  }

  // The preview's pager links keep working as links; with the script they fetch the page
  // from the records API and redraw the table body in place.
  function previewPaging() {
    var section = document.getElementById("data");
    if (!section || !window.fetch || !section.dataset.records) return;
    var status = document.getElementById("preview-status");
    var tbody = section.querySelector("tbody");
    var rows = parseInt(section.dataset.rows, 10);
    var pages = parseInt(section.dataset.pages, 10);
    var fields = Array.prototype.map.call(section.querySelectorAll("th[data-field]"), function (th) {
      return { id: th.dataset.field, numeric: th.classList.contains("num") };
    });
    section.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-page-link]");
      if (!link) return;
      event.preventDefault();
      var url = new URL(link.href);
      var page = parseInt(link.dataset.pageLink, 10);
      var params = new URLSearchParams({ limit: rows, offset: (page - 1) * rows });
      var sort = url.searchParams.get("sort");
      if (sort) params.set("sort", sort);
      fetch(section.dataset.records + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          tbody.textContent = "";
          body.records.forEach(function (record) {
            var tr = document.createElement("tr");
            fields.forEach(function (f) {
              var td = document.createElement("td");
              var value = record[f.id];
              td.textContent = value === null || value === undefined ? "" : String(value);
              if (f.numeric) td.className = "num";
              tr.appendChild(td);
            });
            tbody.appendChild(tr);
          });
          section.dataset.page = String(page);
          status.textContent = status.dataset.template
            ? status.dataset.template.replace("{page}", page)
            : status.textContent;
          section.querySelectorAll("a[data-page-link]").forEach(function (a) {
            var target = a.rel === "prev" ? page - 1 : page + 1;
            a.hidden = target < 1 || target > pages;
            a.dataset.pageLink = String(target);
            var next = new URL(a.href);
            next.searchParams.set("page", String(target));
            a.href = next.toString();
          });
          history.replaceState(null, "", url.pathname + url.search + "#data");
        })
        .catch(function () { window.location.href = link.href; });
    });
  }

  // The API reference filters as you type; without the script its form asks the server (?q=).
  function referenceFilter() {
    var input = document.getElementById("ref-q");
    var count = document.getElementById("ref-count");
    var list = document.getElementById("ref-list");
    var empty = document.getElementById("ref-empty");
    if (!input || !count || !list || !empty) return;
    var timer = null;
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      list.querySelectorAll("article[data-search]").forEach(function (op) {
        var hay = op.dataset.search;
        var match = words.every(function (w) { return hay.indexOf(w) !== -1; });
        op.hidden = !match;
        if (match) shown += 1;
      });
      list.querySelectorAll("section[data-group]").forEach(function (group) {
        group.hidden = !group.querySelector("article:not([hidden])");
      });
      empty.hidden = shown !== 0;
      count.textContent = shown === 0 ? count.dataset.none : count.dataset.some
        .replace("{count}", String(shown)).replace("{total}", count.dataset.total);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
  }

  // A form marked data-confirm asks before it is sent (every console action that changes
  // something); without JavaScript the form is sent as it is.
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    confirmations();
    suggestions();
    copyButtons();
    readAloud();
    previewPaging();
    referenceFilter();
  });
})();
