// Landmark: a keypoint a detector reports with a box, such as MTCNN's five facial landmarks
// (left eye, right eye, nose, left and right mouth corner), in the image's pixel coordinates.

/// A point in an image's pixel coordinates (x to the right, y down).
public struct Landmark: Sendable, Equatable {
    /// Column.
    public var x: Float
    /// Row.
    public var y: Float

    /// Creates a point.
    public init(x: Float, y: Float) { (self.x, self.y) = (x, y) }
}
