"""User templates: searched before the packaged ones, always sandboxed, strict about variables."""

from derive.cli import main


def test_user_template_overrides_and_the_rest_stays_packaged(tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "solution.md.j2").write_text("# Mine: {{ title }}\n\nE = ${{ total_error.value_latex }}$\n")
    out = tmp_path / "out"
    assert main(["solve", "--format", "md,tex", "--templates", str(folder), "--out", str(out)]) == 0
    assert (out / "solution.md").read_text() == ("# Mine: Backpropagation, step by step: the 2-2-2 example\n\n"
                                                 "E = $0.298371109$\n")
    assert "\\section*{Forward pass: hidden layer}" in (out / "solution.tex").read_text()


def test_user_templates_run_in_the_sandbox(tmp_path, capsys):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "solution.md.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    out = tmp_path / "out"
    assert main(["solve", "--format", "md", "--templates", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sandbox" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_undefined_variables_fail_loudly(tmp_path, capsys):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "solution.md.j2").write_text("{{ no_such_variable }}\n")
    assert main(["solve", "--format", "md", "--templates", str(folder), "--out", str(tmp_path / "o")]) == 2
    assert "no_such_variable" in capsys.readouterr().err


def test_title_text_is_escaped_for_latex(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text('title: "50% of E_total & #1 {tricky} ~ ^"\nlayers: [1, 1]\nactivation: linear\n'
                    'loss: half_sse\nweights: [[[0.5]]]\nlearning_rate: 0.1\ninput: [1]\ntarget: [0]\n')
    out = tmp_path / "out"
    assert main(["solve", str(spec), "--format", "tex,pdf", "--out", str(out)]) == 0
    tex = (out / "solution.tex").read_text()
    assert r"50\% of E\_total \& \#1 \{tricky\} \textasciitilde{} \textasciicircum{}" in tex
