#!/usr/bin/env bash
# The OCR example bundle (examples/hanwen-ocr) on generated images: pack, lint, register,
# run it as an inference batch on the local backend, and find both drawn lines, English
# and Chinese, in every output. Reported as skipped (exit 77) when tesseract or ImageMagick is missing.
source "$(dirname "$0")/lib.sh"
src=${PDAI_SOURCE_DIR:?}
for tool in tesseract convert; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed (scripts/setup)"; exit 77; }
done
[[ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata || -f /usr/share/tesseract-ocr/4.00/tessdata/chi_sim.traineddata ]] ||
    { echo "skip: tesseract-ocr-chi-sim not installed"; exit 77; }

bash "$src/scripts/make-sample-inputs" "$TEST_TMP/inputs" 2 >/dev/null
me=$(id -un)
expect 0 "init" -- catalog init
expect 0 "vendor" -- vendor add hanwen
expect 0 "bureau" -- bureau add fin --display-name 财政局 --account fin
expect 0 "member" -- bureau member add fin "$me"
expect 0 "lint the example" -- bundle lint "$src/examples/hanwen-ocr"
expect 0 "pack the example" -- bundle pack "$src/examples/hanwen-ocr" -o "$TEST_TMP/ocr.tar.gz"
expect 0 "register it" -- algo register "$TEST_TMP/ocr.tar.gz"

out_dir=$TEST_TMP/ocr-out
expect 0 "infer on the local backend" -- infer hanwen-ocr --backend local --bureau fin \
    --inputs "$TEST_TMP/inputs/ocr" --shard-size 1 --max-parallel 2 --output "$out_dir" --wait

expected_files=("$TEST_TMP"/inputs/ocr/*.expected)
[[ -e ${expected_files[0]} ]] || fail "make-sample-inputs wrote no *.expected files to check the OCR against"
# check_ocr DIR WHAT: every input's text is in DIR/<name>.txt.
check_ocr() {
    local expected name got line
    for expected in "${expected_files[@]}"; do
        [[ -e $expected ]] || continue
        name=$(basename "$expected" .expected)
        got=$(tr -d ' \t' <"$1/$name.txt" 2>/dev/null)
        while IFS= read -r line; do
            contains "$got" "$(tr -d ' \t' <<<"$line")" "$2: $name: OCR found '$line'"
        done <"$expected"
    done
}
check_ocr "$out_dir" "infer"

# One run job on the same inputs, named one by one: the bundle gets them by its own input
# convention ([infer] args: --inputs LISTFILE --out DIR), no ARGS needed (pdai-run(1)).
inputs=()
for expected in "${expected_files[@]}"; do
    for image in "${expected%.expected}".*; do
        [[ $image == *.expected ]] || inputs+=(--input "$image")
    done
done
run_out=$TEST_TMP/ocr-run-out
expect 0 "run with --input on the local backend" -- run hanwen-ocr --backend local --bureau fin \
    "${inputs[@]}" --output "$run_out" --wait
check_ocr "$run_out" "run"
finish
