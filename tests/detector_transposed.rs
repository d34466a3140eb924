//! The shipped detector has a transposed twin (src/transposed_graph.rs), through which the engine
//! runs every canvas taller than wide: on such canvases, at the sizes a page meets, it must give
//! the detector's own map, turned over.

use mathsnap::onnx::{read_proto, ShapedPlans};
use mathsnap::transposed_graph::transpose;
use tract_onnx::prelude::*;

#[test]
fn the_shipped_detectors_twin_gives_its_map_on_tall_canvases() {
    let bytes = std::fs::read("models/detector.onnx").unwrap();
    let proto = read_proto("detector.onnx", &bytes).unwrap();
    let twin = transpose(&proto).expect("the shipped detector is made of ops that commute with a transpose");
    let (detector, twin) =
        (ShapedPlans::from_proto("detector", &proto).unwrap(), ShapedPlans::from_proto("twin", &twin).unwrap());
    // the working size of a portrait page, a small-print window, the close-up probe
    for (h, w) in [(800, 608), (896, 768), (256, 192)] {
        let page: Tensor = tract_ndarray::Array4::from_shape_fn((1, 3, h, w), |(_, c, y, x)| {
            // dark strokes on paper, varying along both axes
            if (x / 9 + y / 5 + c) % 7 == 0 {
                0.1f32
            } else {
                0.95
            }
        })
        .into();
        let turned = page.clone().permute_axes(&[0, 1, 3, 2]).unwrap();
        let map = detector.plan(&[page.shape()]).unwrap().run(tvec!(page.into())).unwrap().remove(0).into_tensor();
        let from_twin = twin.plan(&[turned.shape()]).unwrap().run(tvec!(turned.into())).unwrap().remove(0);
        let from_twin = from_twin.into_tensor().permute_axes(&[0, 1, 3, 2]).unwrap();
        assert_eq!(map.shape(), from_twin.shape());
        let (a, b) = (map.to_plain_array_view::<f32>().unwrap(), from_twin.to_plain_array_view::<f32>().unwrap());
        let worst = a.iter().zip(b.iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "{h}x{w}: maps differ by {worst}");
    }
}
