import TensorCore

extension Communicator {
    /// Overwrites every tensor with rank `root`'s values (each rank passes tensors of the same shapes, in the
    /// same order): how every rank starts from rank 0's parameters.
    public func broadcast(_ tensors: inout [Tensor], from root: Int) throws {
        guard size > 1 else { return }
        for i in tensors.indices where tensors[i].count > 0 {
            try tensors[i].withUnsafeMutableBufferPointer { try broadcast($0, from: root) }
        }
    }
}
