// Clientbook's only script, and an optional one: every page works without it.
// Buttons with data-confirm ask before a destructive form is sent.
"use strict";
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset ? button.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
