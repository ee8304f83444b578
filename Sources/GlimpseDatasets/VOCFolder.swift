// VOCFolder: a PASCAL VOC style folder as a `LabelledImageSource`.
//
// Layout (VOC devkit): `Annotations/NAME.xml`, `JPEGImages/NAME.jpg`, optionally
// `SegmentationClass/NAME.png` (palette label maps) and `class_names.txt` (one name per line,
// line number = class id, as labelme writes it; without it the 21 VOC classes are used).
// Items are the annotation files in name order; all are parsed when the folder is opened, so a
// malformed file or an unknown class name fails early, naming the file and the object.

import Foundation
import GlimpseImaging

/// A VOC folder of images, XML boxes and optional label maps.
public struct VOCFolder: LabelledImageSource {
    /// The 21 PASCAL VOC class names, background first.
    public static let vocClassNames = [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ]

    /// The folder.
    public let directory: String
    /// Class names by id.
    public let classNames: [String]
    /// The parsed annotations, in item order.
    public let annotations: [VOCAnnotation]
    /// The annotation file of each item.
    public let annotationFiles: [String]

    /// Opens and validates a VOC folder.
    public init(directory: String) throws(DatasetError) {
        self.directory = directory
        let namesFile = directory + "/class_names.txt"
        if FileManager.default.fileExists(atPath: namesFile) {
            let text = String(decoding: try DatasetFiles.bytes(of: namesFile), as: UTF8.self)
            classNames = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.reversed().drop(while: \.isEmpty).reversed()
        } else {
            classNames = Self.vocClassNames
        }
        let annotationsDirectory = directory + "/Annotations"
        guard DatasetFiles.isDirectory(annotationsDirectory) else {
            throw DatasetError(.unreadable, file: annotationsDirectory, "no Annotations folder")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: annotationsDirectory)) ?? [])
            .filter { $0.hasSuffix(".xml") }.sorted()
        var annotations = [VOCAnnotation](), files = [String]()
        for name in names {
            let file = annotationsDirectory + "/" + name
            let annotation = try VOCAnnotation.read(file)
            for (i, object) in annotation.objects.enumerated() where !classNames.contains(object.name) {
                throw DatasetError(.invalidValue, file: file, record: "object \(i)", field: "name",
                                   "unknown class '\(object.name)' (not in \(namesFile))")
            }
            annotations.append(annotation)
            files.append(file)
        }
        self.annotations = annotations
        annotationFiles = files
    }

    /// The number of annotation files.
    public var count: Int { annotations.count }

    /// Item `index`: the JPEG, its boxes (label = index in `classNames`), and the label map when
    /// `SegmentationClass/NAME.png` exists.
    public func item(at index: Int) throws(DatasetError) -> LabelledImage {
        precondition(index >= 0 && index < count, "VOCFolder.item: index \(index) outside 0..<\(count)")
        let annotation = annotations[index]
        let stem = URL(fileURLWithPath: annotationFiles[index]).deletingPathExtension().lastPathComponent
        var imagePath = directory + "/JPEGImages/" + annotation.fileName
        if !FileManager.default.fileExists(atPath: imagePath) { imagePath = directory + "/JPEGImages/" + stem + ".jpg" }
        let image = try DatasetImages.read(imagePath)
        guard image.width == annotation.width, image.height == annotation.height else {
            throw DatasetError(.invalidValue, file: annotationFiles[index], field: "size",
                               "\(imagePath) is \(image.width)x\(image.height), the file states \(annotation.width)x\(annotation.height)")
        }
        let boxes = annotation.objects.map {
            BoundingBox(x0: Float($0.xmin), y0: Float($0.ymin), x1: Float($0.xmax), y1: Float($0.ymax),
                        label: classNames.firstIndex(of: $0.name)!)
        }
        let mapPath = directory + "/SegmentationClass/" + stem + ".png"
        let labelMap = FileManager.default.fileExists(atPath: mapPath)
            ? try DatasetImages.readLabelMap(mapPath, width: image.width, height: image.height) : nil
        return LabelledImage(name: annotation.fileName, image: image, boxes: boxes, labelMap: labelMap)
    }
}

extension VOCFolder {
    /// The boxes as a COCO instances file (image ids = item indices, category ids = class
    /// ids, no segmentation), for statistics and for converting a VOC folder to COCO.
    public func cocoInstances() -> COCOInstances {
        var images = [COCOImage](), boxes = [COCOAnnotation]()
        for (i, a) in self.annotations.enumerated() {
            images.append(COCOImage(id: i, fileName: "JPEGImages/" + a.fileName, width: a.width, height: a.height))
            for o in a.objects {
                boxes.append(COCOAnnotation(
                    id: boxes.count + 1, imageID: i, categoryID: classNames.firstIndex(of: o.name)!,
                    bbox: [o.xmin, o.ymin, o.xmax - o.xmin, o.ymax - o.ymin], area: (o.xmax - o.xmin) * (o.ymax - o.ymin)))
            }
        }
        let categories = classNames.enumerated().map { COCOCategory(id: $0.offset, name: $0.element) }
        return COCOInstances(images: images, categories: categories, annotations: boxes)
    }
}
