// StreamVault page behaviour. Loaded with `defer` after htmx; no eval, no inline handlers.
(function () {
  "use strict";

  var BANNER_ID = "app-error-banner";

  // Belt and braces: the <body> hx-headers already carries the token.
  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      evt.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // A small dismissable banner, built with DOM APIs and textContent only.
  function showServerErrorBanner() {
    if (document.getElementById(BANNER_ID)) return;
    var banner = document.createElement("div");
    banner.id = BANNER_ID;
    banner.className = "app-banner";
    banner.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.textContent = "Something went wrong on our side. Please try again.";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () {
      banner.remove();
    });
    banner.appendChild(text);
    banner.appendChild(close);
    document.body.appendChild(banner);
  }

  // 5xx responses are not swapped (see htmx-config); tell the visitor instead.
  // 422 and 409 fragments are swapped normally; other 4xx stay silent here.
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (xhr && xhr.status >= 500) showServerErrorBanner();
  });

  // A 401 carrying HX-Redirect (expired session) needs nothing here: htmx follows the
  // redirect itself before any swap or htmx:beforeSwap event.

  // Escape closes the banner for keyboard users.
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var banner = document.getElementById(BANNER_ID);
    if (banner) banner.remove();
  });
})();
