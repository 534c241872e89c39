"""A textbook that rounds its intermediates, checked as an answer sheet.

Han, Kamber & Pei, *Data Mining: Concepts and Techniques*, 3rd ed. (2012), Example 9.1,
Tables 9.4-9.6: the book computes every step from its previous *printed* (rounded) value,
e.g. Err6 = 0.474 (1 - 0.474)(1 - 0.474) = 0.1311 where full precision gives 0.1312.
Its printed values must come out correct or consistent, never wrong.
"""

import json

from derive.cli import main

SPEC = """notation: units
layers: [3, 2, 1]
activation: sigmoid
loss: half_sse
weights:
  - [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]]
  - [[-0.3, -0.2]]
biases: [[-0.4, 0.2], [0.1]]
learning_rate: 0.9
input: [1, 0, 1]
target: [1]
"""

PRINTED = {  # Table 9.4 (net input I_j, output O_j), 9.5 (Err_j), 9.6 (updated weights and biases)
    "I4": "-0.7", "O4": "0.332", "I5": "0.1", "O5": "0.525", "I6": "-0.105", "O6": "0.474",
    "Err6": "0.1311", "Err5": "-0.0065", "Err4": "-0.0087",
    "w46+": "-0.261", "w56+": "-0.138", "w14+": "0.192", "w15+": "-0.306", "w24+": "0.4", "w25+": "0.1",
    "w34+": "-0.508", "w35+": "0.194", "theta6+": "0.218", "theta5+": "0.194", "theta4+": "-0.408",
}


def test_han_kamber_pei_printed_values_are_correct_or_consistent(tmp_path, capsys):
    (tmp_path / "hkp.yaml").write_text(SPEC)
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("exercise: hkp.yaml\nanswers:\n" + "".join(f"  {k}: {v}\n" for k, v in PRINTED.items()))
    assert main(["check", str(sheet), "--format", "json"]) == 0
    verdicts = {name: entry["verdict"] for name, entry in json.loads(capsys.readouterr().out).items()
                if name in PRINTED}
    assert set(verdicts.values()) <= {"correct", "consistent"}, verdicts
    assert verdicts["Err6"] == "consistent"     # 0.1311 from the rounded O6; exact 0.13117 -> 0.1312
