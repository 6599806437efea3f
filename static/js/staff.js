/* Progressive enhancement for the care team's pages (they work fully without it).

   A page sent back with errors: the list of errors takes the focus, and its links put the
   focus in the item to fix (its first box), not on the box's group, which cannot take it.

   A submission's answers are folded away by section (<details data-print-open>). Printing
   opens them all: staff.css shows their content for print, and this opens the sections
   before the print dialog (so browsers without that CSS print them too), then folds again
   the ones the nurse had not opened. */
(function () {
  "use strict";

  function enhanceErrorSummary(summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      var control = target.matches("input, textarea, select") ? target
        : target.querySelector("input:not([type=hidden]), textarea, select");
      if (!control) return;
      event.preventDefault();
      (target.closest("article") || target).scrollIntoView();
      control.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) enhanceErrorSummary(summary);
  });

  var opened = [];

  window.addEventListener("beforeprint", function () {
    opened = [];
    document.querySelectorAll("details[data-print-open]:not([open])").forEach(function (fold) {
      fold.open = true;
      opened.push(fold);
    });
  });

  window.addEventListener("afterprint", function () {
    opened.forEach(function (fold) { fold.open = false; });
    opened = [];
  });
})();
