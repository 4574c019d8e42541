/* Forum messages: a small toolbar above the text box that writes the simple formatting marks
   (**gras**, « - » lists, [texte](adresse) links) for those who do not know them. Without
   JavaScript the marks are explained under the box and typed by hand. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("textarea.forum-text");

  function wrap(box, before, after, placeholder) {
    var start = box.selectionStart, end = box.selectionEnd;
    var chosen = box.value.slice(start, end) || placeholder;
    box.value = box.value.slice(0, start) + before + chosen + after + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function listify(box) {
    var start = box.value.lastIndexOf("\n", box.selectionStart - 1) + 1;
    var end = box.selectionEnd;
    var lines = box.value.slice(start, end).split("\n").map(function (line) {
      return /^\s*- /.test(line) ? line : "- " + line;
    });
    box.value = box.value.slice(0, start) + lines.join("\n") + box.value.slice(end);
    box.focus();
  }

  var actions = [
    ["Gras", function (box) { wrap(box, "**", "**", "texte en gras"); }],
    ["Lien", function (box) { wrap(box, "[", "](https://)", "texte du lien"); }],
    ["Liste", listify]
  ];

  Array.prototype.forEach.call(boxes, function (box) {
    var bar = document.createElement("div");
    bar.className = "format-bar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Mise en forme du message");
    actions.forEach(function (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      button.textContent = action[0];
      button.addEventListener("click", function () { action[1](box); });
      bar.appendChild(button);
    });
    box.parentNode.insertBefore(bar, box);
  });
})();
