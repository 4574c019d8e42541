/* On every page: after a failed submission, bring the summary of what to fix into view and focus. */
(function () {
  "use strict";
  var summary = document.querySelector(".form-errors");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
})();
