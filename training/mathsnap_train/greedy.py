"""The greedy reading loop both decoders share: validation's reading (the engine's beam is in Rust)."""
import torch


def greedy_loop(step, b, bos, eos, max_len, device):
    """Token lists of b greedy readings, each cut at its </s>: `step(token, t)` takes the batch's tokens at
    position t (<s> first) and returns their next-token scores [b, V]; stops when every reading has ended."""
    token = torch.full((b,), bos, dtype=torch.long, device=device)
    done = torch.zeros(b, dtype=torch.bool, device=device)
    seqs = []
    for t in range(max_len):
        token = step(token, t).argmax(1)
        seqs.append(token)
        done |= token == eos
        if done.all():
            break
    seqs = torch.stack(seqs, 1).tolist()
    return [s[:s.index(eos)] if eos in s else s for s in seqs]
