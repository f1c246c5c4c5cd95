// After a form comes back with errors, move the focus to the summary so screen readers read it first and
// keyboard users can follow its links to each field.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
