// The meeting's presentation: one slide at a time; arrow keys, Page Up/Down, Home/End and the buttons.
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
  var counter = document.querySelector("[data-counter]");
  var current = 0;
  var rtl = document.documentElement.dir === "rtl";

  function show(index) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    counter.textContent = (current + 1) + " / " + slides.length;
  }

  document.querySelector("[data-prev]").addEventListener("click", function () { show(current - 1); });
  document.querySelector("[data-next]").addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    var forward = rtl ? "ArrowLeft" : "ArrowRight";
    var back = rtl ? "ArrowRight" : "ArrowLeft";
    if (event.key === forward || event.key === "PageDown" || event.key === " ") { show(current + 1); event.preventDefault(); }
    else if (event.key === back || event.key === "PageUp") { show(current - 1); event.preventDefault(); }
    else if (event.key === "Home") { show(0); event.preventDefault(); }
    else if (event.key === "End") { show(slides.length - 1); event.preventDefault(); }
  });
  show(0);
})();
