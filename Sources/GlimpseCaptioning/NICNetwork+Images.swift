// The pooled features of whole images through a NIC network's CNN: the one routine that the
// trainer's feature cache, the captioner's batched decoding and the nearest-neighbour index share.

import GlimpseImaging
import GlimpseNN
import GlimpseTensor

extension NICNetwork {
    /// The pooled features `[N, D]` of `images` (each made `[1, C, S, S]` by `preprocessing`),
    /// `batch` images per CNN pass.
    public func features(of images: [Image], preprocessing: ImagePreprocessing, batch: Int = 32) -> Tensor {
        featuresAndMeans(of: images, preprocessing: preprocessing, batch: batch).features
    }

    /// The pooled features `[N, D]` of `images` and their CNN maps' channel means `[N, C]` (what
    /// the out-of-domain rule compares), `batch` images per CNN pass.
    public func featuresAndMeans(of images: [Image], preprocessing: ImagePreprocessing, batch: Int = 32)
        -> (features: Tensor, means: Tensor) {
        precondition(batch > 0, "NICNetwork.featuresAndMeans: batch must be positive, got \(batch)")
        var rows = [Float](), means = [Float]()
        var channels = 0
        for start in stride(from: 0, to: images.count, by: batch) {
            let inputs = images[start..<min(start + batch, images.count)].map { preprocessing.tensor(for: $0) }
            let maps = cnn(Tensor.stack(inputs.map { $0.reshaped(Array($0.shape.dropFirst())) }))
            channels = maps.shape[1]
            rows += features(ofMaps: maps).scalars
            means += GlobalAvgPool()(maps).scalars
        }
        return (Tensor(shape: [images.count, featureSize], scalars: rows), Tensor(shape: [images.count, channels], scalars: means))
    }
}
