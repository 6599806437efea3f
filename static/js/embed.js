/* The checklist's embed: <script src="https://HOST/embed.js" data-agency="SLUG" async></script>
   Puts the agency's checklist in an iframe, sizes it to its content, and tells the page
   only: loaded, step (a number) and submitted (the reference). No names, answers or flags.
   A frame whose page never says it loaded (this site is not on the agency's list, so the
   browser refuses to show it; or the app cannot be reached) is hidden after a few seconds,
   leaving a sentence and the link to open the checklist in a new tab; it comes back if its
   page loads after all. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[data-agency][src*='embed.js']:not([data-ivig-done])");
  if (!script || script.hasAttribute("data-ivig-done")) return;
  script.setAttribute("data-ivig-done", "");
  var slug = script.getAttribute("data-agency") || "";
  if (!/^[a-z0-9-]{1,64}$/.test(slug)) return;
  var app = new URL(script.src, location.href).origin;
  var box = document.createElement("div");
  var frame = document.createElement("iframe");
  var note = document.createElement("p");
  var link = document.createElement("a");
  var problem = document.createElement("span");
  var first = true;
  var wait = parseInt(script.getAttribute("data-wait"), 10) || 6000;  // milliseconds

  box.className = "ivig-home-embed";
  frame.src = app + "/embed/" + slug + "/?host=" + encodeURIComponent(location.origin);
  frame.title = script.getAttribute("data-title") || "IVIG home-infusion checklist";
  frame.style.cssText = "display:block;width:100%;border:0;height:" +
    (parseInt(script.getAttribute("data-height"), 10) || 900) + "px";
  link.href = app + "/a/" + slug + "/";
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "Open the checklist in a new tab";
  // Large enough to read and to tap with a weak hand, whatever the host page's styles.
  note.style.cssText = "font-size:1.25em;line-height:1.5";
  link.style.cssText = "display:inline-block;min-height:44px;padding:8px 0;font-weight:bold";
  problem.textContent = "The checklist cannot be shown on this page. ";
  note.appendChild(link);
  box.appendChild(frame);
  box.appendChild(note);
  script.parentNode.insertBefore(box, script.nextSibling);

  // No "loaded" yet: show the link alone, not a large empty or broken frame.
  var timer = window.setTimeout(function () {
    frame.style.display = "none";
    note.insertBefore(problem, link);
  }, wait);

  function tell(detail) {
    box.dispatchEvent(new CustomEvent("ivig-home", { bubbles: true, detail: detail }));
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    // Only the frame this script made, served from the app's own origin, is heard.
    if (event.origin !== app || event.source !== frame.contentWindow) return;
    if (!data || typeof data !== "object" || data.source !== "ivig-home") return;
    if (data.type === "resize" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(Math.ceil(data.height), 20000) + "px";
    } else if (data.type === "loaded") {
      window.clearTimeout(timer);
      if (frame.style.display === "none") {
        frame.style.display = "block";
        if (problem.parentNode) note.removeChild(problem);
      }
      // A new step replaces the page in the frame: bring its top into view.
      if (!first && frame.getBoundingClientRect().top < 0) frame.scrollIntoView();
      first = false;
      tell({ type: "loaded" });
    } else if (data.type === "step" && data.step === (data.step | 0) && data.step > 0 &&
               data.step < 100) {
      tell({ type: "step", step: data.step });
    } else if (data.type === "submitted" && typeof data.reference === "string" &&
               /^[A-Z0-9-]{1,16}$/.test(data.reference)) {
      tell({ type: "submitted", reference: data.reference });
    }
  });
})();
