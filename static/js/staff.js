/* Progressive enhancement for the care team's pages (they work fully without it).

   After an item's own "Save item N" button the review page comes back at #item-N with a
   message in that item. Browsers focus the item's heading (tabindex="-1") on their own when
   they go to the fragment; this makes sure of it, and fills the message's live region again
   once the page has settled, so a screen reader reads out what was saved (or why nothing
   was). */
(function () {
  "use strict";

  function announceItemMessage(message) {
    var heading = document.getElementById(message.getAttribute("data-item-message"));
    if (heading && document.activeElement !== heading) heading.focus();
    var text = message.textContent;
    message.textContent = "";
    window.setTimeout(function () { message.textContent = text; }, 150);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var message = document.querySelector("[data-item-message]");
    if (message) announceItemMessage(message);
  });
})();
