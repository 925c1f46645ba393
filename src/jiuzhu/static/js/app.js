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

// Advance-aid countdowns: hours and minutes left before the 24-hour limit.
function tickCountdowns() {
  for (const el of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = Date.parse(el.dataset.deadline) - Date.now();
    if (Number.isNaN(left)) continue;
    if (left <= 0) {
      el.textContent = `已超时 ${Math.floor(-left / 3600000)} 小时 ${Math.floor((-left % 3600000) / 60000)} 分`;
      el.classList.add("overdue");
    } else {
      el.textContent = `剩余 ${Math.floor(left / 3600000)} 小时 ${Math.floor((left % 3600000) / 60000)} 分`;
    }
  }
}
document.addEventListener("DOMContentLoaded", () => {
  tickCountdowns();
  setInterval(tickCountdowns, 30000);
});

// A select marked data-submit-on-change submits its form when changed (the notice board's
// town and village filters); data-clears names a field to empty first. Here, not inline in
// the page: the Content-Security-Policy allows no inline handlers.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (!select || !select.form) return;
  const cleared = select.dataset.clears && select.form.elements.namedItem(select.dataset.clears);
  if (cleared) cleared.value = "";
  select.form.submit();
});
