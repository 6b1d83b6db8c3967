// E-Hab's own script: small, no inline handlers (the CSP forbids them), progressive only.
(function () {
  "use strict";
  // Send Django's CSRF token with every htmx request.
  document.addEventListener("htmx:configRequest", function (event) {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) {
      event.detail.headers["X-CSRFToken"] = input.value;
    }
  });

  // An autosave that did not reach the server, or that the server could not take, says so in
  // the status line; the words stay in the form, and the next keystroke tries again. (A 400 with
  // the reason is swapped in by htmx itself: see the htmx-config meta tag in base.html.)
  function notSaved(reason) {
    return function (event) {
      var target = event.detail && event.detail.target;
      if (!target || target.id !== "autosave-status") {
        return;
      }
      var note = document.createElement("span");
      note.className = "autosave autosave--error";
      note.textContent =
        "Not saved yet: " + reason + ". What you wrote is still on this page, " +
        "and it saves as you keep typing or when you submit.";
      target.replaceChildren(note);
    };
  }
  document.addEventListener("htmx:sendError", notSaved("the connection dropped"));
  document.addEventListener("htmx:responseError", notSaved("something went wrong on our side"));
})();
