// PipelineFile: a pipeline definition in YAML (Pipelines/*.yaml), validated against a
// registry before any image is read. Every problem is collected, with its line and key path,
// and reported together in one `PipelineFileError`.
//
//   name: classify
//   stages:
//     decoder: {use: image-file}
//     classifier:
//       use: squeezenet
//       weights: datasets/weights/squeezenet1_1.safetensors
//   outputs:
//     top: 5
//     report: true

import Foundation
import GlimpseFiles
import GlimpseSerialization
import GlimpseStages
import Yams

/// One stage as the pipeline file configures it, after validation.
public struct StageConfiguration: Sendable {
    /// The slot.
    public var kind: StageKind
    /// The conformance chosen with `use:`.
    public var conformance: Conformance
    /// Its validated parameters (defaults filled in, files resolved).
    public var parameters: StageParameters
    /// The line of the stage's key, for errors found while building it.
    public var line: Int
}

/// A validated pipeline file: its stages, outputs and a fingerprint of its bytes.
public struct PipelineFile: Sendable {
    /// The file's path.
    public var path: String
    /// The `name:` given, or the file name without extension.
    public var name: String
    /// The configured stages in pipeline order (a decoder is always present).
    public var stages: [StageConfiguration]
    /// What to write.
    public var outputs: OutputOptions
    /// FNV-1a 64 of the file's text and its weights files' identity, in hex: a resumed run only
    /// skips work done with the same pipeline.
    public var fingerprint: String

    /// The deepest nesting of collections a pipeline file may have; deeper texts are refused
    /// before Yams sees them (its recursive node builder overflows the stack on deep input).
    public static let maximumNesting = 32

    /// The largest pipeline file read (1 MiB; the shipped ones are under 2 KB). Larger files
    /// are refused before reading: a 50 MB file of unknown keys took 2.96 GB (issue 19).
    public static let maximumBytes = 1 << 20

    /// The top-level keys a pipeline file may have.
    public static let topLevelKeys = ["name", "description", "stages", "outputs"]

    /// Reads and validates `path`; `resolve` maps a relative file parameter to an existing
    /// path (nil when none exists). Throws `PipelineFileError` with every problem found.
    public static func load(_ path: String, registry: StageRegistry,
                            resolve: ((String) -> String?)? = nil) throws -> PipelineFile {
        try parse(readText(path), file: path, registry: registry, resolve: resolve ?? defaultResolver(for: path))
    }

    /// The text of the pipeline file at `path`, refused over `maximumBytes` before reading.
    static func readText(_ path: String) throws -> String {
        let data: [UInt8]
        do {
            data = try RegularFile.read(path, maxBytes: maximumBytes)
        } catch {
            let message: String
            if case .tooLarge(let size, _) = error.cause {
                message = "the file has \(size) bytes, over the limit of \(maximumBytes) for a pipeline file "
                    + "(the shipped ones are under 2 KB); not read"
            } else {
                message = "cannot read the file: \(error.reason)"
            }
            throw PipelineFileError(file: path, problems: [PipelineProblem(line: 0, key: "-", message: message)])
        }
        return try text(of: data, file: path)
    }

    /// Relative paths are tried against the working directory, then the pipeline file's
    /// folder, then the folder above it (the project root for `Pipelines/*.yaml`).
    public static func defaultResolver(for path: String) -> (String) -> String? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return { candidate in
            let manager = FileManager.default
            if candidate.hasPrefix("/") { return manager.fileExists(atPath: candidate) ? candidate : nil }
            for base in [URL(fileURLWithPath: manager.currentDirectoryPath), folder, folder.deletingLastPathComponent()] {
                let full = base.appendingPathComponent(candidate).standardized.path
                if manager.fileExists(atPath: full) { return full }
            }
            return nil
        }
    }

    /// Validates YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String, registry: StageRegistry,
                             resolve: @escaping (String) -> String?) throws -> PipelineFile {
        let draft = try self.draft(text, file: file, registry: registry, resolve: resolve)
        guard let pipelineFile = draft.file else {
            throw PipelineFileError(file: file, problems: draft.problems, omitted: draft.omitted)
        }
        return pipelineFile
    }

    /// What validation found: the file when it has no problem, else the problems and the stages
    /// that did validate (so that `Pipeline.load` can set those up and report every problem at once).
    struct Draft {
        var file: PipelineFile?
        var stages: [StageConfiguration]
        var problems: [PipelineProblem]
        var omitted: Int
    }

    /// Validates YAML text, collecting problems; throws only when the text cannot be read as a
    /// pipeline file at all (too deep, not YAML, not a mapping).
    static func draft(_ text: String, file: String, registry: StageRegistry,
                      resolve: @escaping (String) -> String?) throws -> Draft {
        var problems = [PipelineProblem]()
        var omitted = 0
        func problem(_ node: Node?, _ key: String, _ message: String) {
            // The list is capped so that a huge file of mistakes cannot flood the terminal.
            guard problems.count < PipelineFileError.maximumListed else { omitted += 1; return }
            problems.append(PipelineProblem(line: node?.mark?.line ?? 0, key: key, message: message))
        }
        if let line = PipelineNesting.firstLine(deeperThan: maximumNesting, in: text) {
            throw PipelineFileError(file: file, problems: [PipelineProblem(
                line: line, key: "-", message: "nested deeper than \(maximumNesting) levels (a pipeline file needs about five); refused before parsing")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PipelineFileError(file: file, problems: [PipelineProblem(line: yamlLine(error), key: "-", message: "not valid YAML: \(yamlProblem(error))")])
        }
        guard let root, case .mapping(let top) = root else {
            throw PipelineFileError(file: file, problems: [PipelineProblem(line: root?.mark?.line ?? 1, key: "-",
                                                                           message: "expected a mapping with the keys \(topLevelKeys.joined(separator: ", "))")])
        }
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var stages = [StageConfiguration]()
        var outputs = OutputOptions()
        var sawStages = false
        for (keyNode, value) in top {
            let key = keyNode.string ?? "?"
            switch key {
            case "name", "description":
                if case .scalar = value, let text = value.string { if key == "name" { name = text } } else { problem(keyNode, key, "expected text") }
            case "stages":
                sawStages = true
                guard case .mapping(let stageMap) = value else { problem(keyNode, key, "expected a mapping of stage names to their settings"); continue }
                var seen = Set<StageKind>()
                for (stageKey, settings) in stageMap {
                    let stageName = stageKey.string ?? "?"
                    let path = "stages.\(stageName)"
                    guard let kind = StageKind(rawValue: stageName) else {
                        problem(stageKey, path, "unknown stage; stages are \(StageKind.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    if !seen.insert(kind).inserted { problem(stageKey, path, "given twice") }
                    if let configuration = stage(kind, settings, key: stageKey, path: path, file: file, registry: registry,
                                                 resolve: resolve, problem: problem) {
                        stages.append(configuration)
                    }
                }
            case "outputs":
                guard case .mapping(let outputMap) = value else { problem(keyNode, key, "expected a mapping"); continue }
                for (outputKey, setting) in outputMap {
                    let outputName = outputKey.string ?? "?"
                    guard let spec = OutputOptions.keys.first(where: { $0.name == outputName }) else {
                        problem(outputKey, "outputs.\(outputName)", "unknown output; outputs are \(OutputOptions.keys.map(\.name).joined(separator: ", "))")
                        continue
                    }
                    if let v = typed(setting, spec.type, key: "outputs.\(outputName)", resolve: resolve, problem: problem) {
                        if case .int(let n) = v, n < 1 { problem(setting, "outputs.\(outputName)", "must be at least 1"); continue }
                        outputs.set(outputName, v)
                    }
                }
            default:
                problem(keyNode, key, "unknown key; a pipeline file has \(topLevelKeys.joined(separator: ", "))")
            }
        }
        if !sawStages { problem(root, "stages", "missing; give at least the stages to run") }
        if !stages.contains(where: { $0.kind == .decoder }), problems.isEmpty,
           let decoder = registry.conformance(.decoder, named: ImageFileDecoder.conformanceName) {
            stages.append(StageConfiguration(kind: .decoder, conformance: decoder, parameters: StageParameters(file: file), line: 0))
        }
        if !stages.contains(where: { $0.kind == .decoder }), problems.isEmpty {
            problem(root, "stages.decoder", "missing; decoders are \(registry.names(for: .decoder).joined(separator: ", "))")
        }
        stages.sort { $0.kind < $1.kind }
        guard problems.isEmpty else { return Draft(file: nil, stages: stages, problems: problems, omitted: omitted) }
        return Draft(file: PipelineFile(path: file, name: name, stages: stages, outputs: outputs,
                                        fingerprint: fingerprint(text, stages: stages)),
                     stages: stages, problems: [], omitted: 0)
    }

    /// FNV-1a 64 of the file's text and of the bytes of every file parameter (weights, labels),
    /// so replacing a weights file makes `--resume` redo the work, while a fresh checkout or a
    /// copy of the same files (new modification times, another folder) does not.
    private static func fingerprint(_ text: String, stages: [StageConfiguration]) -> String {
        var material = text
        for stage in stages {
            for spec in stage.conformance.parameters where spec.type == .file {
                guard case .string(let path)? = stage.parameters.values[spec.name] else { continue }
                // validation has already checked that the file exists and can be read
                let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
                material += "\n\(stage.kind.rawValue).\(spec.name)=\(bytes.count) \(ContentHash.hex(ContentHash.fnv1a64(bytes)))"
            }
        }
        return ContentHash.hex(ContentHash.fnv1a64(Array(material.utf8)))
    }

    /// One stage's settings: `use:` and the conformance's parameters.
    private static func stage(_ kind: StageKind, _ settings: Node, key: Node, path: String, file: String,
                              registry: StageRegistry, resolve: (String) -> String?,
                              problem: (Node?, String, String) -> Void) -> StageConfiguration? {
        let known = registry.names(for: kind)
        let knownText = known.isEmpty ? "none registered yet" : known.joined(separator: ", ")
        var pairs: [(Node, Node)] = []
        switch settings {
        case .mapping(let map): pairs = Array(map)
        case .scalar:
            // shorthand: `classifier: squeezenet`
            pairs = [(Node("use"), settings)]
        default:
            problem(key, path, "expected a mapping with use: and the conformance's parameters")
            return nil
        }
        guard let usePair = pairs.first(where: { $0.0.string == "use" }), let use = usePair.1.string else {
            problem(key, "\(path).use", "missing; conformances are \(knownText)")
            return nil
        }
        guard let conformance = registry.conformance(kind, named: use) else {
            problem(usePair.1.mark == nil ? key : usePair.1, "\(path).use", "unknown conformance \"\(use)\"; known: \(knownText)")
            return nil
        }
        var values = [String: ParameterValue]()
        var given = Set<String>()
        var failed = false
        for (parameterKey, value) in pairs where parameterKey.string != "use" {
            let parameterName = parameterKey.string ?? "?"
            given.insert(parameterName)
            let parameterPath = "\(path).\(parameterName)"
            guard let spec = conformance.parameters.first(where: { $0.name == parameterName }) else {
                let names = conformance.parameters.map(\.name)
                problem(parameterKey, parameterPath, "unknown parameter of \(use); it takes \(names.isEmpty ? "none" : names.joined(separator: ", "))")
                failed = true
                continue
            }
            if let v = typed(value, spec.type, key: parameterPath, resolve: resolve, problem: problem) {
                values[parameterName] = v
            } else {
                failed = true
            }
        }
        for spec in conformance.parameters where !given.contains(spec.name) {
            if spec.required {
                problem(key, "\(path).\(spec.name)", "missing (\(spec.type.rawValue): \(spec.help))")
                failed = true
            } else if let fallback = spec.defaultValue {
                if spec.type == .file, case .string(let relative) = fallback {
                    guard let found = resolve(relative) else {
                        problem(key, "\(path).\(spec.name)", "the default file \(relative) does not exist")
                        failed = true
                        continue
                    }
                    values[spec.name] = .string(found)
                } else {
                    values[spec.name] = fallback
                }
            }
        }
        if failed { return nil }
        return StageConfiguration(kind: kind, conformance: conformance, parameters: StageParameters(file: file, values: values),
                                  line: key.mark?.line ?? 0)
    }

    /// The value of a scalar node checked against `type`, or nil after reporting a problem.
    private static func typed(_ node: Node, _ type: ParameterType, key: String, resolve: (String) -> String?,
                              problem: (Node?, String, String) -> Void) -> ParameterValue? {
        guard case .scalar(let scalar) = node else {
            problem(node, key, "expected \(type.rawValue), found a \(node.isMapping ? "mapping" : "list")")
            return nil
        }
        let tag = node.tag.description
        let plain = scalar.style == .plain
        switch type {
        case .int:
            if plain, tag.hasSuffix(":int"), let v = node.int { return .int(v) }
        case .float:
            if plain, tag.hasSuffix(":int") || tag.hasSuffix(":float"), let v = node.float, v.isFinite { return .float(v) }
        case .bool:
            if plain, tag.hasSuffix(":bool"), let v = node.bool { return .bool(v) }
        case .string:
            if !plain || tag.hasSuffix(":str") { return .string(scalar.string) }
        case .file:
            guard !plain || tag.hasSuffix(":str") else { break }
            if let found = resolve(scalar.string) {
                // A folder (or FIFO) given as weights reached the loader as Foundation's
                // "error 256" (issue 19); name what it is here instead.
                var info = stat()
                if stat(found, &info) == 0, let kind = fileKind(info.st_mode) {
                    problem(node, key, "\(kind), not a file: \(scalar.string)")
                    return nil
                }
                return .string(found)
            }
            problem(node, key, "no such file: \(scalar.string)")
            return nil
        }
        problem(node, key, "expected \(type == .file ? "a file path" : type.rawValue), found \"\(scalar.string)\"")
        return nil
    }

    /// nil for a regular file, else what `mode` names.
    private static func fileKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "a device"
        }
    }

    private static func yamlLine(_ error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

extension Node {
    fileprivate var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}
