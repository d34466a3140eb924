"""The recognizer: a small CNN encoder with 2-D positional encoding and a GRU decoder with
coverage attention (the WAP family), sized for a phone's browser.

Why GRU and not a transformer decoder: one decoding step is one small call with a fixed-size
state (hidden + coverage), so the browser engine needs no key/value cache and no causal mask
(tract folds in-graph masks wrongly), and beam search is a batch of independent states.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

from .cached_decoder import greedy_cached
from .greedy import greedy_loop
from .preprocess import HEIGHT, WIDTH, WIDTH_STEP

FEAT_H, FEAT_W = HEIGHT // 8, WIDTH // 8   # encoder stride 8 -> 8 x 32 = 256 memory slots

# Widths per model size. "base" is what a CPU run trains (1.55 M parameters); "large" (3.5 M) is for a
# GPU run, whose fp16-stored weights still fit the 12 MB model budget beside the detector. "deep" is base
# with two more residual pairs on top of the encoder (2.5 M), grown from a trained base model (grow.py)
# so that a CPU run can add capacity without starting again.
_BASE = dict(stem=24, c1=48, c2=96, d=160, att=128, hidden=256, emb=128, extra_pairs=0)
SIZES = {
    "base": _BASE,
    "deep": dict(_BASE, extra_pairs=2),  # base's widths by construction: grow.py loads base weights into it
    "large": dict(stem=32, c1=64, c2=128, d=256, att=192, hidden=384, emb=192, extra_pairs=0),
    # Recognizer v2 (issue 27): base's encoder, a transformer decoder that trains every target position in
    # one pass (teacher forcing without a Python loop over tokens) and decodes one token per step with a
    # key/value cache at inference (cached_decoder.py exports it; src/recognizer/cached.rs runs it).
    # Its attention probabilities are not dropped out (attn_dropout 0; the residual and feed-forward dropout
    # stays 0.1): drawing a mask over every head's 40 x 256 cross-attention weights was a fifth of a training
    # step on this CPU (2 threads: 39.9 -> 49.2 samples/s, MODEL_CARD 'Training throughput').
    "v2": dict(_BASE, decoder="transformer", layers=3, heads=4, model=192, ff=768, attn_dropout=0.0),
}


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResidualPair(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a, self.b = conv_block(c, c), nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


def positional_encoding_2d(d, h, w):
    """Sinusoidal encoding: half the channels encode the row, half the column."""
    pe = torch.zeros(d, h, w)
    q = d // 4
    freq = torch.exp(torch.arange(q, dtype=torch.float32) * (-math.log(1000.0) / q))
    ys = torch.arange(h, dtype=torch.float32)[:, None] * freq[None, :]   # h x q
    xs = torch.arange(w, dtype=torch.float32)[:, None] * freq[None, :]   # w x q
    pe[0:q] = torch.sin(ys).t()[:, :, None].expand(q, h, w)
    pe[q:2 * q] = torch.cos(ys).t()[:, :, None].expand(q, h, w)
    pe[2 * q:3 * q] = torch.sin(xs).t()[:, None, :].expand(q, h, w)
    pe[3 * q:4 * q] = torch.cos(xs).t()[:, None, :].expand(q, h, w)
    return pe


class Encoder(nn.Module):
    def __init__(self, stem=24, c1=48, c2=96, d=160, att=128, extra_pairs=0):
        super().__init__()
        # Cheap early layers (most pixels, least meaning), width where the grid is small: ~0.3 GMAC per crop (base).
        self.net = nn.Sequential(
            nn.Conv2d(1, stem, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True),  # 32x128
            conv_block(stem, c1), nn.MaxPool2d(2),                    # 16 x 64
            conv_block(c1, c2), conv_block(c2, c2), nn.MaxPool2d(2),  # 8 x 32
            conv_block(c2, d), ResidualPair(d),
        )
        # empty for base and large (no parameters, so their checkpoints are unchanged)
        self.deeper = nn.Sequential(*[ResidualPair(d) for _ in range(extra_pairs)])
        self.register_buffer("pos", positional_encoding_2d(d, FEAT_H, FEAT_W) * 0.5)
        self.wide_pos = {}   # feature width -> its encoding, for a wide canvas (not saved: it is a formula)
        self.key = nn.Linear(d, att)  # attention keys precomputed once per image, not per step

    def position(self, width):
        """The 2-D encoding for `width` feature columns: the saved buffer for the 64 x 256 canvas; for a
        wide canvas the same sinusoids carried on to the right (its first columns are the buffer's)."""
        if width == self.pos.shape[-1]:
            return self.pos
        pos = self.wide_pos.get(width)
        if pos is None or pos.device != self.pos.device:
            pos = self.wide_pos[width] = positional_encoding_2d(self.pos.shape[0], FEAT_H, width).to(self.pos) * 0.5
        return pos

    def forward(self, image):
        f = self.features(image)
        return self.memory_of(f + self.position(f.shape[-1]))

    def features(self, image):
        """The convolutions: image B x 1 x 64 x W -> B x d x 8 x W/8, before the positional encoding."""
        if self.net[0].weight.is_contiguous(memory_format=torch.channels_last):
            image = image.contiguous(memory_format=torch.channels_last)
        return self.deeper(self.net(image))

    def memory_of(self, f):
        """Encoded features B x d x 8 x W/8 -> (memory B x S x d, attention keys B x S x att)."""
        memory = f.flatten(2).transpose(1, 2)
        return memory, self.key(memory)


class DecoderStep(nn.Module):
    def __init__(self, vocab, d=160, att=128, hidden=256, emb=128):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.gru1 = nn.GRUCell(emb, hidden)
        self.gru2 = nn.GRUCell(d, hidden)
        self.query = nn.Linear(hidden, att)
        self.cov_conv = nn.Conv2d(1, 32, 5, padding=2)
        self.cov_proj = nn.Linear(32, att, bias=False)
        self.energy = nn.Linear(att, 1)
        self.out_h = nn.Linear(hidden, emb)
        self.out_c = nn.Linear(d, emb, bias=False)
        self.out_e = nn.Linear(emb, emb, bias=False)
        self.classify = nn.Linear(emb, vocab)
        self.hidden = hidden

    def forward(self, token, hidden, coverage, memory, keys):
        """One step for a batch of B hypotheses -> (logprobs, hidden, coverage, attention)."""
        e = self.embed(token)
        s = self.gru1(e, hidden)
        b = coverage.shape[0]
        cov = self.cov_conv(coverage.view(b, 1, FEAT_H, FEAT_W)).flatten(2).transpose(1, 2)  # B x S x 32
        energy = self.energy(torch.tanh(keys + self.query(s)[:, None, :] + self.cov_proj(cov))).squeeze(2)
        alpha = torch.softmax(energy, dim=1)
        context = torch.bmm(alpha[:, None, :], memory).squeeze(1)
        return self._read_out(e, s, context, coverage, alpha)

    def step_shared(self, token, hidden, coverage, memory, keys_t):
        """forward() for hypotheses that all read one crop, laid out as the engine runs it fastest (the
        exported step; the same function, to float rounding): the crop's memory [S, d] and its keys
        transposed [att, S] are given once, not once per hypothesis, and the attention runs channel-major
        over [B, att, S]. cov_proj is folded into cov_conv (both are linear: one 5x5 convolution to att
        channels), so the coverage features come out of one convolution already in that layout, the
        keys add by leading-axis broadcast and the query as one number per row: no transposes, and no
        per-step copy of the memory for each hypothesis (tract packed it anew at every step)."""
        e = self.embed(token)
        s = self.gru1(e, hidden)
        b = coverage.shape[0]
        weight = (self.cov_proj.weight @ self.cov_conv.weight.flatten(1)).view(-1, 1, *self.cov_conv.kernel_size)
        bias = self.cov_proj.weight @ self.cov_conv.bias
        cov = F.conv2d(coverage.view(b, 1, FEAT_H, FEAT_W), weight, bias, padding=self.cov_conv.padding)
        scores = torch.tanh(cov.flatten(2) + keys_t + self.query(s)[:, :, None])   # B x att x S
        energy = (self.energy.weight @ scores).squeeze(1) + self.energy.bias       # B x S
        alpha = torch.softmax(energy, dim=1)
        context = alpha @ memory
        return self._read_out(e, s, context, coverage, alpha)

    def _read_out(self, e, s, context, coverage, alpha):
        h = self.gru2(context, s)
        out = torch.tanh(self.out_h(h) + self.out_c(context) + self.out_e(e))
        logprobs = torch.log_softmax(self.classify(out), dim=1)
        return logprobs, h, coverage + alpha, alpha


def sinusoidal_positions(n, d):
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


class TransformerDecoder(nn.Module):
    """Pre-norm transformer decoder over the encoder's memory slots. Training reads all target positions
    at once under a causal mask; inference runs it one token at a time (greedy below recomputes the
    prefix; the engine will keep a key/value cache, with the mask passed as an input, since tract folds
    an in-graph causal mask built from a symbolic length into all-true)."""

    def __init__(self, vocab, d_memory=160, model=192, layers=3, heads=4, ff=768, max_len=256, attn_dropout=0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab, model)
        self.register_buffer("pos", sinusoidal_positions(max_len + 1, model))
        self.memory_proj = nn.Linear(d_memory, model)
        self.layers = nn.ModuleList(nn.TransformerDecoderLayer(model, heads, ff, dropout=0.1, batch_first=True,
                                                               norm_first=True) for _ in range(layers))
        for layer in self.layers:   # dropout on the attention probabilities (the layer's own default: 0.1)
            layer.self_attn.dropout = layer.multihead_attn.dropout = attn_dropout
        self.norm = nn.LayerNorm(model)
        self.classify = nn.Linear(model, vocab)
        self.scale = math.sqrt(model)

    def forward(self, inputs, memory):
        """inputs B x T token ids (starting with <s>), memory B x S x d_memory -> logprobs B x T x V."""
        t = inputs.shape[1]
        x = self.embed(inputs) * self.scale + self.pos[:t]
        m = self.memory_proj(memory)
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool, device=inputs.device), 1)
        for layer in self.layers:
            x = layer(x, m, tgt_mask=causal, tgt_is_causal=True)
        return torch.log_softmax(self.classify(self.norm(x)), dim=-1)


class Recognizer(nn.Module):
    def __init__(self, vocab, size="base", channels_last=True, max_width=WIDTH):
        super().__init__()
        w = SIZES[size]
        self.size = size
        # the widest canvas it reads (preprocess.canvas_width); wider than WIDTH needs a decoder that
        # attends over any number of memory slots: the GRU's coverage map is fixed at 8 x 32
        if max_width != WIDTH and w.get("decoder") != "transformer":
            raise ValueError(f"size {size} reads a {WIDTH}-wide canvas only, not {max_width}")
        if max_width < WIDTH or max_width % WIDTH_STEP:
            raise ValueError(f"a canvas's widest must be a multiple of {WIDTH_STEP} from {WIDTH}, not {max_width}")
        self.max_width = max_width
        self.encoder = Encoder(w["stem"], w["c1"], w["c2"], w["d"], w["att"], w["extra_pairs"])
        if channels_last:
            # channels-last tensors let oneDNN pick faster convolution kernels: a training step of the base
            # size on two threads +18%, of v2 +24% (training/bench_train.py, MODEL_CARD 'Training
            # throughput'); the weights and the exported graph are the same either way
            self.encoder.to(memory_format=torch.channels_last)
        if w.get("decoder") == "transformer":
            self.decoder = TransformerDecoder(vocab, w["d"], w["model"], w["layers"], w["heads"], w["ff"],
                                              attn_dropout=w.get("attn_dropout", 0.1))
        else:
            self.decoder = DecoderStep(vocab, w["d"], w["att"], w["hidden"], w["emb"])

    @property
    def parallel(self):
        return isinstance(self.decoder, TransformerDecoder)

    def initial_state(self, b, device=None):
        return (torch.zeros(b, self.decoder.hidden, device=device), torch.zeros(b, FEAT_H * FEAT_W, device=device))

    def forward(self, images, inputs):
        """Teacher forcing: inputs B x T (starting with <s>) -> logprobs B x T x V."""
        memory, keys = self.encoder(images)
        return self.teacher_forced(memory, keys, inputs)

    def teacher_forced(self, memory, keys, inputs):
        """The decoder alone over an encoded batch (a frozen encoder's output: no graph through it)."""
        if self.parallel:
            return self.decoder(inputs, memory)
        hidden, coverage = self.initial_state(memory.shape[0], memory.device)
        out = []
        for t in range(inputs.shape[1]):
            lp, hidden, coverage, _ = self.decoder(inputs[:, t], hidden, coverage, memory, keys)
            out.append(lp)
        return torch.stack(out, 1)


def greedy(model, images, bos, eos, max_len=150):
    memory, keys = model.encoder(images)
    b = images.shape[0]
    if model.parallel:
        return _greedy_parallel(model, memory, b, bos, eos, max_len)
    hidden, coverage = model.initial_state(b, images.device)

    def step(token, _t):
        nonlocal hidden, coverage
        lp, hidden, coverage, _ = model.decoder(token, hidden, coverage, memory, keys)
        return lp

    return greedy_loop(step, b, bos, eos, max_len, images.device)


def _greedy_parallel(model, memory, b, bos, eos, max_len):
    """Greedy reading with the transformer decoder, one token per step over a key/value cache
    (cached_decoder.greedy_cached; validation only: the engine's own steps are exported from there too)."""
    return greedy_cached(model.decoder, memory, bos, eos, max_len)
