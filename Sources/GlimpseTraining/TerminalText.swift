// TerminalText: text from the outside world (file names, pipeline-file keys, decoder messages)
// made safe to print on a terminal.
//
// A file name may hold any byte but `/` and NUL, so a crafted name can carry escape sequences
// that retitle, recolour or clear the terminal (issue 19). Every message Glimpse prints to
// standard error passes through `escaped`, which shows each control character (Unicode
// category Cc: C0, DEL, C1) as `\u{XX}`, except the line feed that separates lines.

/// Escaping for terminal output.
public enum TerminalText {
    /// `text` with every control character but `\n` shown as `\u{XX}` (two or more hex digits, upper case).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "\\u{\(hex.count < 2 ? "0" + hex : hex)}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar.properties.generalCategory == .control
    }
}
