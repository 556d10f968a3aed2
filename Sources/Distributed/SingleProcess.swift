/// A job of one process: rank 0 of 1, every collective the identity. `aims` uses it whenever no MPI launcher
/// started it, so a process run alone neither loads MPI nor changes what it computes.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes] }
    public func broadcast(_ bytes: [UInt8], from root: Int) throws -> [UInt8] { bytes }
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {}
    public func barrier() throws {}
}
