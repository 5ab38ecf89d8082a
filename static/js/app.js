// Small enhancements; every page works without them.
(function () {
  "use strict";

  function localTimes(root) {
    const format = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "short"});
    root.querySelectorAll("time[data-local-time]").forEach(function (element) {
      element.textContent = format.format(new Date(element.getAttribute("datetime")));
    });
  }

  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
    });
  }

  function enhance(root) {
    document.documentElement.classList.add("js");
    localTimes(root);
    copyButtons(root);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      const label = button.textContent;
      button.textContent = "Copied";
      document.getElementById("announcer").textContent = "Copied to the clipboard.";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // The list's filters are a disclosure, closed at first on a phone unless one of them needs
  // attention; on a wider screen it has no summary to open it by, so it is always open.
  const narrow = window.matchMedia("(max-width: 40rem)");
  function fitFilters() {
    document.querySelectorAll("details.more-filters").forEach(function (details) {
      details.open = !narrow.matches || details.querySelector(".has-error") !== null;
    });
  }
  narrow.addEventListener("change", fitFilters);

  document.addEventListener("DOMContentLoaded", function () { enhance(document); fitFilters(); });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.detail.elt);
    const target = event.detail.elt.querySelector("[data-focus-on-swap]") ||
      (event.detail.elt.matches("[data-focus-on-swap]") ? event.detail.elt : null);
    if (target) target.focus();
  });
  // The region a request will replace is busy until the request ends, however it ends: a
  // failed request leaves the old content in place, which must not stay dimmed. The region
  // is remembered when the request starts, since a failure may retarget the answer.
  const busyRegions = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    const target = event.detail.target || event.detail.elt;
    const region = target && target.closest ? target.closest("[aria-busy]") : null;
    if (!region) return;
    region.setAttribute("aria-busy", "true");
    busyRegions.set(event.detail.elt, region);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    busyRegions.get(event.detail.elt)?.setAttribute("aria-busy", "false");
    busyRegions.delete(event.detail.elt);
  });

  // An organization typed in the list filter was resolved, or one an organization box
  // offered to create was created: the box shows its whole name. A created one is chosen as
  // if typed (the list follows it), and the box's old error goes.
  document.addEventListener("organization-chosen", function (event) {
    const box = document.getElementById(event.detail.box || "id_organization");
    if (!box) return;
    if (box.value !== event.detail.name) box.value = event.detail.name;
    if (!event.detail.created) return;
    box.removeAttribute("aria-invalid");
    document.getElementById(box.id + "_error")?.remove();
    box.closest(".has-error")?.classList.remove("has-error");
    box.dispatchEvent(new Event("change", {bubbles: true}));
  });
})();

// Leaving a form with unsaved changes asks first.
(function () {
  "use strict";
  let dirty = false;
  const inWarnedForm = function (element) {
    return element && element.closest && element.closest("form[data-warn-unsaved]");
  };
  document.addEventListener("input", function (event) {
    if (inWarnedForm(event.target)) dirty = true;
  });
  document.addEventListener("submit", function (event) {
    if (inWarnedForm(event.target)) dirty = false;
  });
  document.addEventListener("htmx:configRequest", function (event) {
    const action = event.detail.parameters.get ? event.detail.parameters.get("action")
      : event.detail.parameters.action;
    if (inWarnedForm(event.detail.elt) && (action === "save" || action === undefined || action === null)) {
      dirty = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // A refused save leaves the user's input in the form, still unsaved.
    if (inWarnedForm(event.detail.elt) && event.detail.xhr.status >= 400) dirty = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) event.preventDefault();
  });
})();
