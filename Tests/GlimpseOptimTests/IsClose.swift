// IsClose: the tolerance used to compare against reference (torch) numbers.

/// Whether every element of `actual` is within `absolute + relative·|expected|` of `expected`.
func isClose(_ actual: [Float], _ expected: [Float], relative: Float = 1e-6, absolute: Float = 1e-7) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { abs($0 - $1) <= absolute + relative * abs($1) }
}
