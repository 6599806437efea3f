/* Progressive enhancement for the care team's pages (they work fully without it).

   A submission's answers are folded away by section (<details data-print-open>). Printing
   opens them all: staff.css shows their content for print, and this opens the sections
   before the print dialog (so browsers without that CSS print them too), then folds again
   the ones the nurse had not opened. */
(function () {
  "use strict";

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
