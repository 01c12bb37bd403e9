// The new-kiosk page's copy button: shown only where the clipboard can be written.
(function () {
  var button = document.getElementById("copier");
  var said = document.getElementById("copie-faite");
  if (!button || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      said.textContent = "Code copié.";
    }, function () {
      said.textContent = "La copie a échoué : téléchargez le fichier token.txt.";
    });
  });
})();
