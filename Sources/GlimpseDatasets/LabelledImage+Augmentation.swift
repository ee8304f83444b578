// LabelledImage+Augmentation: the one augmentation path for detection and segmentation
// samples. A labelled image goes through GlimpseImaging's box- and mask-aware augmentations
// (`AugmentationPipeline`: crop, flip, rotate, shift, scale, brightness, contrast), so the
// pixels, the boxes, every instance mask and the label map move by the same transform; a box
// cut mostly away is dropped together with its mask, so box i and mask i stay one object.
//
// Captions are kept as they are: a flip makes "left of" wrong, so a captioning trainer should
// not flip.

import GlimpseImaging
import GlimpseTensor

extension LabelledImage {
    /// The item after `augmentation`, drawing from `generator`: image, boxes, instance masks and
    /// label map transformed together. The item must have pixels (`image` not nil).
    public func augmented(by augmentation: AugmentationPipeline, using generator: inout SeededGenerator) -> LabelledImage {
        guard let image else { preconditionFailure("LabelledImage.augmented: \(name) has no pixels") }
        let masks = (self.masks ?? []).map { mask in
            LabelMap(width: mask.width, height: mask.height, ids: mask.bits.map { $0 ? 1 : 0 })
        }
        let sample = augmentation.apply(AnnotatedImage(image: image, boxes: boxes ?? [], labels: labelMap, masks: masks),
                                        using: &generator)
        var out = self
        out.image = sample.image
        out.boxes = boxes == nil ? nil : sample.boxes
        out.masks = self.masks == nil ? nil : sample.masks.map { map in
            InstanceMask(width: map.width, height: map.height, bits: map.ids.map { $0 == 1 })
        }
        out.labelMap = sample.labels
        return out
    }
}
