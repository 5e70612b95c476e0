#!/usr/bin/env bash
# CI's fuzz smoke: every target under afl-fuzz, one after another, sharing one budget of FUZZ_SMOKE_SECONDS (56 s by
# default, so the fuzzing itself stays under a minute whatever the number of targets). A target passes when afl-fuzz
# ran and saved no crash and no hang. The seed is fixed (FUZZ_SEED, 1 by default), so each CI run starts from the
# same mutations; the long runs of eng/fuzz.sh explore with fresh seeds. The closing line, "fuzz: N passed, M failed",
# is counted by .ci/run.
# The corpora themselves, and every past finding, are replayed by FuzzCorpusTests in the .NET suite.
set -uo pipefail
cd "$(dirname "$0")/.."

targets=(safetensors npy score-report compare-report scaling-json tidy-csv manifest logits)
budget=${FUZZ_SMOKE_SECONDS:-56}
seconds=$(( budget / ${#targets[@]} ))
[ "$seconds" -ge 1 ] || seconds=1

passed=0
failed=0
build=0
for target in "${targets[@]}"; do
  # The first target publishes and instruments a fresh build; the others reuse it.
  if FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_SKIP_BUILD=$build bash eng/fuzz.sh "$target" "$seconds"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  build=1
done
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
