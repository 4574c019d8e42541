/* « Inscription »: suggest councils while the search is typed, and offer to show the password.
   Without JavaScript the form works the same: the server searches when it is sent. */
(function () {
  "use strict";
  var search = document.querySelector("input[data-council-search]");
  var form = search && search.form;
  var code = form && form.querySelector("input[type=hidden][name=council]");

  if (search && code) {
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var list = document.createElement("ul");
    list.className = "council-suggestions";
    list.hidden = true;
    search.parentNode.insertBefore(status, search.nextSibling);
    search.parentNode.insertBefore(list, status);
    var timer = null;
    var asked = "";

    var choose = function (council) {
      search.value = council.nom;
      code.value = council.code;
      list.hidden = true;
      list.textContent = "";
      status.textContent = "Conseil choisi : " + council.nom + " — " + council.commune +
        " (" + council.departement + ").";
      search.focus();
    };

    var show = function (councils) {
      list.textContent = "";
      councils.forEach(function (council) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-secondary";
        button.textContent = council.nom + " — " + council.commune + " (" + council.departement + ")";
        button.addEventListener("click", function () { choose(council); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = councils.length === 0;
      status.textContent = councils.length === 0
        ? "Aucun conseil trouvé : essayez la commune ou le code postal."
        : councils.length + " conseil(s) trouvé(s) : choisissez le vôtre dans la liste.";
    };

    var ask = function () {
      var q = search.value.trim();
      if (q.length < 2 || q === asked) { return; }
      asked = q;
      fetch(search.getAttribute("data-council-search") + "?q=" + encodeURIComponent(q),
            { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (councils) { if (q === search.value.trim()) { show(councils); } })
        .catch(function () { /* the server search still works when the form is sent */ });
    };

    search.addEventListener("input", function () {
      code.value = "";  // a new search: the earlier choice no longer holds
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 300);
    });
  }

  /* A "show the password" box beside each new password: easier to type right on a phone. */
  Array.prototype.forEach.call(
    document.querySelectorAll("input[type=password][autocomplete=new-password]"),
    function (input, index) {
      var row = document.createElement("div");
      row.className = "checkbox-row";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "voir-mot-de-passe-" + index;
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = "Afficher le mot de passe";
      box.addEventListener("change", function () { input.type = box.checked ? "text" : "password"; });
      row.appendChild(box);
      row.appendChild(label);
      input.parentNode.insertBefore(row, input.nextSibling);
    });
}());
