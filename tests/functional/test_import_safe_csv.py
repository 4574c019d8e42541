"""conseils-import refuses what a spreadsheet would run as a formula and survives any field size
(#21.8, #21.9): the bad line is rejected with its number and reason, the good lines go in, the
summary is printed, and the exit status is 1 (2 only for a file that cannot be used at all)."""
from conseils_site import importer
from tests.functional.test_import import councils, ini, run  # noqa: F401 (ini is a fixture)

HEADER = "code,nom,commune,latitude,longitude\n"


def test_names_and_codes_read_as_formulas_are_refused(ini, tmp_path, capsys):  # noqa: F811
    content = (HEADER                                       # line 1
               + "QN1,Conseil des Tilleuls,42218,45.4,4.4\n"    # 2 good
               + "QN2,=HYPERLINK(\"http://x\"),42218,45.4,4.4\n"  # 3
               + "QN3,+33 Conseil,42218,45.4,4.4\n"             # 4
               + "QN4,-Les Tilleuls,42218,45.4,4.4\n"           # 5
               + "QN5,@SUM(A1),42218,45.4,4.4\n"                # 6
               + "QN6,\"\t=1+1\",42218,45.4,4.4\n"              # 7 a tab, then a formula
               + "=QN7,Conseil G,42218,45.4,4.4\n"              # 8 the code
               + "QN8,Conseil des Tilleuls-Est,42218,45.4,-1.5\n")  # 9 good, negative longitude
    code, out, _ = run(ini, tmp_path, content, capsys)
    assert code == 1
    assert "2 créé(s), 0 mis à jour, 0 inchangé(s), 6 rejeté(s)" in out
    for line in (3, 4, 5, 6, 7):
        assert any(row.startswith(f"ligne {line} rejetée : nom commençant par")
                   and "formule" in row for row in out.splitlines()), (line, out)
    assert any(row.startswith("ligne 8 rejetée : code commençant par") for row in out.splitlines())
    assert set(councils(ini)) == {"QN1", "QN8"}


def test_a_field_over_the_limit_is_rejected_with_its_line(ini, tmp_path, capsys):  # noqa: F811
    huge = "x" * 200_000  # over Python's own csv limit (131,072), which used to crash the import
    content = (HEADER
               + "QN1,Conseil A,42218,45.4,4.4\n"               # 2 good
               + f"QN2,{huge},42218,45.4,4.4\n"                 # 3 too long
               + f"QN3,\"{'y' * (importer.FIELD_MAX + 1)}\",42218,45.4,4.4\n"  # 4 just over, quoted
               + f"QN4,{'z' * importer.FIELD_MAX},42218,45.4,4.4\n"        # 5 at the limit: fine
               + "QN5,Conseil E,42218,45.4,4.4\n")              # 6 good
    code, out, err = run(ini, tmp_path, content, capsys)
    assert code == 1, err
    assert "Traceback" not in err
    assert "3 créé(s), 0 mis à jour, 0 inchangé(s), 2 rejeté(s)" in out
    for line in (3, 4):
        assert any(row.startswith(f"ligne {line} rejetée : champ trop long")
                   and f"{importer.FIELD_MAX:,}".replace(",", " ") in row
                   for row in out.splitlines()), (line, out)
    assert set(councils(ini)) == {"QN1", "QN4", "QN5"}


def test_a_header_over_the_limit_makes_the_file_unusable(ini, tmp_path, capsys):  # noqa: F811
    content = "code,nom,commune,latitude,longitude," + "h" * 200_000 + "\nQN1,A,42218,45.4,4.4,x\n"
    code, out, err = run(ini, tmp_path, content, capsys)
    assert code == 2
    assert "Fichier refusé" in err and "Traceback" not in err
