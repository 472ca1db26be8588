/* Actions that take more than a moment say that they are working and cannot be sent twice.
 *
 * <form data-busy="Working…">: on submit the form is marked aria-busy, its submit buttons are marked
 * disabled (aria-disabled, so keyboard focus stays on the button) and a status next to the pressed
 * button shows the text; a second submit is refused until the next page arrives.
 * <a data-busy="Working…"> (a download, such as a PDF export): the same, until the download has had
 * time to start. Kept out of the markup because the Content-Security-Policy runs no inline script.
 */
(function () {
  "use strict";

  const DOWNLOAD_SECONDS = 15;

  function showWorking(element, anchor) {
    element.setAttribute("aria-busy", "true");
    const status = document.createElement("span");
    status.className = "busy-status";
    status.setAttribute("role", "status");
    status.textContent = element.dataset.busy;
    anchor.insertAdjacentElement("afterend", status);
  }

  function finish(element) {
    element.removeAttribute("aria-busy");
    element.querySelectorAll("[aria-disabled=true]").forEach(function (button) { button.removeAttribute("aria-disabled"); });
    if (element.matches("a")) element.removeAttribute("aria-disabled");
    const status = element.matches("a") ? element.nextElementSibling : element.querySelector(".busy-status");
    if (status && status.classList.contains("busy-status")) status.remove();
  }

  // Bubbling, after confirm.js (capture) may have cancelled the submit.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    const buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    buttons.forEach(function (button) { button.setAttribute("aria-disabled", "true"); });
    showWorking(form, event.submitter || buttons[buttons.length - 1] || form.lastElementChild);
  });

  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[data-busy]");
    if (!link) return;
    if (link.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    link.setAttribute("aria-disabled", "true");
    showWorking(link, link);
    setTimeout(function () { finish(link); }, DOWNLOAD_SECONDS * 1000);
  });

  // Back to a page kept in the browser's cache: what was working then is over.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("[data-busy][aria-busy=true]").forEach(finish);
  });
})();
