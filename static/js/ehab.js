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
})();
