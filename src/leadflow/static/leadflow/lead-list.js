// The lead list's table box ends at the window's bottom edge, so its horizontal scrollbar is
// on screen without scrolling the page (lead-list.css has a fixed guess for no JavaScript).
(function () {
  "use strict";
  var MIN = 320;
  function fit() {
    var box = document.querySelector(".lead-list-scroll");
    if (!box || getComputedStyle(box).overflowY === "visible") return;
    var room = window.innerHeight - Math.max(box.getBoundingClientRect().top, 0) - 16;
    box.style.maxHeight = Math.max(room, MIN) + "px";
  }
  document.addEventListener("DOMContentLoaded", fit);
  window.addEventListener("resize", fit);
  document.addEventListener("htmx:afterSettle", fit);
  document.addEventListener("toggle", fit, true);
})();
