"""The transformer decoder (model.TransformerDecoder) as the engine runs it: one token per step with a
key/value cache, in two graphs.

* `CrossMemory` runs once per crop (inside the encoder's ONNX graph): each layer's cross-attention keys
  and values of the encoder's memory slots, packed token-major as [B, S, L*d], in the places of the GRU
  encoder's memory and keys (the engine passes them to each step once, untiled, where it tiles the GRU
  decoder's across the beam).
* `CachedStep` runs once per output token for a batch of hypotheses of one crop: the token, its position,
  the self-attention keys and values of every earlier token (the cache, [B, C, L*d], C the rows passed
  of which only the first `t` rows are real), an additive mask over the C cache rows (the token always
  attends itself) and the crop's cross-attention keys and values once ([1, S, L*d], shared by the B
  hypotheses) -> log-probabilities and this token's keys and values for the cache.

Why the crop's memory is passed once and not once per hypothesis: tract packs the right-hand operand of
every matrix product that is not a constant, at every step, and takes the layers and heads out of the
memory at every step too; with the memory tiled across a beam of B that was done B times (more than half
of a step's time, training/MODEL_CARD.md). Shared, each head attends with the hypotheses as the rows of
one matrix product.

Why the mask is an input: tract 0.23.9 folds a causal mask built inside the graph from a symbolic length
into all-true (wrong logits, no error). With the mask and the cache passed in, the graph has no
symbolic length at all, and its parity with onnxruntime and with PyTorch's teacher-forced pass is
tested at several lengths (training/tests/test_cached_decoder.py, tests/tract_parity.rs).

Both read the weights of the trained nn.TransformerDecoderLayer modules (pre-norm, ReLU) unchanged.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .greedy import greedy_loop

# What the mask gives a key the token must not attend: far below any score, finite (so that a row of
# softmax never sees inf - inf) and exactly representable in float16.
MASKED = -30000.0


def _layer_parts(layer):
    """(q, k, v weights and biases) of a MultiheadAttention's packed input projection."""
    w, b = layer.in_proj_weight, layer.in_proj_bias
    d = w.shape[1]
    return (w[:d], b[:d]), (w[d:2 * d], b[d:2 * d]), (w[2 * d:], b[2 * d:])


def _heads(x, heads):
    """[B, N, d] -> [B, H, N, d/H]"""
    b, n, d = x.shape
    return x.reshape(b, n, heads, d // heads).transpose(1, 2)


def _attend(q, k, v, heads, mask=None):
    """q [B, 1, d], k/v [B, N, d] -> [B, d]; mask [1, N] additive."""
    qh, kh, vh = _heads(q, heads), _heads(k, heads), _heads(v, heads)
    scores = torch.matmul(qh, kh.transpose(2, 3)) / math.sqrt(qh.shape[-1])   # B x H x 1 x N
    if mask is not None:
        scores = scores + mask[:, None, None, :]
    out = torch.matmul(torch.softmax(scores, dim=-1), vh)                    # B x H x 1 x dh
    return out.transpose(1, 2).reshape(q.shape[0], -1)


def _attend_shared(q, keys, values, heads):
    """q [B, d], B hypotheses attending the keys/values [1, N, d] they share -> [B, d]: per head one
    matrix product with the hypotheses as its rows."""
    b, d = q.shape
    n, dh = keys.shape[1], d // heads
    qh = q.reshape(b, heads, dh).transpose(0, 1)                              # H x B x dh
    kh = keys.reshape(n, heads, dh).permute(1, 2, 0)                          # H x dh x N
    vh = values.reshape(n, heads, dh).transpose(0, 1)                         # H x N x dh
    scores = torch.matmul(qh, kh) / math.sqrt(dh)                             # H x B x N
    out = torch.matmul(torch.softmax(scores, dim=-1), vh)                     # H x B x dh
    return out.transpose(0, 1).reshape(b, d)


class CrossMemory(nn.Module):
    """Encoder memory [B, S, d_memory] -> (cross keys, cross values), each [B, S, L*d]."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, memory):
        m = self.decoder.memory_proj(memory)
        keys, values = [], []
        for layer in self.decoder.layers:
            _, (wk, bk), (wv, bv) = _layer_parts(layer.multihead_attn)
            keys.append(F.linear(m, wk, bk))
            values.append(F.linear(m, wv, bv))
        return torch.cat(keys, -1), torch.cat(values, -1)


class CachedStep(nn.Module):
    """One decoding step of the transformer decoder for B hypotheses at the same position."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder
        self.width = decoder.embed.embedding_dim
        self.heads = decoder.layers[0].self_attn.num_heads

    def forward(self, token, position, mask, past_keys, past_values, cross_keys, cross_values):
        """token [B] int64, position [1] int64 (the token's index, <s> = 0), mask [1, C] (0 = attend,
        MASKED = not: the cache rows not yet written), past_keys/past_values [B, C, L*d],
        cross_keys/cross_values [1, S, L*d] (the crop's, shared) -> (logprobs [B, V], keys [B, L*d],
        values [B, L*d])."""
        dec, d = self.decoder, self.width
        self_mask = torch.cat([mask, torch.zeros_like(mask[:, :1])], 1)   # 1 x C+1: the token sees itself
        x = dec.embed(token) * dec.scale + torch.index_select(dec.pos, 0, position)   # B x d
        new_keys, new_values = [], []
        for i, layer in enumerate(dec.layers):
            sl = slice(i * d, (i + 1) * d)
            # self-attention over the earlier tokens (the cache) and this one
            h = layer.norm1(x)
            (wq, bq), (wk, bk), (wv, bv) = _layer_parts(layer.self_attn)
            q, k, v = F.linear(h, wq, bq), F.linear(h, wk, bk), F.linear(h, wv, bv)
            new_keys.append(k)
            new_values.append(v)
            keys = torch.cat([past_keys[:, :, sl], k[:, None]], 1)
            values = torch.cat([past_values[:, :, sl], v[:, None]], 1)
            x = x + layer.self_attn.out_proj(_attend(q[:, None], keys, values, self.heads, self_mask))
            # cross-attention over the crop's memory slots (keys and values computed once per crop)
            h = layer.norm2(x)
            (wq, bq), _, _ = _layer_parts(layer.multihead_attn)
            q = F.linear(h, wq, bq)
            x = x + layer.multihead_attn.out_proj(_attend_shared(q, cross_keys[:, :, sl], cross_values[:, :, sl],
                                                                 self.heads))
            x = x + layer.linear2(F.relu(layer.linear1(layer.norm3(x))))
        logprobs = torch.log_softmax(dec.classify(dec.norm(x)), dim=-1)
        return logprobs, torch.cat(new_keys, -1), torch.cat(new_values, -1)


def step_mask(t, capacity):
    """The additive mask for the token at position t with a cache of `capacity` rows: rows 0..t-1 hold
    the earlier tokens, the rest are not written yet."""
    mask = torch.full((1, capacity), MASKED)
    mask[0, :t] = 0.0
    return mask


def read_forced(decoder, memory, tokens, capacity):
    """Log-probabilities [B, T, V] of forced token sequences [B, T] stepped through the cache: what the
    engine computes, for tests against the teacher-forced pass. `memory` [1, S, d_memory] is one crop's,
    which all B sequences read (as a beam's hypotheses do), or [B, S, d_memory], one crop each."""
    if memory.shape[0] > 1:
        return torch.cat([read_forced(decoder, memory[i:i + 1], tokens[i:i + 1], capacity)
                          for i in range(memory.shape[0])])
    cross_keys, cross_values = CrossMemory(decoder)(memory)
    step = CachedStep(decoder)
    b, width = tokens.shape[0], cross_keys.shape[-1]
    past_keys, past_values = torch.zeros(b, capacity, width), torch.zeros(b, capacity, width)
    rows = []
    for t in range(tokens.shape[1]):
        lp, k, v = step(tokens[:, t], torch.tensor([t]), step_mask(t, capacity), past_keys, past_values,
                        cross_keys, cross_values)
        past_keys[:, t], past_values[:, t] = k, v
        rows.append(lp)
    return torch.stack(rows, 1)


def greedy_cached(decoder, memory, bos, eos, max_len):
    """Greedy reading of a batch of crops, one crop each ([B, S, d_memory]), one token per step with a
    growing key/value cache: validation's reading. Recomputing the whole prefix and every layer's
    cross-attention keys and values at each step (as the teacher-forced pass does) took 8-12 minutes a
    validation on one thread; here each crop's cross keys and values are computed once and a step costs one
    token's layers. Every cached row is a real token, so no mask is needed."""
    b, heads = memory.shape[0], decoder.layers[0].self_attn.num_heads
    m = decoder.memory_proj(memory)
    cross = []
    for layer in decoder.layers:
        _, (wk, bk), (wv, bv) = _layer_parts(layer.multihead_attn)
        cross.append((F.linear(m, wk, bk), F.linear(m, wv, bv)))
    cache = [([], []) for _ in decoder.layers]

    def step(token, t):
        x = decoder.embed(token) * decoder.scale + decoder.pos[t]
        for layer, (past_k, past_v), (ck, cv) in zip(decoder.layers, cache, cross):
            h = layer.norm1(x)
            (wq, bq), (wk, bk), (wv, bv) = _layer_parts(layer.self_attn)
            past_k.append(F.linear(h, wk, bk))
            past_v.append(F.linear(h, wv, bv))
            q = F.linear(h, wq, bq)[:, None]
            x = x + layer.self_attn.out_proj(_attend(q, torch.stack(past_k, 1), torch.stack(past_v, 1), heads))
            (wq, bq), _, _ = _layer_parts(layer.multihead_attn)
            q = F.linear(layer.norm2(x), wq, bq)[:, None]
            x = x + layer.multihead_attn.out_proj(_attend(q, ck, cv, heads))
            x = x + layer.linear2(F.relu(layer.linear1(layer.norm3(x))))
        return decoder.classify(decoder.norm(x))

    return greedy_loop(step, b, bos, eos, max_len, memory.device)
