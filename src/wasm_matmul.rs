//! A 4×8 f32 matrix-product tile for tract in wasm, registered with tract-linalg's kernel
//! inventory and preferred over tract's own 8×8 tile for every f32 product with more than one
//! column.
//!
//! Why: tract's wasm tile keeps 8×8 results in 16 SIMD accumulators, chosen on Apple silicon,
//! whose cores have 32 vector registers. V8 compiles wasm SIMD to x86-64's 16 XMM registers,
//! and an accumulator set that fills all 16 leaves none for the operands, so every step of the
//! inner loop spills accumulators to the stack. Four rows by eight columns hold 8 accumulators,
//! with the A column, the two B halves and the broadcast still in registers. Measured in
//! Chromium on this project's models (bench/levers.md): the encoder 29 → 20.5 ms, the detector at
//! 480×640 151 → 130 ms. Tried and slower (same runs): 5×8 and 6×8 tiles (more accumulators, and
//! edge tiles wherever a layer's channels are not a multiple of the rows), 4×12, the k loop
//! unrolled by two, and A's values broadcast by shuffles from one vector load instead of
//! broadcast loads.
//!
//! tract-linalg 0.23.9 builds its kernel list and its per-architecture preferences from
//! `inventory` registries (`mmm_routines::MmmRoutine`, `mmm_tiers::MmmTier`), so this crate adds
//! a kernel the same way tract's own wasm tree does, without a fork: the kernel is an ordinary
//! `DynKernel` (tract's packing, edge tiles and fused epilogues drive it), and the tier sits one
//! precedence above tract's `wasm-simd128` tier. Matrix-vector products (one column) keep tract's
//! GEMV kernels.
use std::arch::wasm32::*;
use std::sync::LazyLock;

use tract_onnx::prelude::DatumType;
use tract_onnx::tract_core::tract_linalg::isa::{Arch, IsaSet};
use tract_onnx::tract_core::tract_linalg::mmm::{DynKernel, FusedKerSpec, Query, Suitable};
use tract_onnx::tract_core::tract_linalg::mmm_routines::MmmRoutine;
use tract_onnx::tract_core::tract_linalg::mmm_tiers::MmmTier;
use tract_onnx::tract_core::tract_linalg::pack::Packing;
use tract_onnx::tract_core::tract_linalg::Scaler;

const NAME: &str = "mathsnap_wasm_f32_4x8";
const ROWS: usize = 4;
const COLS: usize = 8;

static KERNEL: LazyLock<DynKernel<ROWS, COLS, f32>> = LazyLock::new(|| {
    let mut kernel = DynKernel::<ROWS, COLS, f32>::new(NAME, run_4x8, f32::packing(ROWS), f32::packing(COLS));
    kernel.arch = Some(Arch::Wasm32Simd128);
    kernel
});

inventory::submit! {
    MmmRoutine { make: || KERNEL.mmm() }
}

inventory::submit! {
    MmmTier {
        arch: Some(Arch::Wasm32Simd128),
        // tract's own wasm tier is 1, the generic rules 0: asked first, and it only claims f32
        // products with more than one column, so everything else falls through to tract.
        precedence: 2,
        name: "mathsnap-wasm-x86-registers",
        applies: |_| true,
        preferred,
    }
}

/// Keeps this module's object in the link: wasm-ld drops an object nothing references, and the
/// inventory entries above would go with it. Called where every model is parsed.
pub fn keep_linked() {
    std::hint::black_box((run_4x8 as *const (), preferred as *const ()));
}

fn preferred(_isa: &IsaSet, accumulator: DatumType, query: &Query, _suitable: &[Suitable]) -> Option<&'static str> {
    match (accumulator, query.n) {
        (DatumType::F32, Some(1)) => None,
        (DatumType::F32, _) => Some(NAME),
        _ => None,
    }
}

/// The kernel: tract hands it a list of operations on one 4×8 tile of C, ended by `Done`.
/// Accumulators are named one by one (row r, columns 0-3 in `rN_lo`, 4-7 in `rN_hi`) so that
/// they stay SIMD locals the compiler can keep in registers.
unsafe fn run_4x8(ops: &[FusedKerSpec<f32>]) -> isize {
    let zero = f32x4_splat(0.0);
    let (mut r0_lo, mut r0_hi, mut r1_lo, mut r1_hi) = (zero, zero, zero, zero);
    let (mut r2_lo, mut r2_hi, mut r3_lo, mut r3_hi) = (zero, zero, zero, zero);

    // Every accumulator, in tract's tile-buffer order (row-major, low half first).
    macro_rules! all {
        ($f:expr) => {{
            let f = $f;
            r0_lo = f(r0_lo, 0, 0);
            r0_hi = f(r0_hi, 0, 1);
            r1_lo = f(r1_lo, 1, 0);
            r1_hi = f(r1_hi, 1, 1);
            r2_lo = f(r2_lo, 2, 0);
            r2_hi = f(r2_hi, 2, 1);
            r3_lo = f(r3_lo, 3, 0);
            r3_hi = f(r3_hi, 3, 1);
        }};
    }

    for op in ops {
        // SAFETY (every arm): tract guarantees the pointers of each operation cover the tile:
        // per-row operands hold 4 values, per-column ones 8, tiles span 4 rows by 8 columns at
        // their strides, and packed panels hold k × 4 and k × 8 values.
        unsafe {
            match *op {
                FusedKerSpec::Done => break,
                FusedKerSpec::Clear => all!(|_, _, _| zero),
                FusedKerSpec::LoadTile(_cols, rows) => {
                    let tile = rows as *const v128;
                    all!(|_, r: usize, h: usize| v128_load(tile.add(2 * r + h)))
                }
                FusedKerSpec::ScalarMin(s) => all!(|acc, _, _| f32x4_min(f32x4_splat(s), acc)),
                FusedKerSpec::ScalarMax(s) => all!(|acc, _, _| f32x4_max(f32x4_splat(s), acc)),
                FusedKerSpec::ScalarAdd(s) => all!(|acc, _, _| f32x4_add(f32x4_splat(s), acc)),
                FusedKerSpec::ScalarMul(s) => all!(|acc, _, _| f32x4_mul(f32x4_splat(s), acc)),
                FusedKerSpec::ScalarSub(s) => all!(|acc, _, _| f32x4_sub(f32x4_splat(s), acc)),
                FusedKerSpec::ScalarSubF(s) => all!(|acc, _, _| f32x4_sub(acc, f32x4_splat(s))),
                FusedKerSpec::LeakyRelu(alpha) => {
                    let alpha = f32x4_splat(alpha);
                    all!(|acc, _, _| v128_bitselect(acc, f32x4_mul(alpha, acc), f32x4_gt(acc, zero)))
                }
                FusedKerSpec::PerRowMin(v) => all!(|acc, r: usize, _| f32x4_min(f32x4_splat(*v.add(r)), acc)),
                FusedKerSpec::PerRowMax(v) => all!(|acc, r: usize, _| f32x4_max(f32x4_splat(*v.add(r)), acc)),
                FusedKerSpec::PerRowAdd(v) => all!(|acc, r: usize, _| f32x4_add(f32x4_splat(*v.add(r)), acc)),
                FusedKerSpec::PerRowMul(v) => all!(|acc, r: usize, _| f32x4_mul(f32x4_splat(*v.add(r)), acc)),
                FusedKerSpec::PerRowSub(v) => all!(|acc, r: usize, _| f32x4_sub(f32x4_splat(*v.add(r)), acc)),
                FusedKerSpec::PerRowSubF(v) => all!(|acc, r: usize, _| f32x4_sub(acc, f32x4_splat(*v.add(r)))),
                FusedKerSpec::PerColMin(v) => all!(|acc, _, h: usize| f32x4_min(column_half(v, h), acc)),
                FusedKerSpec::PerColMax(v) => all!(|acc, _, h: usize| f32x4_max(column_half(v, h), acc)),
                FusedKerSpec::PerColAdd(v) => all!(|acc, _, h: usize| f32x4_add(column_half(v, h), acc)),
                FusedKerSpec::PerColMul(v) => all!(|acc, _, h: usize| f32x4_mul(column_half(v, h), acc)),
                FusedKerSpec::PerColSub(v) => all!(|acc, _, h: usize| f32x4_sub(column_half(v, h), acc)),
                FusedKerSpec::PerColSubF(v) => all!(|acc, _, h: usize| f32x4_sub(acc, column_half(v, h))),
                // Quantised epilogues on an f32 accumulator reduce to a scale, as in tract's tiles.
                FusedKerSpec::QScale(shift, policy, mult) => {
                    let scale = f32x4_splat(Scaler::from_fuse_params(shift, policy, mult).scale);
                    all!(|acc, _, _| f32x4_mul(scale, acc))
                }
                FusedKerSpec::RoundingShiftRight(shift, _) => {
                    let scale = f32x4_splat(2f32.powi(-(shift as i32)));
                    all!(|acc, _, _| f32x4_mul(scale, acc))
                }
                FusedKerSpec::ShiftLeft(shift) => {
                    let scale = f32x4_splat(2f32.powi(shift as i32));
                    all!(|acc, _, _| f32x4_mul(scale, acc))
                }
                FusedKerSpec::AddUnicast(tile) => {
                    let at = |r: usize, c: usize| {
                        *(tile.ptr.offset(tile.row_byte_stride * r as isize + tile.col_byte_stride * c as isize)
                            as *const f32)
                    };
                    all!(|acc, r: usize, h: usize| {
                        let c = 4 * h;
                        f32x4_add(acc, f32x4(at(r, c), at(r, c + 1), at(r, c + 2), at(r, c + 3)))
                    })
                }
                FusedKerSpec::AddRowColProducts(rows, cols) => {
                    all!(|acc, r: usize, h: usize| f32x4_add(
                        acc,
                        f32x4_mul(f32x4_splat(*rows.add(r)), column_half(cols, h))
                    ))
                }
                FusedKerSpec::Store(tile) => {
                    let store = |acc: v128, r: usize, h: usize| {
                        let at = |c: usize| {
                            tile.ptr
                                .offset(tile.row_byte_stride * r as isize + tile.col_byte_stride * (4 * h + c) as isize)
                                as *mut f32
                        };
                        *at(0) = f32x4_extract_lane::<0>(acc);
                        *at(1) = f32x4_extract_lane::<1>(acc);
                        *at(2) = f32x4_extract_lane::<2>(acc);
                        *at(3) = f32x4_extract_lane::<3>(acc);
                        acc
                    };
                    all!(store)
                }
                FusedKerSpec::AddMatMul { k, pa, pb, packing: _ } => {
                    // A packed k × [4 rows], B packed k × [8 columns]: per k, each row's value of A
                    // loaded straight into all four lanes (x86-64's broadcast load, no shuffle),
                    // and two loads of B.
                    let a = pa as *const f32;
                    let b = pb as *const v128;
                    for i in 0..k {
                        let column = a.add(4 * i);
                        let b_lo = v128_load(b.add(2 * i));
                        let b_hi = v128_load(b.add(2 * i + 1));
                        let s = v128_load32_splat(column as *const u32);
                        r0_lo = f32x4_add(r0_lo, f32x4_mul(s, b_lo));
                        r0_hi = f32x4_add(r0_hi, f32x4_mul(s, b_hi));
                        let s = v128_load32_splat(column.add(1) as *const u32);
                        r1_lo = f32x4_add(r1_lo, f32x4_mul(s, b_lo));
                        r1_hi = f32x4_add(r1_hi, f32x4_mul(s, b_hi));
                        let s = v128_load32_splat(column.add(2) as *const u32);
                        r2_lo = f32x4_add(r2_lo, f32x4_mul(s, b_lo));
                        r2_hi = f32x4_add(r2_hi, f32x4_mul(s, b_hi));
                        let s = v128_load32_splat(column.add(3) as *const u32);
                        r3_lo = f32x4_add(r3_lo, f32x4_mul(s, b_lo));
                        r3_hi = f32x4_add(r3_hi, f32x4_mul(s, b_hi));
                    }
                }
            }
        }
    }
    0
}

/// Columns 0-3 (`half` 0) or 4-7 (`half` 1) of an 8-column operand.
///
/// # Safety
/// `v` points at 8 readable f32.
#[inline(always)]
unsafe fn column_half(v: *const f32, half: usize) -> v128 {
    unsafe { v128_load(v.add(4 * half) as *const v128) }
}
