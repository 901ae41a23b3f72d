# The peer's image tower alone at several batch sizes: OpenAI's clip/model.py (its path is argv[1]) on the system
# torch, random weights, CPU, 2 threads, float32. argv[2]: ViT-B/32 or RN50; argv[3]: batch sizes, comma-separated.
# ../shared/peer/peer_bench.py times one batch size with text and a training step as well; the image-only sweep is
# what lets the bench set ClipNet's RN50 beside the peer's at every batch size within its ten minutes.
import importlib.util, statistics, sys, time
import torch

spec = importlib.util.spec_from_file_location("clip_model", sys.argv[1])
clip_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clip_model)
torch.set_num_threads(2)
torch.manual_seed(0)
configs = {
    "ViT-B/32": dict(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=32,
                     context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12),
    "RN50": dict(embed_dim=1024, image_resolution=224, vision_layers=(3, 4, 6, 3), vision_width=64, vision_patch_size=None,
                 context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8, transformer_layers=12),
}
name = sys.argv[2]
model = clip_model.CLIP(**configs[name]).eval()
for batch in (int(b) for b in sys.argv[3].split(",")):
    pixels = torch.randn(batch, 3, 224, 224)
    # One warm-up call, then as many timed calls as fit in about 12 seconds (at least one, at most five; fifteen at
    # batch 1, whose calls swing by 2× from one to the next here, as ClipNet's batch-1 rows get). A first call
    # over 15 seconds (batch 64) is timed alone: the peer's malloc maps its large blocks afresh on every call, and
    # measured here its first call at batch 64 took 31.3 s against 33.1 s for the second.
    with torch.inference_mode():
        start = time.perf_counter(); model.encode_image(pixels); first = time.perf_counter() - start
        times = [first] if first > 15 else []
        for _ in range(0 if times else max(1, min(15 if batch == 1 else 5, int(12 / first)))):
            start = time.perf_counter(); model.encode_image(pixels); times.append(time.perf_counter() - start)
    print(f"{name} fp32 bs={batch}: encode_image {batch / statistics.median(times):.2f} img/s", flush=True)
