#!/usr/bin/env bash
# Shows that each regression test of issue 19 fails on the code before its fix and passes with
# it: for every fix commit F it checks out F^ in a scratch worktree, copies in F's tests (and the
# tests this branch added that compile on both sides), builds the tests (debug), runs the suites,
# then does the same at F. Prints a table defect -> test -> before -> after and exits 1 when a
# test passes before its fix (or fails after it). Too slow for CI (.ci/run does not call it).
#
#   scripts/regressions-before-fix.sh [WORKDIR]    # WORKDIR (default: a new temporary folder)
#                                                  # holds the worktree, its .build and the logs
#   STEPS=finetune-mistakes,hardening3 scripts/regressions-before-fix.sh   # some steps only
#
# The commits are walked in one worktree (issue 19's fixes not shown before first, then the
# re-checks of those claimed in d40bd8e, 178108b and 6e14394) so most builds are incremental. Measured run
# time: see README "Reliability" (docs/reliability.md). A test file of F that does not compile
# on F^ (it calls an API the fix added) is reported as such and put back to F^'s version; the
# tests named *CommandTests / IDXGzipBombTests of this branch drive the same checks through an
# interface both sides have.
set -u
repo=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
proof=$(git -C "$repo" rev-parse HEAD)
work=${1:-}
if [ -z "$work" ]; then work=$(mktemp -d /tmp/regressions-before-fix.XXXXXX); fi
mkdir -p "$work/logs"
tree=$work/tree
results=$work/results.tsv
: > "$results"
start=$(date +%s)
suite_timeout=${SUITE_TIMEOUT:-300}

# One line per fix: id | defects | commit before | fix commit | test files (COMMIT:PATH, where
# COMMIT "proof" is this script's own commit) | filters (suite names or Suite/test).
steps=(
"finetune-mistakes|8|911c777^|911c777|911c777:Tests/GlimpseTrainingTests/FinetuneMistakesTests.swift|FinetuneMistakesTests"
"input-encodings|13|60f3f99^|60f3f99|60f3f99:Tests/GlimpsePipelineTests/InputEncodingTests.swift 60f3f99:Tests/GlimpsePipelineTests/PipelineTestSupport.swift|InputEncodingTests GenericStageTests/everyStageKindReachesItsOutputs RunCommandTests/mixedFolderProcessesTheImagesAndRecordsTheRest"
"hardening3|9, 11|94dcccc^1|94dcccc|94dcccc:Tests/GlimpsePipelineTests/MemoryBudgetTests.swift 94dcccc:Tests/GlimpseTrainingTests/ConvertMemoryBudgetTests.swift 94dcccc:Tests/GlimpseProposalsTests/SelectiveSearchBudgetTests.swift 94dcccc:Tests/GlimpseDatasetsTests/IDXTests.swift 94dcccc:Tests/GlimpseDatasetsTests/GzipTests.swift 94dcccc:Tests/GlimpsePipelineTests/PipelineSetUpErrorTests.swift 94dcccc:Tests/GlimpsePipelineTests/FailureReportingTests.swift 94dcccc:Tests/GlimpseTrainingTests/AugmentLabelsMismatchTests.swift proof:Tests/GlimpseDatasetsTests/IDXGzipBombTests.swift proof:Tests/GlimpsePipelineTests/MemoryBudgetCommandTests.swift proof:Tests/GlimpsePipelineTests/PipelineSetUpErrorCommandTests.swift|MemoryBudgetTests MemoryBudgetCommandTests ConvertMemoryBudgetTests SelectiveSearchBudgetTests IDXTests/decompressedSizeLimit IDXTests/aGzipBombIsRefusedAtTheSizeItsHeaderImplies IDXGzipBombTests GzipTests/prefixInflatesOnlyTheBytesAskedFor PipelineSetUpErrorTests PipelineSetUpErrorCommandTests FailureReportingTests AugmentLabelsMismatchTests"
"runner-safety|1-7, 10, 12, 13 (..)|d40bd8e^|d40bd8e|d40bd8e:Tests/GlimpsePipelineTests/OutputContainmentTests.swift d40bd8e:Tests/GlimpsePipelineTests/ResumeTemporariesTests.swift d40bd8e:Tests/GlimpsePipelineTests/LedgerFailureTests.swift d40bd8e:Tests/GlimpsePipelineTests/SpecialFileTests.swift proof:Tests/GlimpsePipelineTests/PipelineNestingTests.swift d40bd8e:Tests/GlimpsePipelineTests/OutputLockTests.swift d40bd8e:Tests/GlimpsePipelineTests/TerminalEscapeTests.swift|OutputContainmentTests ResumeTemporariesTests LedgerFailureTests SpecialFileTests PipelineNestingTests OutputLockTests TerminalEscapeTests"
"input-inside-output|2, 10|178108b^|178108b|178108b:Tests/GlimpsePipelineTests/OutputContainmentTests.swift|OutputContainmentTests/anOutputFolderThatIsOrHoldsAnInputIsRefusedWithTheReason"
"output-folder-errors|11 (-o)|6e14394^|6e14394|6e14394:Tests/GlimpsePipelineTests/OutputFolderErrorTests.swift 91eea8d:Tests/GlimpsePipelineTests/FailureReportingTests.swift|OutputFolderErrorTests FailureReportingTests/aNonWritableOutputFolderIsNamedWithTheCause"
)

# Tests that check a fix does not overreach: they pass before and after it by design.
guards="PipelineNestingTests/nestingWithinTheLimitIsLeftToTheValidator() OutputLockTests/aLockFileLeftByADeadRunIsTakenOver()"

# Swift Testing's console output -> "test<TAB>passed|failed<TAB>first issue" per test function.
cat > "$work/parse.py" <<'EOF'
import re, sys
results, order = {}, []
pattern = re.compile(r'^\S+\s+Test (.+?) (passed|failed|recorded an issue|skipped|started)(.*)$')
for line in open(sys.argv[1], errors="replace"):
    match = pattern.match(line.strip())
    if not match:
        continue
    name, verb, rest = match.groups()
    if name.startswith("run") or name.startswith("case "):
        continue
    name = re.sub(r' with \d+ test cases?$', '', name)
    if name not in results:
        results[name] = ["hung", ""]
        order.append(name)
    if verb == "recorded an issue":
        results[name][0] = "failed"
        if not results[name][1]:
            issue = re.sub(r'^.*? at \S+?:\d+:\d+: ', '', rest).strip() if re.search(r' at \S+?:\d+:\d+: ', rest) else rest.strip()
            results[name][1] = issue.replace("\t", " ")[:160]
    elif verb == "failed":
        results[name][0] = "failed"
    elif verb == "passed" and results[name][0] == "hung":
        results[name][0] = "passed"
    elif verb == "skipped":
        results[name][0] = "skipped"
for name in order:
    print(f"{name}\t{results[name][0]}\t{results[name][1]}")
EOF

# Ends processes started from this worktree's build that a killed test left behind (by pid).
reap() {
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case $target in
      "$tree"/.build/*) pid=${exe#/proc/}; pid=${pid%/exe}; kill -9 "$pid" 2>/dev/null ;;
    esac
  done
}

if [ ! -d "$tree" ]; then git -C "$repo" worktree add --detach "$tree" 911c777^ > /dev/null 2>&1 || exit 1; fi
tree=$(cd "$tree" && pwd -P)

# phase STEP-ID PHASE COMMIT FILES FILTERS: checks COMMIT out with FILES copied in, builds, runs.
phase() {
  local id=$1 when=$2 commit=$3 files=$4 filters=$5
  local log=$work/logs/$id-$when
  echo "== $id, $when the fix: $commit" >&2
  git -C "$tree" checkout -q -f --detach "$commit" || return 1
  git -C "$tree" clean -q -fd -- Tests
  local copied=() spec source path
  for spec in $files; do
    source=${spec%%:*}; path=${spec#*:}
    [ "$source" = proof ] && source=$proof
    git -C "$repo" show "$source:$path" > "$tree/$path" || return 1
    copied+=("$path")
  done
  local broken=() attempt built=
  # A module's compile errors show only once the modules before it build: up to one attempt per
  # test module with a file that does not compile.
  for attempt in 1 2 3 4 5 6 7; do
    if (cd "$tree" && swift build --build-tests > "$log-build-$attempt.log" 2>&1); then built=1; break; fi
    local newly=()
    for path in "${copied[@]}"; do
      if grep -q "/$path:[0-9]*:[0-9]*: error" "$log-build-$attempt.log"; then newly+=("$path"); fi
    done
    if [ ${#newly[@]} -eq 0 ]; then echo "build failed at $commit, see $log-build-$attempt.log" >&2; return 1; fi
    for path in "${newly[@]}"; do
      broken+=("$(basename "$path" .swift)|$(grep -m1 "/$path:[0-9]*:[0-9]*: error" "$log-build-$attempt.log" | sed 's/.*error: //')")
      if git -C "$tree" cat-file -e "$commit:$path" 2>/dev/null; then git -C "$tree" checkout -q "$commit" -- "$path"; else rm "$tree/$path"; fi
    done
  done
  if [ -z "$built" ]; then echo "build failed at $commit, see $log-build-$attempt.log" >&2; return 1; fi
  local filter suite entry skip
  for filter in $filters; do
    suite=${filter%%/*}; skip=
    for entry in "${broken[@]}"; do
      if [ "${entry%%|*}" = "$suite" ]; then
        printf '%s\t%s\t%s\t%s\tdoes not compile\t%s\n' "$id" "$when" "$suite" "${filter#"$suite"}" "${entry#*|}" | sed 's#\t/#\t#' >> "$results"
        skip=1
      fi
    done
    [ -n "$skip" ] && continue
    local name=${filter//\//-}
    # The address-space limit is inherited by the glimpse processes the tests start: an unfixed
    # `image convert --resize 46341x46341` allocates what it is asked (6.5 GB after 134 s when a
    # watchdog killed it in the first run); under the limit it fails there instead.
    (cd "$tree" && timeout -s KILL "$suite_timeout" prlimit --as=$((6 << 30)) \
      swift test --skip-build --filter "\\.$filter(/|\\(|$)" > "$log-$name.log" 2>&1)
    local status=$?
    reap
    python3 "$work/parse.py" "$log-$name.log" > "$log-$name.tsv"
    if [ ! -s "$log-$name.tsv" ]; then
      printf '%s\t%s\t%s\t%s\tno result\texit %s, see %s\n' "$id" "$when" "$suite" "${filter#"$suite"}" "$status" "$log-$name.log" >> "$results"
    fi
    while IFS=$'\t' read -r test result issue; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$when" "$suite" "$test" "$result" "$issue" >> "$results"
    done < "$log-$name.tsv"
    if [ $status -eq 137 ]; then
      printf '%s\t%s\t%s\t%s\tkilled\tthe suite ran past %s s (a test hung); later tests not run\n' "$id" "$when" "$suite" "(suite)" "$suite_timeout" >> "$results"
    fi
  done
}

for step in "${steps[@]}"; do
  IFS='|' read -r id defects before fix files filters <<< "$step"
  case ",${STEPS:-$id}," in *",$id,"*) ;; *) continue ;; esac
  phase "$id" before "$before" "$files" "$filters" || exit 1
  phase "$id" after "$fix" "$files" "$filters" || exit 1
done
git -C "$tree" checkout -q -f --detach "$proof"
git -C "$tree" clean -q -fd -- Tests

# The table: one row per test, its result before and after the fix.
python3 - "$results" "$work/table.txt" "$guards" <<'EOF'
import sys
rows, keys, unbuilt = {}, [], {}
guards = set(sys.argv[3].split())
for line in open(sys.argv[1]):
    step, when, suite, test, result, issue = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
    if result == "does not compile":
        unbuilt[(step, when, suite, test)] = issue
        continue
    key = (step, suite, test)
    if key not in rows:
        rows[key] = {}
        keys.append(key)
    rows[key][when] = (result, issue)
def compiled(step, when, suite, test):
    for (s, w, u, t), issue in unbuilt.items():
        if (s, w, u) == (step, when, suite) and (t == "" or test.startswith(t)):
            return ("does not compile", issue)
    return None
bad = 0
with open(sys.argv[2], "w") as out:
    for step, suite, test in keys:
        before = compiled(step, "before", suite, test) or rows[(step, suite, test)].get("before", ("-", ""))
        after = compiled(step, "after", suite, test) or rows[(step, suite, test)].get("after", ("-", ""))
        guard = f"{suite}/{test}" in guards
        if test == "(suite)":
            ok = after[0] != "killed"
        elif guard:
            ok = before[0] == "passed" and after[0] == "passed"
        else:
            ok = before[0] in ("failed", "hung", "does not compile") and after[0] == "passed"
        bad += 0 if ok else 1
        mark = "  " if ok else "!!"
        line = f"{mark} {step:20} {suite + '/' + test:100} before: {before[0]:16} after: {after[0]:7}{' (guard)' if guard else ''} {before[1][:140]}"
        print(line)
        out.write(line + "\n")
sys.exit(1 if bad else 0)
EOF
status=$?
echo "$(( $(date +%s) - start )) s; results in $results, logs in $work/logs" >&2
exit $status
