// The programme page's "print the leaflet" link (no inline script: the pages' CSP forbids it).
document.querySelectorAll("[data-print]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
});
