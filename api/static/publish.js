// The publisher console: an upload with a progress bar (XMLHttpRequest upload progress) and a
// wait for the uploaded table to be loaded. Without JavaScript the form posts as usual and the
// page offers a link to look again.
(function () {
  "use strict";

  function uploadForm(form) {
    var bar = document.getElementById("upload-bar");
    var box = form.querySelector(".upload-progress");
    var status = document.getElementById("upload-status");
    var input = document.getElementById("upload-file");
    var limit = parseInt(form.getAttribute("data-limit"), 10);
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !input.files || input.files.length !== 1) return;
      event.preventDefault();
      if (limit && input.files[0].size > limit) {
        status.textContent = form.getAttribute("data-too-large");
        status.className = "field-error";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      status.className = "";
      status.textContent = form.getAttribute("data-sending");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          window.location.assign(xhr.responseURL || window.location.href);
          return;
        }
        // The server's own page says what went wrong: show its upload message here.
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var said = page.getElementById("upload-error");
        button.disabled = false;
        box.hidden = true;
        status.className = "field-error";
        status.textContent = said ? said.textContent.trim() : form.getAttribute("data-failed");
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        box.hidden = true;
        status.className = "field-error";
        status.textContent = form.getAttribute("data-failed");
      });
      xhr.send(new FormData(form));
    });
  }

  function waitForTables() {
    if (!document.querySelector("[data-pending]")) return;
    var tries = 0;
    function look() {
      tries += 1;
      fetch(window.location.pathname + window.location.search, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (text) {
          if (text.indexOf("data-pending=") === -1) {
            window.location.reload();
          } else if (tries < 120) {
            window.setTimeout(look, 1500);
          }
        })
        .catch(function () { if (tries < 120) window.setTimeout(look, 3000); });
    }
    window.setTimeout(look, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) uploadForm(form);
    waitForTables();
  });
})();
