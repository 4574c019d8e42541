"""conseils-import on a real FileStorage: idempotent, line-by-line rejection, never destructive."""
import pytest

from conseils_site.scripts import open_site
from conseils_site.scripts.import_councils import main as import_main

INI = """
[app:main]
use = egg:conseils_site
zodbconn.uri = fsblobs://{here}/Data.fs?blobstorage_dir={here}/blobs
conseils.session_secret = test
conseils.load_demo = false
conseils.admin_email = animateur@example.org
conseils.admin_password = mot-de-passe-animateur
"""

GOOD = (
    "code,nom,commune,latitude,longitude,email,site\n"
    "QN042001,Conseil citoyen Montreynaud,42218,45.45,4.42,contact@montreynaud.example.org,\n"
    "QN093001,Conseil citoyen des Francs-Moisins,93066,48.92,2.36,,https://francs-moisins.example.org\n"
    "QN971001,Conseil citoyen de Boissard,97120,16.24,-61.53,,\n"
)


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "test.ini"
    path.write_text(INI.format(here=tmp_path))
    return str(path)


def run(ini, tmp_path, content, capsys, name="conseils.csv"):
    csv_path = tmp_path / name
    csv_path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code = import_main([ini, str(csv_path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def councils(ini):
    with open_site(ini) as (root, tm):
        return {c.code: (c.title, c.commune_name, c.__parent__.code, c.email, c.website)
                for c in root.territoires._councils.values()}


def test_import_creates_then_is_idempotent(ini, tmp_path, capsys):
    code, out, err = run(ini, tmp_path, GOOD, capsys)
    assert code == 0
    assert "Import terminé : 3 créé(s), 0 mis à jour, 0 inchangé(s), 0 rejeté(s)" in out
    assert "100 %" in err  # the progress bar reached its end
    first = councils(ini)
    assert first["QN042001"][:3] == ("Conseil citoyen Montreynaud", "Saint-Étienne", "42")
    assert first["QN971001"][2] == "971"
    code, out, _ = run(ini, tmp_path, GOOD, capsys)
    assert "0 créé(s), 0 mis à jour, 3 inchangé(s), 0 rejeté(s)" in out
    assert councils(ini) == first


def test_reimport_updates_by_code_and_never_deletes(ini, tmp_path, capsys):
    run(ini, tmp_path, GOOD, capsys)
    changed = (
        "code,nom,commune,latitude,longitude\n"
        "QN042001,Conseil citoyen Montreynaud-Nord,42218,45.45,4.42\n"
        "QN093001,Conseil citoyen des Francs-Moisins,93070,48.93,2.35\n"
    )
    code, out, _ = run(ini, tmp_path, changed, capsys, "second.csv")
    assert code == 0
    assert "0 créé(s), 2 mis à jour, 0 inchangé(s), 0 rejeté(s)" in out
    after = councils(ini)
    assert after["QN042001"][0] == "Conseil citoyen Montreynaud-Nord"
    assert after["QN042001"][3] == "contact@montreynaud.example.org"  # kept: the file had none
    assert after["QN093001"][1] == "Saint-Ouen-sur-Seine"  # moved commune, same council
    assert after["QN093001"][4] == "https://francs-moisins.example.org"
    assert "QN971001" in after  # absent from the file, still there


def test_bad_lines_are_reported_and_good_ones_imported(ini, tmp_path, capsys):
    content = (
        b"code,nom,commune,latitude,longitude,email,site\n"             # line 1
        b"QN1,Conseil A,42218,45.4,4.4,,\n"                              # 2 good
        b"QN2,Conseil B,99999,45.4,4.4,,\n"                              # 3 unknown commune
        b"QN3,Conseil C,42218,52.52,13.40,,\n"                           # 4 Berlin
        b"QN4,,42218,45.4,4.4,,\n"                                       # 5 no name
        b"QN5,Conseil E,42218,abc,4.4,,\n"                               # 6 unreadable
        b"QN6,Conseil F,42218,45.4,4.4,pas-une-adresse,\n"               # 7 bad email
        b"QN1,Conseil A bis,42218,45.4,4.4,,\n"                          # 8 duplicate code
        b"QN7,Conseil G,42218\n"                                         # 9 columns
    ) + "QN8,Conseil Hé,42218,45.4,4.4,,\n".encode("latin-1") + (  # 10 encoding
        b"QN9,Conseil I,13201,43.30,5.38,,\n"                            # 11 good
    )
    code, out, _ = run(ini, tmp_path, content, capsys)
    assert code == 1
    assert "2 créé(s), 0 mis à jour, 0 inchangé(s), 8 rejeté(s)" in out
    expected = {
        3: "commune inconnue", 4: "hors de France", 5: "nom manquant", 6: "illisible",
        7: "adresse électronique invalide", 8: "déjà présent ligne 2", 9: "colonnes",
        10: "encodage invalide",
    }
    for line, reason in expected.items():
        assert any(row.startswith(f"ligne {line} rejetée") and reason in row
               for row in out.splitlines()), (line, out)
    assert set(councils(ini)) == {"QN1", "QN9"}


def test_semicolon_csv_with_bom_and_decimal_commas(ini, tmp_path, capsys):
    content = "\ufeffcode;nom;commune;latitude;longitude\nQN1;Conseil A;42218;45,43;4,39\n"
    code, out, _ = run(ini, tmp_path, content, capsys)
    assert code == 0 and "1 créé(s)" in out


def test_file_without_required_columns_is_refused(ini, tmp_path, capsys):
    code, out, err = run(ini, tmp_path, "code,nom\nQN1,A\n", capsys)
    assert code == 2
    assert "colonnes manquantes : commune, latitude, longitude" in err
