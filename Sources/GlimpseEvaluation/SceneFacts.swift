// SceneFacts: what a generated scene holds that a caption can be checked against (each digit
// with its colour and size, and the background), from the generator's `Scene` or from a
// generated split's instances.json.
//
// The file is COCO instances as `SceneSetWriter` writes it: categories named "0".."9", every
// annotation with `attributes: {color, size, source}`, every image with `attributes:
// {background}` ("brick", "grass", "gravel", "plain grey", ...). Reading throws an
// `EvaluationError` naming the file, the entry ("annotation 17", "image 3") and the cause for a
// missing or unknown attribute or a category that is not a digit; what `COCOInstances.read`
// rejects comes back as the same error type, its record and field kept in the message.

import GlimpseDatasets

/// The digits and background of one generated scene.
public struct SceneFacts: Sendable, Equatable {
    /// One digit of the scene.
    public struct Object: Sendable, Equatable {
        /// The digit, 0-9.
        public var digit: Int
        /// Its colour.
        public var color: ObjectColor
        /// Small or large.
        public var size: SizeClass

        /// Creates a digit; `digit` must be 0-9.
        public init(digit: Int, color: ObjectColor, size: SizeClass) {
            precondition((0...9).contains(digit), "SceneFacts.Object: digit \(digit) is not 0-9")
            (self.digit, self.color, self.size) = (digit, color, size)
        }
    }

    /// The digits, in file (painting) order.
    public var objects: [Object]
    /// The background.
    public var background: SceneBackgroundKind

    /// Creates the facts of a scene.
    public init(objects: [Object], background: SceneBackgroundKind) {
        (self.objects, self.background) = (objects, background)
    }

    /// The facts of a generated scene.
    public init(_ scene: Scene) {
        self.init(objects: scene.objects.map { Object(digit: $0.digit, color: $0.color, size: $0.size) },
                  background: scene.background)
    }

    /// The background kind whose file name (`SceneBackgroundKind.name`) is `name`, nil for an
    /// unknown one.
    public static func background(named name: String) -> SceneBackgroundKind? {
        if SceneBackgrounds.textureNames.contains(name) { return .texture(name) }
        return PlainBackgroundColor.allCases.map { SceneBackgroundKind.plain($0) }.first { $0.name == name }
    }

    // MARK: - Reading instances.json

    /// The facts of every image of a generated split's instances.json, by image id.
    public static func read(_ path: String) throws(EvaluationError) -> [Int: SceneFacts] {
        let instances: COCOInstances
        do {
            instances = try COCOInstances.read(path)
        } catch {
            let kind: EvaluationError.Kind = error.kind == .unreadable ? .unreadable : error.kind == .syntax ? .syntax : .invalidEntry
            throw EvaluationError(kind, file: path, entry: error.record,
                                  (error.field.map { "field '\($0)': " } ?? "") + error.detail)
        }
        return try decode(instances, file: path)
    }

    /// The facts of every image of `instances` (read from `file`, named in errors), by image id.
    public static func decode(_ instances: COCOInstances, file: String) throws(EvaluationError) -> [Int: SceneFacts] {
        var digits = [Int: Int]()
        for category in instances.categories {
            guard let digit = Int(category.name), (0...9).contains(digit), category.name.count == 1 else { continue }
            digits[category.id] = digit
        }
        var facts = [Int: SceneFacts]()
        for image in instances.images {
            let entry = "image \(image.id)"
            guard let name = image.attributes["background"] else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry,
                                      "no \"background\" attribute: not the instances.json of a generated scene split?")
            }
            guard let background = background(named: name) else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry, "unknown background \"\(name)\" (known: "
                                      + (SceneBackgrounds.textureNames + PlainBackgroundColor.allCases.map { "plain " + $0.rawValue })
                                      .joined(separator: ", ") + ")")
            }
            facts[image.id] = SceneFacts(objects: [], background: background)
        }
        for annotation in instances.annotations {
            let entry = "annotation \(annotation.id)"
            guard let digit = digits[annotation.categoryID] else {
                let name = instances.categories.first { $0.id == annotation.categoryID }?.name ?? "?"
                throw EvaluationError(.invalidEntry, file: file, entry: entry,
                                      "category \(annotation.categoryID) (\"\(name)\") is not a digit \"0\"-\"9\"")
            }
            func attribute(_ key: String) throws(EvaluationError) -> String {
                guard let value = annotation.attributes[key] else {
                    throw EvaluationError(.invalidEntry, file: file, entry: entry,
                                          "no \"\(key)\" attribute: not the instances.json of a generated scene split?")
                }
                return value
            }
            let colorName = try attribute("color"), sizeName = try attribute("size")
            guard let color = ObjectColor(rawValue: colorName) else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry, "unknown colour \"\(colorName)\" (known: "
                                      + ObjectColor.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let size = SizeClass(rawValue: sizeName) else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry, "unknown size \"\(sizeName)\" (known: "
                                      + SizeClass.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard facts[annotation.imageID] != nil else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry, "no image has id \(annotation.imageID)")
            }
            facts[annotation.imageID]!.objects.append(Object(digit: digit, color: color, size: size))
        }
        return facts
    }
}
