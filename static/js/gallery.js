// Progressive enhancement of the story gallery: filters apply as they change, without a full page load.
// Without JavaScript the form is a plain GET form and every link works.
(function () {
  "use strict";
  var form = document.querySelector("[data-gallery-form]");
  var results = document.querySelector("[data-gallery-results]");
  if (!form || !results || !window.fetch || !window.DOMParser) return;

  var pending = null;

  function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    results.setAttribute("aria-busy", "true");
    fetch(url, { signal: pending.signal, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-gallery-results]");
        if (!fresh) { window.location.href = url; return; }
        results.innerHTML = fresh.innerHTML;
        results.removeAttribute("aria-busy");
        if (push) history.pushState({ gallery: true }, "", url);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") window.location.href = url;
      });
  }

  function formUrl() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) params.delete(key); });
    var query = params.toString();
    return form.action + (query ? "?" + query : "");
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "q") return; // words are applied on submit, not on every keystroke
    load(formUrl(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(formUrl(), true);
  });
  results.addEventListener("click", function (event) {
    var link = event.target.closest(".pagination a, .facets a");
    if (!link) return;
    event.preventDefault();
    load(link.href, true);
    results.querySelector("h2").focus && results.scrollIntoView({ behavior: "smooth", block: "start" });
  });
  window.addEventListener("popstate", function () { window.location.reload(); });
})();
