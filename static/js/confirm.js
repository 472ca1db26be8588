// Forms whose step cannot be undone ask first: <form data-confirm="question">. Kept out of the markup
// because the Content-Security-Policy runs no inline script.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
