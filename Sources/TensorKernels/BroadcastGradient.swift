import TensorCore

/// The gradient of broadcasting. It lives with the kernels rather than beside `Tensor.broadcasting`
/// (`Sources/TensorCore/Ops/Broadcast.swift`) because its common case, a bias-like suffix, is the
/// column-sum kernel (`MatMul.columnSums`).
extension Tensor {
    /// Sums a broadcast result back down to `target` (the gradient of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let tn = Tensor.elementCount(target)
        if tn == 1 { return Tensor(shape: target, values: [sum().item]) }
        if Tensor.isSuffix(target, of: shape) { return MatMul.columnSums(self, n: tn).reshaped(target) }
        // General: strides of target within self's shape (0 on summed axes).
        let st = Broadcast.strides(target, to: shape)
        let r = rank
        return withUnsafeBufferPointer { x in
            Tensor(shape: target) { o in
                for j in 0..<tn { o[j] = 0 }
                var idx = [Int](repeating: 0, count: r)
                var io = 0
                for i in 0..<count {
                    o[io] += x[i]
                    var ax = r - 1
                    while ax >= 0 {
                        idx[ax] += 1; io += st[ax]
                        if idx[ax] < shape[ax] { break }
                        io -= idx[ax] * st[ax]; idx[ax] = 0; ax -= 1
                    }
                }
            }
        }
    }
}
