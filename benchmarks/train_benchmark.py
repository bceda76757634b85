"""`learn train --reference` on Tiny Shakespeare for 60 s, next to nanoGPT's CPU recipe.

    python benchmarks/train_benchmark.py [--seconds 60] [--device cpu] [--corpus PATH]

Runs exactly `learn train --reference --corpus ../shared/data/tinyshakespeare.txt --seconds 60
--json` in a scratch workspace and prints its figures. The course lower-cases text (exercise 1),
so the fair reference is nanoGPT's figure on the lower-cased text: 1.855 nats/char in 60 s on a
2-core machine (../shared/data/README.md). The validation loss is measured the same way: the
last 10% of the text, every consecutive 64-character window.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NANOGPT_LOWER_CASED = 1.855


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workspace:
        command = [sys.executable, "-m", "grader", "--workspace", workspace, "train", "--reference",
                   "--corpus", options.corpus, "--seconds", str(options.seconds), "--device",
                   options.device, "--json"]
        finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if finished.returncode != 0:
            raise SystemExit(finished.stderr or finished.stdout)
        figures = json.loads(finished.stdout)
        sample = subprocess.run([sys.executable, "-m", "grader", "--workspace", workspace, "generate",
                                 "--prompt", "romeo:\n", "--length", "240", "--seed", "1"],
                                capture_output=True, text=True, cwd=ROOT).stdout
    recipe = figures["recipe"]
    print(f"corpus             {Path(options.corpus).name}")
    print(f"model              {figures['parameters']:,} parameters: d_model {recipe['d_model']}, "
          f"{recipe['num_layers']} layers, {recipe['num_heads']} heads, context {recipe['seq_length']}")
    print(f"training           {figures['steps']:,} steps of {recipe['batch_size']} x {recipe['seq_length']} "
          f"in {figures['seconds']:.1f} s on {figures['device']}, {figures['tokens_per_second']:,.0f} tokens/s")
    print(f"validation loss    {figures['val_loss']:.3f} nats/char ({figures['bits_per_char']:.3f} bits/char)")
    print(f"nanoGPT CPU recipe {NANOGPT_LOWER_CASED:.3f} nats/char on the same lower-cased text in 60 s "
          f"(goal: 1.75 or lower)")
    print("sample:\n" + sample)


if __name__ == "__main__":
    main()
