/* ivig_home, inside the embedded form: tell the host page this page's height, that it
   loaded, the step number and, once sent, the reference. Posts go to the host origin the
   server checked against the agency's allowed origins, and to nothing else. */
(function () {
  "use strict";
  var me = document.currentScript;
  var host = me && me.getAttribute("data-host");
  if (!host || window.parent === window) return;

  function post(message) {
    message.source = "ivig-home";
    window.parent.postMessage(message, host);
  }

  function resize() {
    post({ type: "resize", height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
  }

  function ready() {
    var step = parseInt(me.getAttribute("data-step"), 10);
    var reference = me.getAttribute("data-reference");
    post({ type: "loaded" });
    if (step > 0) post({ type: "step", step: step });
    if (reference) post({ type: "submitted", reference: reference });
    resize();
    if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
    window.addEventListener("resize", resize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
