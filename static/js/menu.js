/* The navigation behind a menu button on narrow screens.
 *
 * The stylesheet hides the menu on phones only once this script has marked the header (has-menu),
 * so without JavaScript the navigation simply stays open. No inline script: the
 * Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  function setUp() {
    const header = document.querySelector(".topbar");
    const button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    header.classList.add("has-menu");
    button.addEventListener("click", function () {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        button.setAttribute("aria-expanded", "false");
        header.classList.remove("menu-open");
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
