/* Autosave that never shows a failed save as saved.
 *
 * A form.autosave posts with htmx on every change; its hx-target is the save status next to the
 * Save button (an aria-live region). Only the server's own "saved" partial (marked
 * data-autosave="saved") may say "Saved". A save that fails (network down, timeout, server error,
 * a sign-in page instead of the partial) says so in the status, keeps what was typed, offers
 * "Retry now" and retries by itself with growing pauses; the next change saves as well.
 * Refusals the server explains (409 conflict, 422 bad input) are swapped in by htmx and not retried.
 */
(function () {
  "use strict";

  const RETRY_SECONDS = [5, 15, 30, 60];
  const REFUSED = [409, 422];
  const UNSAVED = ["dirty", "saving", "failed"];

  function autosaveForm(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("form.autosave") : null;
  }

  function statusOf(form) {
    return document.querySelector(form.getAttribute("hx-target"));
  }

  function text(name) {
    return document.getElementById("autosave-texts").dataset[name];
  }

  function showSaving(form) {
    const status = statusOf(form);
    status.replaceChildren(Object.assign(document.createElement("span"), {className: "muted", textContent: text("saving")}));
  }

  function showFailure(form, reason) {
    const status = statusOf(form);
    const message = document.createElement("span");
    message.className = "save-failed not-saved";
    message.textContent = text(reason) + " " + text("kept") + " ";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "link retry";
    retry.textContent = text("retry");
    retry.addEventListener("click", function () { saveAgain(form); });
    message.appendChild(retry);
    status.replaceChildren(message);
  }

  function saveAgain(form) {
    clearTimeout(form.autosaveRetry);
    if (form.isConnected) {
      htmx.trigger(form, "submit");
    }
  }

  function scheduleRetry(form) {
    const attempt = form.autosaveAttempt || 0;
    form.autosaveAttempt = attempt + 1;
    const seconds = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
    clearTimeout(form.autosaveRetry);
    form.autosaveRetry = setTimeout(function () { saveAgain(form); }, seconds * 1000);
  }

  document.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form.autosave");
    if (form) {
      form.dataset.saveState = "dirty";
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = autosaveForm(event);
    if (!form) return;
    clearTimeout(form.autosaveRetry);
    form.dataset.saveState = "saving";
    form.autosaveUnexpected = false;
    showSaving(form);
  });

  // A 2xx answer without the saved partial (e.g. the sign-in page after a session ended) saved nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = autosaveForm(event);
    const status = event.detail.xhr.status;
    if (!form || status < 200 || status > 299) return;
    if (!/data-autosave="saved"/.test(event.detail.serverResponse)) {
      event.detail.shouldSwap = false;
      form.autosaveUnexpected = true;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = autosaveForm(event);
    if (!form) return;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (REFUSED.includes(status)) {
      // The server's answer, swapped in, says what is wrong; the user's input is in it.
      form.dataset.saveState = "failed";
      return;
    }
    if (status >= 200 && status <= 299 && !form.autosaveUnexpected) {
      form.autosaveAttempt = 0;
      // Typing during the save leaves the form dirty: that text goes with the next save.
      if (form.dataset.saveState === "saving") form.dataset.saveState = "saved";
      return;
    }
    form.dataset.saveState = "failed";
    showFailure(form, form.autosaveUnexpected ? "signedOut" : status === 0 ? "unreachable" : "serverError");
    scheduleRetry(form);
  });

  // A refused save swaps in the whole question again: focus goes to the first field in error, or else to
  // the message (a conflict), so keyboard and screen-reader users land on what needs them. A successful
  // save leaves focus where the user is typing; its status line is a live region.
  document.addEventListener("htmx:load", function (event) {
    const swapped = event.detail.elt;
    if (!swapped || swapped === document.body || !swapped.querySelector) return;
    const needsAttention = swapped.querySelector("[aria-invalid=true]:not(fieldset), fieldset[aria-invalid=true] input, [role=alert]");
    if (needsAttention) needsAttention.focus();
  });

  // A link to "#q-N" on the application (from before it showed one standard per page) whose question is
  // on another standard's page goes to that page.
  document.addEventListener("DOMContentLoaded", function () {
    const asked = /^#q-(\d+)$/.exec(window.location.hash);
    const nav = document.getElementById("standard-nav");
    if (asked && nav && !document.getElementById("q-" + asked[1])) {
      window.location.replace(nav.dataset.questionUrl.replace(/\/0\/$/, "/" + asked[1] + "/"));
    }
  });

  window.addEventListener("beforeunload", function (event) {
    const pending = Array.from(document.querySelectorAll("form.autosave")).some(function (form) {
      return UNSAVED.includes(form.dataset.saveState) || form.querySelector(".not-saved");
    });
    if (pending) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
