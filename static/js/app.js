/* Small progressive enhancements; every page works without this file (CSP: no inline script). */
(function () {
  "use strict";

  // A second click on a submit button while the first request is on its way sends nothing.
  // (The server refuses a second record anyway: redirect after POST plus the workflow's state checks.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // getAttribute, not form.method: a field named "method" (沟通方式) shadows the form's property.
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "get").toLowerCase() !== "post") {
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

  // Filters folded behind 筛选: open on a wide screen, closed on a phone so the results come first.
  if (window.matchMedia && window.matchMedia("(min-width: 40.01rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }

  // After a refused submit, put the keyboard on the error summary (its links lead to each field), or,
  // on a form without one, on the first field with an error (the message is tied to it).
  var summary = document.querySelector("main [data-error-summary]");
  var firstInvalid = document.querySelector('main [aria-invalid="true"]');
  if (summary) {
    summary.focus();
  } else if (firstInvalid) {
    firstInvalid.focus();
  }
  // A summary link puts the keyboard in its field, not only the field into view.
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus();
    }
  });

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

  // The department picker: a search box over its boxes, and the chosen names in its summary line.
  function updatePicker(picker) {
    var names = [];
    picker.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      names.push(box.parentElement.textContent.trim());
    });
    var chosen = picker.querySelector("[data-picker-chosen]");
    if (chosen) {
      chosen.textContent = names.length ? names.join("、") : "无";
    }
  }
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    if (search) {
      search.hidden = false;
      search.addEventListener("input", function () {
        var words = search.value.trim();
        picker.querySelectorAll("[data-picker-item]").forEach(function (item) {
          item.hidden = words !== "" && item.textContent.indexOf(words) === -1;
        });
        picker.querySelectorAll("fieldset").forEach(function (group) {
          group.hidden = !group.querySelector("[data-picker-item]:not([hidden])");
        });
      });
    }
    picker.addEventListener("change", function () {
      updatePicker(picker);
    });
  });

  // The 交办 screen: picked rows, the sticky bar's count, one choice applied to the picked rows.
  document.querySelectorAll("form[data-assign-form]").forEach(function (form) {
    var count = form.querySelector("[data-picked-count]");
    function rows() {
      return Array.prototype.slice.call(form.querySelectorAll(".assign-row"));
    }
    function pickBox(row) {
      return row.querySelector('input[type=checkbox][name$="-pick"]');
    }
    function update() {
      var picked = rows().filter(function (row) {
        var box = pickBox(row);
        row.classList.toggle("picked", Boolean(box && box.checked));
        return box && box.checked;
      });
      if (count) {
        count.textContent = picked.length ? "已选 " + picked.length + " 条 · 交办" : "勾选建议后交办";
      }
    }
    form.addEventListener("change", function (event) {
      var target = event.target;
      var row = target.closest && target.closest(".assign-row");
      // Choosing a row's lead picks the row.
      if (row && target.name && /-lead$/.test(target.name) && target.value) {
        var box = pickBox(row);
        if (box) {
          box.checked = true;
        }
      }
      update();
    });
    var apply = form.querySelector("[data-batch-apply]");
    if (apply) {
      apply.addEventListener("click", function (event) {
        var lead = form.querySelector('select[name="batch-lead"]');
        var co = Array.prototype.map.call(
          form.querySelectorAll('input[name="batch-co_handlers"]:checked'),
          function (box) {
            return box.value;
          }
        );
        var picked = rows().filter(function (row) {
          var box = pickBox(row);
          return box && box.checked;
        });
        if (!picked.length) {
          return; // the server says to pick rows first
        }
        event.preventDefault();
        picked.forEach(function (row) {
          var select = row.querySelector('select[name$="-lead"]');
          if (select && lead && lead.value) {
            select.value = lead.value;
          }
          row.querySelectorAll('input[type=checkbox][name$="-co_handlers"]').forEach(function (box) {
            box.checked = co.indexOf(box.value) !== -1;
          });
          row.querySelectorAll("[data-picker]").forEach(updatePicker);
        });
        update();
      });
    }
    update();
  });
})();
