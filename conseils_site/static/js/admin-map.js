/* The animators' map: every council, a full disc when its fiche is filled, a hollow ring when
   it is empty. The counts are written in the page; the map only adds where they are. */
(function () {
  "use strict";
  var el = document.getElementById("carte-fiches");
  if (!el || !window.L) { return; }
  var data = el.dataset;
  var map = L.map(el, { scrollWheelZoom: false, zoomControl: false, preferCanvas: true });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  map.setView([46.6, 2.4], 5);
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 18 }).addTo(map);
  }
  map.on("popupopen", function (event) {
    var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", "Fermer"); close.setAttribute("title", "Fermer"); }
  });

  function popup(c) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = c.url;
    link.textContent = c.nom;
    var where = document.createElement("div");
    where.textContent = c.commune + " (" + c.departement + ") — " +
      (c.fiche ? "fiche remplie" : "fiche vide");
    box.appendChild(link);
    box.appendChild(where);
    return box;
  }

  fetch(data.url, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (result) {
      result.councils.forEach(function (c) {
        var colour = c.fiche ? data.filled : data.empty;
        L.circleMarker([c.lat, c.lon], {
          radius: 5, weight: 2, color: colour, fillColor: c.fiche ? colour : "#ffffff", fillOpacity: 1
        }).bindPopup(popup(c)).addTo(map);
      });
      el.setAttribute("data-loaded", String(result.councils.length));
    })
    .catch(function () {
      var note = document.createElement("p");
      note.className = "notice";
      note.textContent = "La carte n'a pas pu être chargée ; les chiffres ci-dessus restent justes.";
      el.parentNode.insertBefore(note, el.nextSibling);
    });
})();
