// VOCAnnotation: PASCAL VOC XML box annotations, one file per image.
//
// Format: the VOC devkit's `Annotations/NAME.xml` (<annotation> with <filename>, <size> holding
// <width>, <height>, <depth>, and one <object> per instance holding <name>, optional
// <difficult>/<truncated>, and <bndbox> with <xmin>, <ymin>, <xmax>, <ymax>). Coordinates are
// kept exactly as the file states them: the official VOC files count pixels from 1, tools such
// as labelme write 0-based floats, and a reader cannot tell which convention a file followed.
//
// Reading throws `DatasetError` naming the file, the object ("object 2") and the field
// ("bndbox.xmax") for a missing or non-numeric field, an inverted box or one outside the size.

import Foundation
import GlimpseSerialization

/// One <object> of a VOC annotation.
public struct VOCObject: Sendable, Equatable {
    /// Class name.
    public var name: String
    /// Left edge as stated.
    public var xmin: Double
    /// Top edge as stated.
    public var ymin: Double
    /// Right edge as stated.
    public var xmax: Double
    /// Bottom edge as stated.
    public var ymax: Double
    /// VOC's `difficult` flag.
    public var difficult: Bool
    /// VOC's `truncated` flag.
    public var truncated: Bool

    /// Creates an object.
    public init(name: String, xmin: Double, ymin: Double, xmax: Double, ymax: Double,
                difficult: Bool = false, truncated: Bool = false) {
        (self.name, self.xmin, self.ymin, self.xmax, self.ymax) = (name, xmin, ymin, xmax, ymax)
        (self.difficult, self.truncated) = (difficult, truncated)
    }
}

/// A VOC XML annotation file's content.
public struct VOCAnnotation: Sendable, Equatable {
    /// The image file name.
    public var fileName: String
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// Channels.
    public var depth: Int
    /// The objects.
    public var objects: [VOCObject]

    /// Creates an annotation.
    public init(fileName: String, width: Int, height: Int, depth: Int = 3, objects: [VOCObject]) {
        (self.fileName, self.width, self.height, self.depth, self.objects) = (fileName, width, height, depth, objects)
    }

    // MARK: - Reading

    /// Reads and validates a VOC XML file.
    public static func read(_ path: String) throws(DatasetError) -> VOCAnnotation {
        try parse(try DatasetFiles.bytes(of: path), file: path)
    }

    /// Parses VOC XML bytes; `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> VOCAnnotation {
        let tree = try XMLTree.parse(bytes, file: file)
        guard tree.name == "annotation" else {
            throw DatasetError(.invalidValue, file: file, field: tree.name, "the root element must be <annotation>")
        }
        func text(_ node: XMLTree, _ path: String, record: String?) throws(DatasetError) -> String {
            var current = node
            for part in path.split(separator: ".") {
                guard let child = current.children.first(where: { $0.name == part }) else {
                    throw DatasetError(.missingField, file: file, record: record, field: path, "the element is required")
                }
                current = child
            }
            return current.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func number(_ node: XMLTree, _ path: String, record: String?) throws(DatasetError) -> Double {
            let t = try text(node, path, record: record)
            guard let x = Double(t), x.isFinite else {
                throw DatasetError(.wrongType, file: file, record: record, field: path, "expected a number, found '\(t)'")
            }
            return x
        }
        func flag(_ node: XMLTree, _ name: String, record: String?) throws(DatasetError) -> Bool {
            guard let child = node.children.first(where: { $0.name == name }) else { return false }
            let t = child.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty || t == "0" { return false }
            if t == "1" { return true }
            throw DatasetError(.wrongType, file: file, record: record, field: name, "expected 0 or 1, found '\(t)'")
        }
        let fileName = try text(tree, "filename", record: nil)
        let width = try number(tree, "size.width", record: nil), height = try number(tree, "size.height", record: nil)
        let maxSide = Double(COCOInstances.maxSide)
        guard width > 0, width <= maxSide, width == width.rounded() else {
            throw DatasetError(.invalidValue, file: file, field: "size.width", "must be an integer 1-\(Int(maxSide)), found \(width)")
        }
        guard height > 0, height <= maxSide, height == height.rounded() else {
            throw DatasetError(.invalidValue, file: file, field: "size.height", "must be an integer 1-\(Int(maxSide)), found \(height)")
        }
        var depth = 3
        if tree.children.first(where: { $0.name == "size" })?.children.contains(where: { $0.name == "depth" && !$0.text.isEmpty }) == true {
            let d = try number(tree, "size.depth", record: nil)
            guard [1, 3, 4].contains(d) else {
                throw DatasetError(.invalidValue, file: file, field: "size.depth", "expected 1, 3 or 4 channels, found \(d)")
            }
            depth = Int(d)
        }
        var objects = [VOCObject]()
        for (i, node) in tree.children.filter({ $0.name == "object" }).enumerated() {
            let record = "object \(i)"
            let name = try text(node, "name", record: record)
            guard !name.isEmpty else { throw DatasetError(.invalidValue, file: file, record: record, field: "name", "empty class name") }
            let xmin = try number(node, "bndbox.xmin", record: record), ymin = try number(node, "bndbox.ymin", record: record)
            let xmax = try number(node, "bndbox.xmax", record: record), ymax = try number(node, "bndbox.ymax", record: record)
            guard xmin <= xmax else {
                throw DatasetError(.invalidValue, file: file, record: record, field: "bndbox.xmax", "xmax \(xmax) is left of xmin \(xmin)")
            }
            guard ymin <= ymax else {
                throw DatasetError(.invalidValue, file: file, record: record, field: "bndbox.ymax", "ymax \(ymax) is above ymin \(ymin)")
            }
            for (field, value, limit) in [("bndbox.xmin", xmin, width), ("bndbox.ymin", ymin, height),
                                          ("bndbox.xmax", xmax, width), ("bndbox.ymax", ymax, height)] {
                guard value >= 0, value <= limit else {
                    throw DatasetError(.invalidValue, file: file, record: record, field: field,
                                       "\(value) is outside the \(Int(width))x\(Int(height)) image")
                }
            }
            objects.append(VOCObject(name: name, xmin: xmin, ymin: ymin, xmax: xmax, ymax: ymax,
                                     difficult: try flag(node, "difficult", record: record),
                                     truncated: try flag(node, "truncated", record: record)))
        }
        return VOCAnnotation(fileName: fileName, width: Int(width), height: Int(height), depth: depth, objects: objects)
    }

    // MARK: - Writing

    /// The file as VOC XML text.
    public func xml() -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = "<annotation>\n  <filename>\(escape(fileName))</filename>\n"
        out += "  <size>\n    <width>\(width)</width>\n    <height>\(height)</height>\n    <depth>\(depth)</depth>\n  </size>\n"
        for o in objects {
            out += "  <object>\n    <name>\(escape(o.name))</name>\n"
            out += "    <truncated>\(o.truncated ? 1 : 0)</truncated>\n    <difficult>\(o.difficult ? 1 : 0)</difficult>\n"
            out += "    <bndbox>\n"
            for (tag, v) in [("xmin", o.xmin), ("ymin", o.ymin), ("xmax", o.xmax), ("ymax", o.ymax)] {
                out += "      <\(tag)>\(JSONValue.number(v).serialized())</\(tag)>\n"
            }
            out += "    </bndbox>\n  </object>\n"
        }
        return out + "</annotation>\n"
    }

    /// Writes the file atomically.
    public func write(to path: String) throws(DatasetError) {
        try DatasetFiles.writeAtomically(Array(xml().utf8), to: path)
    }
}
