// PipelineNesting: how deeply a pipeline file's YAML nests, measured before Yams builds nodes.
//
// Yams builds its node tree recursively, one stack frame group per level, and a 10 KB file of
// brackets overflowed the stack at about 4,700 levels (issue 19); on a secondary thread, with a
// smaller stack, far fewer. A pipeline file needs four or five levels. libyaml's event parser
// keeps its state on the heap, so walking its events is linear and cannot overflow: the first
// collection that opens deeper than the limit gives the line to report. Syntax errors end the
// walk without a verdict; Yams reports them with their own message. Only this file imports CYaml.

import CYaml

enum PipelineNesting {
    /// The 1-based line where a collection opens more than `limit` levels deep in `text`, or nil
    /// when none does (or the text is not valid YAML before any such point).
    static func firstLine(deeperThan limit: Int, in text: String) -> Int? {
        guard !text.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > limit { return Int(event.start_mark.line) + 1 }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return nil
                default:
                    break
                }
            }
        }
    }
}
