#!/usr/bin/env bash
# Prints a SHA-256 of every output ClipNet computes from the reference fixtures: token ids, raw image and text
# embeddings of the ViT and ResNet fixture models in each checkpoint format.
# A refactor must not change a single bit: run it before and after, or compare with build/fixture-outputs.sha256:
#   build/fixture-outputs.sh | diff build/fixture-outputs.sha256 -
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${CLIPNET_SHARED:-$root/../shared}"
fixtures="$shared/fixtures"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build "$root/src/ClipNet.Cli" -c Release -v q -nologo >/dev/null
clip="$(find "$root/src/ClipNet.Cli/bin/Release" -name clip -type f -perm -u+x | head -1)"

images=()
for image in "$fixtures"/preprocess/images/*; do images+=(--image "$image"); done
texts=(--text "a photo of a cat" --text "A DIAGRAM of the CLIP model" --text "ﬁsh & chips &amp; “quotes”" --text "")

digest() { sha256sum "$1" | cut -c1-64; }
"$clip" tokenize --truncate "a photo of a cat" "A DIAGRAM of the CLIP model" "ﬁsh & chips &amp; “quotes”" \
  "naïve café — 東京 🐱" "$(printf 'word %.0s' {1..100})" >"$out/tokens.json"
echo "$(digest "$out/tokens.json")  tokenize"

for model in vit/weights_openai.safetensors vit/openai_state_dict.pt vit/hf rn/weights_openai.safetensors; do
  name="${model//\//_}"
  "$clip" embed --model "$fixtures/models/$model" "${images[@]}" "${texts[@]}" --raw --out "$out/$name.safetensors" >/dev/null
  echo "$(digest "$out/$name.safetensors")  embed $model"
done
