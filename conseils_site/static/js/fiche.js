/* « Modifier la fiche »: a small map under the coordinates, where a touch or a dragged marker
   fills the latitude and longitude fields. Without this script the fields are simply typed. */
(function () {
  "use strict";
  var el = document.getElementById("fiche-carte");
  if (!el || !window.L) { return; }
  var latField = document.getElementById(el.dataset.latitude);
  var lonField = document.getElementById(el.dataset.longitude);
  if (!latField || !lonField) { return; }

  function parse(text) {
    var value = (text || "").replace(/\s/g, "").replace("\u2212", "-").replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(value) ? parseFloat(value) : null;
  }
  function format(number) {
    // About a metre: enough for a meeting place. The comma is how people write it in France.
    return number.toFixed(5).replace(/0+$/, "").replace(/\.$/, "").replace(".", ",");
  }

  // Place the map right under the longitude field, where people look for it.
  var anchor = document.getElementById("item-" + lonField.id) || lonField;
  anchor.parentNode.insertBefore(el, anchor.nextSibling);
  el.hidden = false;
  var help = document.createElement("p");
  help.className = "help";
  help.textContent = "Vous pouvez aussi toucher la carte, ou faire glisser le repère : " +
    "la latitude et la longitude se remplissent d'elles-mêmes.";
  el.parentNode.insertBefore(help, el);
  var status = document.createElement("p");
  status.className = "meta";
  status.setAttribute("aria-live", "polite");
  el.parentNode.insertBefore(status, el.nextSibling);

  var map = L.map(el, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }
  var lat = parse(latField.value);
  var lon = parse(lonField.value);
  var known = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  var start = known ? [lat, lon] : [46.6, 2.4];
  var marker = L.marker(start, { draggable: true, title: "Point du conseil", alt: "Point du conseil" });
  marker.addTo(map);
  map.setView(start, known ? 15 : 5);

  function fill(latlng) {
    latField.value = format(latlng.lat);
    lonField.value = format(latlng.lng);
    status.textContent = "Point placé : latitude " + latField.value + ", longitude " +
      lonField.value + ". Pensez à enregistrer la fiche.";
  }
  map.on("click", function (event) {
    marker.setLatLng(event.latlng);
    fill(event.latlng);
  });
  marker.on("dragend", function () { fill(marker.getLatLng()); });

  function follow() {
    var a = parse(latField.value);
    var b = parse(lonField.value);
    if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
      marker.setLatLng([a, b]);
      map.panTo([a, b]);
    }
  }
  latField.addEventListener("change", follow);
  lonField.addEventListener("change", follow);
})();
