// BoundingBox+Overlap: intersection over union, the overlap measure of detection training
// (R-CNN's positives at IoU >= 0.5), evaluation (COCO, VOC) and non-maximum suppression.
//
// Two conventions for a box's size are in use, and the detectors' recipes need both:
// - `.continuous`: a box spans [x0, x1) x [y0, y1) of the continuous image plane, so its width
//   is x1 - x0. Glimpse's own boxes, torchvision (`box_iou`, `nms`) and COCOeval use it.
// - `.pixelInclusive`: x0...x1 are the first and last pixel columns, both inside, so the width
//   is x1 - x0 + 1. The VOC devkit, R-CNN and py-faster-rcnn (`py_cpu_nms`, `voc_eval.py`) use it.
// The convention is a parameter wherever IoU is computed, so a port of either recipe can match
// its reference number for number.

/// How a box's edges map to a size (see `BoundingBox.iou(_:convention:)`).
public enum BoxConvention: Sendable, Equatable {
    /// Width = x1 - x0: edges on the continuous plane (Glimpse, torchvision, COCO).
    case continuous
    /// Width = x1 - x0 + 1: first and last pixel both inside (VOC devkit, R-CNN, py-faster-rcnn).
    case pixelInclusive

    /// What is added to x1 - x0 (and y1 - y0) to get the width (height): 0 or 1.
    public var extent: Double {
        switch self {
        case .continuous: return 0
        case .pixelInclusive: return 1
        }
    }
}

extension BoundingBox {
    /// Intersection over union with `other` in `convention`, in [0, 1]; 0 when the boxes do not
    /// overlap or either has no area. Computed in Double so that a threshold compare is exact
    /// for whole-pixel boxes.
    public func iou(_ other: BoundingBox, convention: BoxConvention = .continuous) -> Double {
        let extent = convention.extent
        let w = Double(min(x1, other.x1)) - Double(max(x0, other.x0)) + extent
        let h = Double(min(y1, other.y1)) - Double(max(y0, other.y0)) + extent
        if w <= 0 || h <= 0 { return 0 }
        let intersection = w * h
        let union = size(extent) + other.size(extent) - intersection
        return union > 0 ? intersection / union : 0
    }

    /// The area in a convention: max(0, x1 - x0 + extent) x max(0, y1 - y0 + extent).
    private func size(_ extent: Double) -> Double {
        max(0, Double(x1) - Double(x0) + extent) * max(0, Double(y1) - Double(y0) + extent)
    }
}
