/* The map of councils: markers clustered, filtered like the page's form; usable without tiles. */
(function () {
  "use strict";
  var el = document.getElementById("carte");
  if (!el || !window.L) { return; }
  var data = el.dataset;
  var map = L.map(el, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  map.setView([46.6, 2.4], 5);
  map.on("popupopen", function (event) {
    var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", "Fermer"); close.setAttribute("title", "Fermer"); }
  });
  function popupOptions() {
    // Keep the popup inside the map on a phone, clear of the zoom buttons.
    return { maxWidth: Math.max(120, el.clientWidth - 110), autoPanPaddingTopLeft: L.point(50, 10),
             autoPanPaddingBottomRight: L.point(10, 10) };
  }
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 18 }).addTo(map);
  }

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.nom;
    var where = document.createElement("div");
    where.textContent = props.commune + " (" + props.departement + ")";
    box.appendChild(link);
    box.appendChild(where);
    return box;
  }

  if (data.lat && data.lon) {
    var point = [parseFloat(data.lat), parseFloat(data.lon)];
    L.marker(point, { title: data.title, alt: data.title }).addTo(map);
    map.setView(point, 13);
    return;
  }

  var clusters = L.markerClusterGroup({ showCoverageOnHover: false });
  fetch(data.geojson, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      var bounds = [];
      collection.features.forEach(function (feature) {
        var p = feature.properties;
        if (data.departement && p.departement !== data.departement) { return; }
        if (data.region && p.region !== data.region) { return; }
        var ll = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
        var marker = L.marker(ll, { title: p.nom, alt: p.nom });
        marker.bindPopup(popup(p), popupOptions());
        clusters.addLayer(marker);
        bounds.push(ll);
      });
      map.addLayer(clusters);
      if ((data.departement || data.region) && bounds.length) {
        map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
      }
      el.setAttribute("data-loaded", String(bounds.length));
    })
    .catch(function () {
      var note = document.createElement("p");
      note.className = "notice";
      note.textContent = "La carte n'a pas pu être chargée ; la liste ci-dessous reste disponible.";
      el.parentNode.insertBefore(note, el.nextSibling);
    });
})();
