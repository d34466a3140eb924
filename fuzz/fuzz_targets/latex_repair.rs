//! Any token sequence the decoder could emit, through repair and detokenisation: the result must
//! have balanced braces and matched \begin/\end, so KaTeX can always render it; texnorm must take
//! any string.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mathsnap::latex::{self, texnorm};

fuzz_target!(|data: &[u8]| {
    // the recognizer's vocabulary, minus <pad>, <s>, </s> and <unk>, which never reach repair
    let vocab: Vec<&str> = include_str!("../../spec/vocab.txt").lines().filter(|l| !l.is_empty()).skip(4).collect();
    // two bytes a token: the vocabulary has more than 256 entries
    let tokens: Vec<&str> =
        data.chunks_exact(2).map(|b| vocab[u16::from_le_bytes([b[0], b[1]]) as usize % vocab.len()]).collect();
    let out = latex::to_latex(&tokens);
    let mut depth = 0i64;
    for t in texnorm::tokens(&out) {
        match t.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "unbalanced braces in {out:?} from {tokens:?}");
    }
    assert_eq!(depth, 0, "unclosed braces in {out:?} from {tokens:?}");
    assert_eq!(out.matches("\\begin{").count(), out.matches("\\end{").count(), "environments in {out:?}");
    let _ = texnorm::norm(&String::from_utf8_lossy(data));
});
