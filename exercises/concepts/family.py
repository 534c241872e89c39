"""Exercise family ``concepts``: the lecture's concepts, as multiple choice.

Each variant asks four stems of the bank (the neuron, the chain rule, backpropagation
and gradient descent, the learning rate, stopping, convexity and saddle points,
momentum, SGD and mini-batches, vanishing and exploding gradients); each stem shows
its correct statement and three distractors drawn from real misconceptions, in an
order drawn by the generator, and the solution says why the correct one is.  Params hold only indices (into the bank of info.yaml), so a variant is plain data.

>>> from derive.exam.registry import get_family
>>> family = get_family("concepts")
>>> params = {"items": [{"stem": 0, "options": [1, 0, 2, 3]}]}
>>> family.answers(params)[0].value
1.0
"""

from __future__ import annotations

import dataclasses
import re

from derive.exercises._common import OptimizeFamily, choice_answer

LETTERS = "abcd"
#: The bank writes the learning rate as the lecture's \eta; the sheets use the family's letter.
ETA = re.compile(r"\\eta(?![A-Za-z])")


class Concepts(OptimizeFamily):
    def draw(self, rng):
        items = []
        bank = self.ranges["bank"]
        for stem in rng.choice(len(bank), size=self.ranges["asked"], replace=False):
            wrong = rng.choice(len(bank[int(stem)]["wrong"]), size=3, replace=False)
            options = [0] + [int(w) + 1 for w in wrong]        # 0: the correct statement
            items.append({"stem": int(stem), "options": [options[int(i)] for i in rng.permutation(4)]})
        return {"items": items}

    def option_text(self, stem: int, option: int) -> str:
        entry = self.ranges["bank"][stem]
        return entry["correct"] if option == 0 else entry["wrong"][option - 1]

    def answers(self, params):
        return [choice_answer(f"q[{k}]", f"question {k}", rf"\text{{Q{k}}}", item["options"].index(0),
                              [self.option_text(item["stem"], o) for o in item["options"]])
                for k, item in enumerate(params["items"], 1)]

    def checks(self, params, answers):
        stems = [item["stem"] for item in params["items"]]
        return [] if len(set(stems)) == len(stems) else ["a stem is asked twice"]

    def lettered(self, text: str) -> str:
        """A bank text with the learning rate written as this family's letter (``--lr-symbol``).
        The answer key keeps the bank's text, so that answers.json does not depend on the letter."""
        return ETA.sub(lambda _: self.lr_symbol, text) if self.lr_symbol != r"\eta" else text

    def shown_answer(self, answer):
        return dataclasses.replace(answer, choices=tuple(self.lettered(c) for c in answer.choices))

    def context(self, params, precision):
        questions = []
        for k, item in enumerate(params["items"], 1):
            stem = item["stem"]
            options = [{"letter": LETTERS[i], "text": self.lettered(self.option_text(stem, o)), "correct": o == 0}
                       for i, o in enumerate(item["options"])]
            correct = next(o for o in options if o["correct"])
            entry = self.ranges["bank"][stem]
            questions.append({"number": k, "key": f"q[{k}]", "stem": self.lettered(entry["stem"]), "options": options,
                              "correct": correct, "why": self.lettered(entry["why"])})
        return {"questions": questions}
