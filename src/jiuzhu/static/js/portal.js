// The drawn signature: a canvas whose picture goes into the hidden field as a PNG. Without
// script the pad stays hidden and the applicant types their name instead.
document.addEventListener("DOMContentLoaded", () => {
  const pad = document.querySelector(".signature-pad");
  const field = document.querySelector('input[name="drawn_signature"]');
  if (!pad || !field) return;
  pad.hidden = false;
  const canvas = pad.querySelector("canvas");
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  let drawing = false;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    ctx.beginPath();
    ctx.moveTo(...at(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    ctx.lineTo(...at(event));
    ctx.stroke();
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    field.value = canvas.toDataURL("image/png");
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointerleave", finish);
  pad.querySelector("[data-clear-signature]").addEventListener("click", () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    field.value = "";
  });
});
