/* Progressive enhancement for the patient form (the pages work fully without it):
   a follow-up question appears as soon as the answer that asks it is given, an answer that
   needs help now shows its message at once, the error summary takes focus, and its links
   bring the whole question into view. */
(function () {
  "use strict";

  function valueOf(form, itemId) {
    var wrapper = document.getElementById("question-" + itemId);
    if (!wrapper || wrapper.hidden) return null;
    var inputs = form.querySelectorAll('[name="' + itemId + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) return input.value;
      } else {
        return input.value;
      }
    }
    return null;
  }

  function holds(form, wrapper) {
    var value = valueOf(form, wrapper.getAttribute("data-when-item"));
    var equals = wrapper.getAttribute("data-when-equals");
    if (equals !== null) return value === equals;
    var number = value === null ? "" : String(value).replace(/[\s,]/g, "");
    return /^[0-9]{1,6}$/.test(number) &&
      parseInt(number, 10) >= parseInt(wrapper.getAttribute("data-when-at-least"), 10);
  }

  function update(form, announce) {
    var appeared = 0;
    var followUps = form.querySelectorAll("[data-when-item]");
    for (var i = 0; i < followUps.length; i++) {
      var wrapper = followUps[i];
      var show = holds(form, wrapper);
      if (show === !wrapper.hidden) continue;
      wrapper.hidden = !show;
      var shown = wrapper.querySelector('input[name="shown"]');
      if (shown) shown.disabled = !show;
      if (show) appeared++;
    }
    var live = form.querySelector("[data-live-region]");
    if (announce && appeared && live) {
      live.textContent = "";
      window.setTimeout(function () {
        live.textContent = live.getAttribute("data-appeared-text");
      }, 50);
    }
  }

  function enhanceForm(form) {
    if (!form.querySelector("[data-when-item]")) return;
    update(form, false);
    form.addEventListener("change", function () { update(form, true); });
    form.addEventListener("input", function () { update(form, true); });
  }

  /* Help now: a question whose wrapper lists data-emergency-answers or data-urgent-answers
     shows its "Call 911 now" or "Call your care team today" message the moment such an
     answer is chosen, announced once (assertive for 911, polite for today), and hides it
     again for any other answer. Focus stays where it is: the patient may still be answering.
     The help-now page after Continue is unchanged. */
  function helpNowLevel(form, wrapper) {
    var value = valueOf(form, wrapper.id.replace(/^question-/, ""));
    if (value === null) return null;
    var levels = ["emergency", "urgent"];
    for (var i = 0; i < levels.length; i++) {
      var answers = (wrapper.getAttribute("data-" + levels[i] + "-answers") || "").split(/\s+/);
      if (answers.indexOf(value) !== -1) return levels[i];
    }
    return null;
  }

  // Announced after a short pause, and only if the message is still shown then: moving
  // through the answers with the arrow keys past "Yes" must not set off "Call 911 now".
  // At that same moment the message counts as seen: a "help-now-seen" event on the form
  // asks the autosave below to tell the server, which records it as shown.
  var HELP_NOW_PAUSE = 700; // ms
  function announceHelpNow(form, alert, level) {
    var live = form.querySelector('[data-help-now-live="' + level + '"]');
    if (!live) return;
    window.clearTimeout(live.pending);
    live.pending = window.setTimeout(function () {
      if (alert.hidden) return;
      live.textContent = "";
      window.setTimeout(function () {
        live.textContent = alert.getAttribute("data-announce");
      }, 50);
      form.dispatchEvent(new CustomEvent("help-now-seen", { detail: level }));
    }, HELP_NOW_PAUSE);
  }

  function updateHelpNow(form, announce) {
    var wrappers = form.querySelectorAll("[data-emergency-answers], [data-urgent-answers]");
    for (var i = 0; i < wrappers.length; i++) {
      var level = helpNowLevel(form, wrappers[i]);
      var alerts = wrappers[i].querySelectorAll("[data-help-now]");
      for (var j = 0; j < alerts.length; j++) {
        var alert = alerts[j];
        var show = alert.getAttribute("data-help-now") === level;
        if (show === !alert.hidden) continue;
        alert.hidden = !show;
        if (show && announce) announceHelpNow(form, alert, level);
      }
    }
  }

  // A page opened with such an answer already chosen (a draft reopened, Back) shows its
  // message from the start, unannounced: it is part of the page, read in order. Once it has
  // stayed up as long, it counts as seen too.
  function seenOnLoad(form) {
    var shown = form.querySelectorAll("[data-help-now]:not([hidden])");
    if (!shown.length) return;
    window.setTimeout(function () {
      for (var i = 0; i < shown.length; i++) {
        if (shown[i].hidden) continue;
        form.dispatchEvent(new CustomEvent("help-now-seen",
                                           { detail: shown[i].getAttribute("data-help-now") }));
      }
    }, HELP_NOW_PAUSE);
  }

  function enhanceHelpNow(form) {
    if (!form.querySelector("[data-emergency-answers], [data-urgent-answers]")) return;
    updateHelpNow(form, false);
    seenOnLoad(form);
    form.addEventListener("change", function () { updateHelpNow(form, true); });
  }

  function enhanceErrorSummary(summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) return;
      event.preventDefault();
      var question = input.closest(".question") || input;
      question.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.step-form");
    for (var i = 0; i < forms.length; i++) {
      enhanceForm(forms[i]);
      enhanceHelpNow(forms[i]);
    }
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) enhanceErrorSummary(summary);
  });
})();

/* Autosave (kept apart from the rest): on a step form, each change is saved in the
   background, so a patient who tires, closes the tab or goes Back loses nothing. Radios and
   ticks are saved at once, typing after a pause; never two saves at once (the latest waits).
   The form's own token and the draft id in its URL are all a save needs (no cookie), so it
   works inside the embedded frame too. The server answers 204 and stores only what it can
   keep; Continue still checks and saves everything. Each save names the stored answers it
   last saw, so one that reaches the server after a Continue is refused, not stored. A
   help-now message that stayed up long enough to be announced is named in the next save
   (help_now_seen), so the server can record it as shown. */
(function () {
  "use strict";
  var TYPING_PAUSE = 1500; // ms after the last key press

  function isChoice(input) {
    return input.type === "radio" || input.type === "checkbox";
  }

  function enhanceAutosave(form) {
    var box = form.querySelector("[data-autosave]");
    if (!box || !window.fetch || !window.FormData) return;
    var saved = box.querySelector("[data-autosave-saved]");
    var failed = box.querySelector("[data-autosave-failed]");
    // getAttribute: the buttons named "action" hide the form's own `action` property.
    var url = form.getAttribute("action") || window.location.href;
    var version = box.getAttribute("data-version") || "";
    var timer = null;
    var inFlight = false;
    var again = false; // a change came while a save was under way
    var leaving = false; // the form is being sent: no more saves
    var retried = false; // a refused save was sent again once, over a newer version
    var seen = {}; // help-now messages announced, not yet named in a save that was stored

    // outcome: "all" (every answer kept), "some" (some refused: Continue will say why),
    // "sent" (the checklist was sent, nothing more is kept) or "failed".
    function show(outcome) {
      saved.hidden = outcome !== "all";
      var text = outcome === "all" ? "" : failed.getAttribute("data-" + outcome + "-text");
      // Only a problem goes to the live region, and the same one is not repeated.
      if (failed.textContent !== text) failed.textContent = text;
    }

    function save() {
      window.clearTimeout(timer);
      timer = null;
      if (leaving) return;
      if (inFlight) { again = true; return; }
      inFlight = true;
      again = false;
      var data = new FormData(form);
      data.set("action", "autosave");
      data.set("autosave_version", version);
      var naming = Object.keys(seen);
      seen = {};
      for (var i = 0; i < naming.length; i++) data.append("help_now_seen", naming[i]);
      // Not stored (refused or failed): the next save names the messages again.
      var unsent = function () {
        for (var j = 0; j < naming.length; j++) seen[naming[j]] = true;
      };
      window.fetch(url, { method: "POST", body: data, credentials: "same-origin",
                          redirect: "manual", keepalive: true })
        .then(function (response) {
          var newer = response.headers.get("X-Answers-Version");
          if (response.status === 204) {
            version = newer || version;
            retried = false;
            return response.headers.get("X-Answers-Kept") === "some" ? "some" : "all";
          }
          unsent();
          // A refusal is answered 200 with its reason (not 409, which every browser logs
          // to the console as an error): nothing was stored.
          var why = response.headers.get("X-Autosave-Refused");
          if (why === "sent") { leaving = true; return "sent"; }
          // Stored answers newer than this page's (another tab, or a reply that was lost):
          // save once more over them, as this page's Continue would.
          if (why === "stale" && newer && !retried) {
            version = newer;
            retried = true;
            again = true;
            return null;
          }
          return "failed";
        }, function () { unsent(); return "failed"; })
        .then(function (outcome) {
          inFlight = false;
          if (outcome === "sent") { window.clearTimeout(timer); show(outcome); return; }
          if (leaving) return;
          if (outcome) show(outcome);
          if (again) save();
        });
    }

    function later() {
      if (leaving) return;
      retried = false;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, TYPING_PAUSE);
    }

    form.addEventListener("change", function (event) {
      if (!event.target.name) return;
      retried = false; // a new change may be sent again once if refused as stale
      save(); // a choice, or a box left after typing
    });
    form.addEventListener("input", function (event) {
      if (event.target.name && !isChoice(event.target)) later();
    });
    // A help-now message stayed up long enough to be announced: say so at once.
    form.addEventListener("help-now-seen", function (event) {
      seen[event.detail] = true;
      save();
    });
    // Continue, Back or Save: the post itself keeps everything; nothing more to send.
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      timer = null;
      leaving = true;
    });
    // Closing the tab or switching away: save what was typed without waiting for the pause.
    var now = function () { if (timer !== null) save(); };
    window.addEventListener("pagehide", now);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") now();
    });
    // Back on this page from the browser's history: saving works again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) leaving = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.step-form");
    for (var i = 0; i < forms.length; i++) enhanceAutosave(forms[i]);
  });
})();
