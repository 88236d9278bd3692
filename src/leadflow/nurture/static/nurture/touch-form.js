// The touch form shows only the parts the chosen kind of touch uses (an e-mail: subject and
// text; direct mail: what the mail piece is; a call: the script). Without JavaScript every
// part stays visible and the server ignores the ones the kind does not use.
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  const parts = document.querySelectorAll("[data-kinds]");
  const show = () => {
    for (const part of parts) {
      part.hidden = !part.dataset.kinds.split(" ").includes(kind.value);
    }
  };
  kind.addEventListener("change", show);
  show();
});
