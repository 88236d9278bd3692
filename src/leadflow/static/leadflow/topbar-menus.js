// The top bar's menus are <details>: they open and close without this file. With it, Escape
// closes the open menu (and puts the focus back on its name), and a click elsewhere closes it.
(function () {
  function openMenus() { return document.querySelectorAll(".topbar details.nav-menu[open]"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) { if (!menu.contains(event.target)) menu.open = false; });
  });
})();
