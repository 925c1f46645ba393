// htmx requests carry the CSRF token from the page's meta tag.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// "增加成员" on the new-household form: fetch one more blank member row.
document.addEventListener("click", (event) => {
  const button = event.target.closest("#add-member");
  if (!button) return;
  const total = document.querySelector('input[name="members-TOTAL_FORMS"]');
  const index = parseInt(total.value, 10);
  htmx.ajax("GET", `${button.dataset.url}?member_row=${index}`, {
    target: "#members",
    swap: "beforeend",
  }).then(() => { total.value = index + 1; });
});
