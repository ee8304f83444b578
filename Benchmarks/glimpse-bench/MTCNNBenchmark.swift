// MTCNNBenchmark: Glimpse's side of the MTCNN comparison with facenet-pytorch
// (Benchmarks/mtcnn.sh, Benchmarks/pytorch_mtcnn.py).
//
// `glimpse-bench mtcnn --threads N --reps R --warmup W IMAGE...` loads the shipped MTCNN weights
// (datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors; run from the project root), decodes
// each image once, and prints per image, as a JSON line, "mtcnn_ms": the median milliseconds of
// the whole cascade on it (RGB planes, pyramid and P-Net, R-Net and O-Net on crops, NMS,
// landmarks), with the image and the number of faces found.

import Foundation
import GlimpseDetection
import GlimpseImaging
import GlimpseTensor

/// Measures MTCNN's detection per image on `--threads` workers.
func runMTCNNBenchmark(arguments: [String]) {
    let images = arguments.filter { !$0.hasPrefix("--") && Int($0) == nil }
    let options = BenchOptions(arguments.filter { !images.contains($0) }, defaultReps: 10, defaultWarmup: 1)
    guard !images.isEmpty else { fail("mtcnn: give one or more images") }
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    let detector: MTCNNDetector
    do {
        detector = try MTCNNDetector(weights: "datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors")
    } catch {
        fail("mtcnn: \(error)")
    }
    for path in images {
        let image: Image
        do { image = try ImageFile.read(path) } catch { fail("mtcnn: \(error)") }
        var faces = 0
        let times = measureSeconds(warmup: options.warmup, reps: options.reps) {
            faces = detector.faces(in: image).count
        }
        printJSONLine(["impl": "glimpse", "metric": "mtcnn_ms", "threads": .int(options.threads), "image": .string(path),
                       "faces": .int(faces), "median": .double(median(times) * 1000), "reps": .int(options.reps)])
    }
}
