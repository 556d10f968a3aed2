/// The 2×2 superpixel of a division-of-focal-plane (DoFP) polarization sensor: which linear
/// polarizer angle (degrees, measured from the sensor's x axis) sits at each position.
///
/// Channel indices used throughout the polarization transforms are 0 → 0°, 1 → 45°, 2 → 90°,
/// 3 → 135°, i.e. angle images are always stacked as `[I0, I45, I90, I135]`.
public struct PolarizerMosaicLayout: Sendable, Equatable, Hashable {
    /// Angles in degrees at (row 0, col 0), (0, 1), (1, 0), (1, 1).
    public let anglesDegrees: [Int]

    /// A layout from the four angles, row-major over the 2×2 superpixel.
    /// - Throws: `PhysicsTransformError.polarizerLayout` unless the angles are a permutation of 0, 45, 90, 135.
    public init(topLeft: Int, topRight: Int, bottomLeft: Int, bottomRight: Int) throws {
        let a = [topLeft, topRight, bottomLeft, bottomRight]
        guard a.sorted() == [0, 45, 90, 135] else { throw PhysicsTransformError.polarizerLayout(got: a) }
        anglesDegrees = a
    }

    private init(unchecked a: [Int]) { anglesDegrees = a }

    /// Sony IMX250MZR / IMX250MYR as polanalyser 3.0.0 demosaics it (and as Sony documents the
    /// superpixel): `[[90, 45], [135, 0]]`. Verified by feeding polanalyser a mosaic with a distinct
    /// value per phase (see fixtures/README.md, physics). Which layout a given file needs depends on how its
    /// camera software read out the sensor; check with a scene of known polarization.
    public static let sonyIMX250 = PolarizerMosaicLayout(unchecked: [90, 45, 135, 0])

    /// `[[0, 45], [135, 90]]`: the layout of polanalyser's pre-3.0 `IMX250MZR.demosaicing` float path.
    /// It differs from `sonyIMX250` by swapping 0° and 90° (S1 changes sign: AoLP → 90° − AoLP).
    /// The real IMX250MZR captures shipped in polanalyser's history (polarizer_IMX250MZR.png, fruits_IMX250MZR.png)
    /// follow this layout: polarizers labelled 0°, 45°, 90°, 135° in the polarizer scene read 7°, 46°, 95°, 135°
    /// with it, but 83°, 44°, 175°, 135° with `sonyIMX250` (see PolarizationTests).
    public static let polanalyserLegacy = PolarizerMosaicLayout(unchecked: [0, 45, 135, 90])

    /// Index into `[I0, I45, I90, I135]` of the polarizer at mosaic pixel (`row`, `col`).
    @inlinable public func channel(row: Int, col: Int) -> Int {
        anglesDegrees[(row & 1) * 2 + (col & 1)] / 45
    }

    /// Phase `(row & 1, col & 1)` at which the polarizer of channel `c` (0…3 for 0°…135°) sits.
    public func phase(ofChannel c: Int) -> (row: Int, col: Int) {
        let i = anglesDegrees.firstIndex(of: c * 45)!
        return (i / 2, i % 2)
    }
}
