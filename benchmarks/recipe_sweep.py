"""Try training recipes against each other: the sweep behind `grader.trainer.Recipe`'s defaults.

    python benchmarks/recipe_sweep.py '{}' '{"batch_size": 32, "lr": 5e-3}' [--seconds 60]

Each argument is a JSON object of Recipe fields to change; each recipe trains the reference
model on Tiny Shakespeare for the same wall-clock budget, one after the other (run nothing else
meanwhile: the budget is time), and prints its validation loss over the whole validation split.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import trainer  # noqa: E402
from grader.kit import load_kit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="+", help="JSON objects of Recipe fields")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
    options = parser.parse_args()
    kit = load_kit(ROOT, reference=True)
    text = Path(options.corpus).read_text(encoding="utf-8")
    for overrides in options.recipes:
        recipe = trainer.Recipe(**json.loads(overrides))
        figures = trainer.train(kit, text, seconds=options.seconds, recipe=recipe, device="cpu").summary()
        print(f"{overrides:<60} val {figures['val_loss']:.4f}  steps {figures['steps']:>5}  "
              f"{figures['tokens_per_second']:>8,.0f} tokens/s  {figures['parameters']:,} parameters", flush=True)


if __name__ == "__main__":
    main()
