// COCOEvaluation: COCO detection evaluation exactly as pycocotools' `COCOeval` computes it
// (PythonAPI/pycocotools/cocoeval.py: evaluate, evaluateImg, accumulate, summarize).
//
// Per image and category (images and categories of the ground truth, ids ascending):
// 1. detections sorted by descending score, ties in file order (numpy's stable mergesort),
//    cut to the largest maxDets; IoU of every detection with every ground truth (MaskIoU);
// 2. per area range, ground truths that are crowds or outside the range are "ignored" and
//    sorted after the others (stable); at each IoU threshold t, each detection in score order
//    takes the free ground truth with the highest IoU >= t (the first of equals), a regular
//    one if any qualifies: the scan stops at the first ignored ground truth once a regular one
//    has matched. Crowd regions are never used up. A detection matched to an ignored ground
//    truth is ignored, as is an unmatched one whose own area is outside the range.
// Accumulated per category, area range and maxDets: the images' detections (each image's cut
// to maxDets) in image-id order, stably sorted by descending score again; cumulative true and
// false positives over the non-ignored ones; recall = tp / (non-ignored ground truths),
// precision = tp / (tp + fp + eps) made non-increasing from the right, read at recall
// 0:0.01:1 with searchsorted 'left' (0 past the highest recall). A category without a
// non-ignored ground truth in a range gets -1 there and is left out of every mean.
//
// One deliberate difference, reported as a warning: pycocotools records a match as the
// ground truth's id and treats id 0 as "no match", so a ground-truth annotation with id 0 can
// never be a true positive there (pytorch/vision#1530). Glimpse matches by position and counts
// it; the warning says pycocotools' figures would be lower.

import GlimpseDatasets
import GlimpseTensor

/// COCO detection evaluation (`bbox` or `segm`) as pycocotools computes it.
public enum COCOEvaluation {
    /// Evaluates `results` against `groundTruth`: the matching, the accumulated precision and
    /// recall tables and the 12-number summary.
    public static func evaluate(groundTruth: COCOInstances, results: COCOResults,
                                parameters: COCOEvaluationParameters) -> COCOAccumulation {
        let imageIDs = groundTruth.images.map(\.id).sorted()
        let categoryIDs = groundTruth.categories.map(\.id).sorted()
        var imageIndex = [Int: Int](), categoryIndex = [Int: Int]()
        for (i, id) in imageIDs.enumerated() { imageIndex[id] = i }
        for (k, id) in categoryIDs.enumerated() { categoryIndex[id] = k }
        var imageSizes = [Int: (height: Int, width: Int)]()
        for image in groundTruth.images { imageSizes[image.id] = (image.height, image.width) }
        let imageCount = imageIDs.count, categoryCount = categoryIDs.count
        let segm = parameters.iouType == .segm

        // Ground truths and detections of each (category, image) pair, in file order.
        var truths = [[Truth]](repeating: [], count: categoryCount * imageCount)
        for a in groundTruth.annotations {
            guard let k = categoryIndex[a.categoryID], let i = imageIndex[a.imageID] else { continue }
            truths[k * imageCount + i].append(Truth(annotation: a))
        }
        var detections = [[Detection]](repeating: [], count: categoryCount * imageCount)
        for d in results.detections {
            guard let k = categoryIndex[d.categoryID], let i = imageIndex[d.imageID] else { continue }
            detections[k * imageCount + i].append(Detection(detection: d))
        }

        // Per category (in parallel): every image's matching for every area range.
        let areaCount = parameters.areaRanges.count
        let slots = PairSlots(count: categoryCount * areaCount * imageCount)
        let perCategory = Compute.threads > 1 ? max(1, categoryCount) : 1
        Compute.parallelChunks(categoryCount, chunks: perCategory) { _, range in
            for k in range {
                for i in 0..<imageCount {
                    let pair = k * imageCount + i
                    let size = imageSizes[imageIDs[i]]!
                    let evaluations = ImageMatching.evaluate(truths: truths[pair], detections: detections[pair],
                                                             parameters: parameters, segm: segm,
                                                             height: size.height, width: size.width)
                    guard let evaluations else { continue }
                    for a in 0..<areaCount { slots.store(evaluations[a], at: (k * areaCount + a) * imageCount + i) }
                }
            }
        }
        return COCOAccumulation.accumulate(slots.items, parameters: parameters, categoryIDs: categoryIDs, imageCount: imageCount)
    }

    /// The run-length mask of a segmentation on a `height` x `width` image: polygons through
    /// pycocotools' rasterisation (PolygonRLE), RLE as it is.
    public static func mask(_ segmentation: COCOSegmentation, height: Int, width: Int) -> RunLengthMask {
        switch segmentation {
        case let .rle(rle): return rle
        case let .polygons(polygons): return PolygonRLE.mask(polygons: polygons, height: height, width: width)
        }
    }

    /// One ground-truth annotation as the matching needs it.
    struct Truth {
        var box: (Double, Double, Double, Double)
        var area: Double
        var crowd: Bool
        var segmentation: COCOSegmentation?

        init(annotation a: COCOAnnotation) {
            box = (a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3])
            (area, crowd, segmentation) = (a.area, a.isCrowd, a.segmentation)
        }
    }

    /// One detection as the matching needs it.
    struct Detection {
        var box: (Double, Double, Double, Double)
        var area: Double
        var score: Double
        var segmentation: COCOSegmentation?

        init(detection d: COCODetection) {
            box = (d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3])
            (area, score, segmentation) = (d.area, d.score, d.segmentation)
        }
    }

    /// Per (category, area range, image) results, written from several threads at distinct indices.
    final class PairSlots: @unchecked Sendable {
        private let base: UnsafeMutablePointer<ImageMatching?>
        private let count: Int

        init(count: Int) {
            self.count = count
            base = UnsafeMutablePointer<ImageMatching?>.allocate(capacity: count)
            base.initialize(repeating: nil, count: count)
        }

        deinit { base.deinitialize(count: count); base.deallocate() }

        func store(_ value: ImageMatching, at index: Int) { base[index] = value }

        /// The stored values in index order (call once every writer has finished).
        var items: [ImageMatching?] { Array(UnsafeBufferPointer(start: base, count: count)) }
    }
}
