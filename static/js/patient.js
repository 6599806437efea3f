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

  function announceHelpNow(form, alert, level) {
    var live = form.querySelector('[data-help-now-live="' + level + '"]');
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = alert.getAttribute("data-announce");
    }, 50);
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

  function enhanceHelpNow(form) {
    if (!form.querySelector("[data-emergency-answers], [data-urgent-answers]")) return;
    updateHelpNow(form, false);
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
