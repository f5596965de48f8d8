// The ledger checked in the visitor's browser, from the public /audit/ endpoints only: the
// checkpoint's Ed25519 signature (WebCrypto) and key id, then either the whole tree (the
// transparency page: the Merkle root recomputed from the leaf hashes, RFC 9162 section 2.1.1,
// and the newest leaf's inclusion proof, section 2.1.3.2) or one entry (the regulator console's
// entry page, data-mode="entry": its leaf hash recomputed from its bytes, section 2.1, and its
// inclusion proof). Every word shown comes from the page's data-* attributes (its language).
(function () {
  "use strict";

  var enc = new TextEncoder();

  function b64(text) {
    var raw = atob(text.trim());
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function concat(parts) {
    var length = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  async function node(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  // MTH(D[n]): split at the largest power of two below n.
  async function treeHash(leaves) {
    if (leaves.length === 1) return leaves[0];
    var k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return node(await treeHash(leaves.slice(0, k)), await treeHash(leaves.slice(k)));
  }

  async function inclusionRoot(index, size, leaf, proof) {
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  async function getText(url) {
    var response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Failure("fetch");
    return response.text();
  }

  async function getJson(url) {
    return JSON.parse(await getText(url));
  }

  function Failure(step) { this.step = step; }

  // The latest checkpoint, its key id and Ed25519 signature checked: {size, root}.
  async function signedCheckpoint(mark) {
    var note = await getText("/audit/checkpoint");
    var vkey = (await getText("/audit/vkey")).trim();
    mark("fetch", "ok");

    var split = note.lastIndexOf("\n\n");
    var text = note.slice(0, split + 1);
    var lines = text.split("\n");
    var size = parseInt(lines[1], 10);
    var root = b64(lines[2]);
    var parts = vkey.split("+");
    var name = parts[0], keyId = parts[1], key = b64(parts.slice(2).join("+")).slice(1);
    var signatureLine = note.slice(split + 2).split("\n").filter(function (line) {
      return line.indexOf("\u2014 " + name + " ") === 0;
    })[0];
    if (!signatureLine) throw new Failure("key");
    var signed = b64(signatureLine.split(" ").pop());
    if (hex(signed.slice(0, 4)) !== keyId) throw new Failure("key");
    mark("key", "ok");

    var publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Failure("unsupported");
    }
    var valid = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signed.slice(4), enc.encode(text));
    if (!valid) throw new Failure("signature");
    mark("signature", "ok");
    return { size: size, root: root };
  }

  // The inclusion proof of leaf ``index`` in the checkpoint; ``leaf`` the hash it must start from.
  async function checkInclusion(index, checkpoint, leaf) {
    var proof = await getJson("/audit/proofs/inclusion?index=" + index + "&size=" + checkpoint.size);
    if (leaf !== null && !equal(b64(proof.leaf_hash), leaf)) return "leaf";
    var computed = await inclusionRoot(index, checkpoint.size, b64(proof.leaf_hash), proof.proof.map(b64));
    return computed !== null && equal(computed, checkpoint.root) ? null : "proof";
  }

  // The transparency page: the whole tree (when small enough) and the newest entry.
  async function checkTree(words, mark) {
    var checkpoint = await signedCheckpoint(mark);
    var size = checkpoint.size;
    if (size <= parseInt(words.recomputeMax, 10)) {
      var leaves = [];
      for (var start = 0; start < size; start += 1000) {
        var end = Math.min(size, start + 1000);
        var page = await getJson("/audit/leaves?start=" + start + "&end=" + end);
        page.leaf_hashes.forEach(function (h) { leaves.push(b64(h)); });
      }
      if (leaves.length !== size || !equal(await treeHash(leaves), checkpoint.root)) throw new Failure("root");
      mark("root", "ok");
    } else {
      mark("root", "skipped");
    }
    if (await checkInclusion(size - 1, checkpoint, null)) throw new Failure("proof");
    mark("proof", "ok");
  }

  // The console's entry page: this entry's bytes hash to its leaf, and the leaf is in the tree.
  async function checkEntry(words, mark) {
    var checkpoint = await signedCheckpoint(mark);
    var index = parseInt(words.index, 10);
    if (index >= checkpoint.size) throw new Failure("pending");
    var bytes = enc.encode(document.getElementById("entry-canonical").textContent);
    var leaf = await sha256(concat([new Uint8Array([0]), bytes]));
    if (!equal(leaf, b64(words.leaf))) throw new Failure("leaf");
    var failed = await checkInclusion(index, checkpoint, leaf);
    if (failed) throw new Failure(failed);
    mark("leaf", "ok");
    mark("proof", "ok");
  }

  function start() {
    var section = document.getElementById("verify");
    var button = document.getElementById("verify-button");
    if (!section || !button || !window.crypto || !crypto.subtle || !window.fetch) return;
    var status = document.getElementById("verify-status");
    var words = section.dataset;
    var check = words.mode === "entry" ? checkEntry : checkTree;
    button.hidden = false;

    function mark(step, state) {
      var item = section.querySelector('[data-step="' + step + '"]');
      if (item) item.dataset.state = state;
    }

    function reset() {
      section.querySelectorAll("[data-step]").forEach(function (li) { delete li.dataset.state; });
      status.className = "";
      status.textContent = words.running;
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      reset();
      check(words, mark).then(
        function () {
          status.className = "notice notice-ok";
          status.textContent = words.ok;
        },
        function (error) {
          var step = error instanceof Failure ? error.step : "fetch";
          if (step === "unsupported") {
            status.className = "notice";
            status.textContent = words.unsupported;
            return;
          }
          mark(step, "failed");
          var reason = words["fail" + step.charAt(0).toUpperCase() + step.slice(1)];
          status.className = "notice notice-error";
          status.textContent = words.failed + reason;
        }
      ).then(function () { button.disabled = false; });
    });
  }

  // Shared with other pages' scripts: the RFC 9162 hashing and the signed checkpoint.
  window.ShuduLedger = {
    b64: b64, equal: equal, sha256: sha256, treeHash: treeHash, inclusionRoot: inclusionRoot,
    signedCheckpoint: signedCheckpoint, checkInclusion: checkInclusion
  };

  document.addEventListener("DOMContentLoaded", start);
})();
