// Scroll the notice slowly; at the end, pause and start again from the top.
(() => {
  const box = document.getElementById("scroller");
  if (!box) return;
  let pause = 120;
  setInterval(() => {
    if (pause > 0) { pause -= 1; return; }
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) {
      pause = 120;
      box.scrollTop = 0;
    } else {
      box.scrollTop += 1;
    }
  }, 40);
})();
