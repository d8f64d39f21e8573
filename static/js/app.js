/* Small progressive enhancements; every page works without this file (CSP: no inline script). */
(function () {
  "use strict";

  // A second click on a submit button while the first request is on its way sends nothing.
  // (The server refuses a second record anyway: redirect after POST plus the workflow's state checks.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.submitted === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
    form.setAttribute("aria-busy", "true");
    // Disable after the submit event so the clicked button's name/value is still sent.
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Back/forward cache: a restored page must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll('form[data-submitted="true"]').forEach(function (form) {
      delete form.dataset.submitted;
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[disabled]").forEach(function (button) {
        button.disabled = false;
      });
    });
  });

  // After a refused submit, put the keyboard on the first field with an error (the message is tied to it).
  var firstInvalid = document.querySelector('main [aria-invalid="true"]');
  if (firstInvalid) {
    firstInvalid.focus();
  }

  // The rating form: say that a comment is required as soon as 不满意 is chosen.
  function updateCommentRequirement(form) {
    var comment = form.querySelector('textarea[name="comment"]');
    if (!comment) {
      return;
    }
    var unsatisfied = form.querySelector(
      'input[name="attitude"][value="unsatisfied"]:checked, input[name="result"][value="unsatisfied"]:checked'
    );
    comment.required = Boolean(unsatisfied);
    comment.setAttribute("aria-required", unsatisfied ? "true" : "false");
    var mark = form.querySelector("[data-comment-required]");
    if (mark) {
      mark.hidden = !unsatisfied;
    }
  }
  document.querySelectorAll("form[data-rating-form]").forEach(function (form) {
    form.addEventListener("change", function () {
      updateCommentRequirement(form);
    });
    updateCommentRequirement(form);
  });
})();
