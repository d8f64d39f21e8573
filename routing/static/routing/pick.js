// 推荐承办单位 and the 并案 partner's departments: a click pre-fills the 主办 select or ticks a 协办 box (the
// 交办 screen's row or the step page's picker); 并案办理: fills the number.
// Nothing is submitted.
(function () {
  "use strict";
  if (window.routingPickReady) return; // the include may load this once per row: one listener
  window.routingPickReady = true;
  function scope(el) {
    return el.closest("li.assign-row, form, [data-routing-form]") || document;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-routing-lead], [data-routing-co], [data-routing-other]");
    if (!button) return;
    var root = scope(button);
    if (button.dataset.routingOther) {
      var number = document.querySelector("input[name='other']");
      if (number) {
        number.value = button.dataset.routingOther;
        number.focus();
      }
    } else if (button.dataset.routingLead) {
      var select = root.querySelector("select[name$='lead'], select[name$='department']");
      if (select) {
        select.value = button.dataset.routingLead;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        select.focus();
      }
    } else {
      var value = button.dataset.routingCo;
      var box = root.querySelector("input[type=checkbox][name$='co_handlers'][value='" + value + "']");
      // the 交办 screen's rows and the step page both show 协办 as a picker of checkboxes
      if (box && !box.checked) {
        box.checked = true;
        box.dispatchEvent(new Event("change", { bubbles: true })); // the picker's summary names it
      }
    }
  });
})();
