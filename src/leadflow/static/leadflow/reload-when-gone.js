/* A polled panel marked data-reload-when-gone reloads the page once its poll answers 404 (the
   lead was taken away), so that the page says so. */
document.addEventListener("htmx:responseError", function (event) {
  var source = event.detail.elt;
  if (event.detail.xhr.status === 404 && source instanceof Element && source.closest("[data-reload-when-gone]")) {
    window.location.reload();
  }
});
