"""Exercise family ``concepts``: backpropagation vs gradient descent, as multiple choice.

Each variant asks four stems of the bank; each stem shows its correct statement
and three distractors drawn from real misconceptions, in an order drawn by the
generator.  Params hold only indices, so a variant is plain data.

>>> family = Concepts()
>>> params = {"items": [{"stem": 0, "options": [1, 0, 2, 3]}]}
>>> family.answers(params)[0].value
1.0
"""

from __future__ import annotations

from derive.exercises._common import OptimizeFamily, choice_answer

#: (stem, correct statement, misconceptions); option 0 of a params item is the correct one.
BANK = (
    ("What does backpropagation compute?",
     "the gradient of the loss with respect to every weight, by the chain rule from the output backwards",
     ("the new values of the weights", "the output of the network for a given input",
      "the learning rate that makes training converge", "the loss itself, without any derivatives")),
    ("What does gradient descent do?",
     "it updates the weights by a step against the gradient, scaled by the learning rate",
     ("it computes the derivatives of the loss with respect to the weights",
      "it propagates the error signals from the output layer back to the input layer",
      "it chooses the network architecture", "it computes the outputs of the hidden neurons")),
    ("How do backpropagation and gradient descent depend on each other?",
     "backpropagation supplies the gradient; gradient descent uses it to update the weights",
     ("gradient descent supplies the gradient; backpropagation uses it to update the weights",
      "they are two names for the same algorithm", "backpropagation updates the weights, so gradient descent is not needed",
      "gradient descent must run before backpropagation can start")),
    ("In one training step, what is the order of the phases?",
     "forward pass, then backward pass (backpropagation), then the weight update",
     ("backward pass, then forward pass, then the weight update",
      "weight update, then forward pass, then backward pass",
      "forward pass, then weight update, then backward pass",
      "the forward pass comes after the backward pass, because the errors must be known first")),
    ("Where is the learning rate used?",
     "only in the weight update, to scale the step",
     ("in the backward pass, to compute the error signals",
      "in the forward pass, to scale the net inputs",
      "in the loss function, to weight the errors", "in the chain rule, as the derivative of the activation")),
    ("Why do the hidden-layer gradients use the weights from before the update?",
     "all gradients of one step are taken at the same point, the current weights",
     ("because backpropagation updates the weights only at the end of each epoch",
      "because the new weights are not yet known when the forward pass runs",
      "because gradient descent computes the hidden gradients before the output gradients",
      "it does not matter: using the updated weights gives the same gradient")),
    ("Which statement about a weight gradient is true?",
     "it is the error signal of the neuron the weight leads to, times the output of the neuron it comes from",
     ("it is the learning rate times the error signal",
      "it is the new weight minus the old weight",
      "it is the output of the neuron the weight leads to, times the weight",
      "it is the same for every weight of a layer")),
    ("What does a single step of gradient descent guarantee?",
     "for a small enough learning rate, the loss decreases (unless the gradient is zero)",
     ("the loss becomes zero", "the weights reach the global minimum",
      "the loss decreases for every learning rate", "the gradient becomes zero after the step")),
    ("What is the backward pass needed for?",
     "to compute the error signals and from them the gradient of every weight",
     ("to compute the new weights directly, without a gradient",
      "to undo the forward pass", "to choose the learning rate",
      "to compute the outputs of the network")),
    ("Could gradient descent be used without backpropagation?",
     "yes: any way of computing the gradient works (by hand, numerically); backpropagation is only an efficient way",
     ("no: gradient descent is a part of backpropagation",
      "no: only backpropagation can update weights",
      "yes, but then it needs no gradient at all",
      "yes, but only for networks without hidden layers")),
)

LETTERS = "abcd"
ASKED = 4      # stems per variant


class Concepts(OptimizeFamily):
    def draw(self, rng):
        items = []
        for stem in rng.choice(len(BANK), size=ASKED, replace=False):
            wrong = rng.choice(len(BANK[int(stem)][2]), size=3, replace=False)
            options = [0] + [int(w) + 1 for w in wrong]        # 0: the correct statement
            items.append({"stem": int(stem), "options": [options[int(i)] for i in rng.permutation(4)]})
        return {"items": items}

    @staticmethod
    def option_text(stem: int, option: int) -> str:
        correct, wrong = BANK[stem][1], BANK[stem][2]
        return correct if option == 0 else wrong[option - 1]

    def answers(self, params):
        return [choice_answer(f"q[{k}]", f"question {k}", rf"\text{{Q{k}}}", item["options"].index(0),
                              [self.option_text(item["stem"], o) for o in item["options"]])
                for k, item in enumerate(params["items"], 1)]

    def checks(self, params, answers):
        stems = [item["stem"] for item in params["items"]]
        return [] if len(set(stems)) == len(stems) else ["a stem is asked twice"]

    def context(self, params, precision):
        questions = []
        for k, item in enumerate(params["items"], 1):
            stem = item["stem"]
            options = [{"letter": LETTERS[i], "text": self.option_text(stem, o), "correct": o == 0}
                       for i, o in enumerate(item["options"])]
            correct = next(o for o in options if o["correct"])
            questions.append({"number": k, "stem": BANK[stem][0], "options": options, "correct": correct})
        return {"questions": questions}
