import Foundation
import CEngineKernels
import TestComparisons
import XCTest
@testable import Autodiff
@testable import TensorCore

/// Loads a PyTorch truth fixture written by scripts/make_engine_fixtures.py (fixtures/engine/<name>.json).
struct Fixture {
    let tensors: [String: Tensor]
    let attrs: [String: Any]

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/engine")

    init(_ name: String) throws {
        let url = Fixture.directory.appendingPathComponent(name + ".json")
        let data = try Data(contentsOf: url)
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var ts: [String: Tensor] = [:]
        for (k, v) in root["tensors"] as! [String: Any] {
            let d = v as! [String: Any]
            let shape = (d["shape"] as! [NSNumber]).map { $0.intValue }
            let values = (d["data"] as! [NSNumber]).map { $0.floatValue }
            ts[k] = Tensor(shape: shape, values: values)
        }
        tensors = ts
        attrs = root["attrs"] as? [String: Any] ?? [:]
    }

    subscript(_ name: String) -> Tensor { tensors[name]! }
    func int(_ k: String) -> Int { (attrs[k] as! NSNumber).intValue }
    func float(_ k: String) -> Float { (attrs[k] as! NSNumber).floatValue }
    func ints(_ k: String) -> [Int] { (attrs[k] as! [NSNumber]).map { $0.intValue } }
}

/// `count` standard normal values from `SeededGenerator(seed:)`, times `scale`: the operands of the GEMM and
/// attention product tests.
func seededNormals(_ count: Int, _ seed: UInt64, scale: Float = 1) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return Tensor.normal([count], using: &g).scalars.map { $0 * scale }
}

/// Asserts `actual ≈ expected` elementwise: |a − e| ≤ atol + rtol·|e| (and equal shapes): `Tolerance.allClose`.
func assertClose(_ actual: Tensor?, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual, expected, within: .allClose(relative: Double(rtol), absolute: Double(atol)), what, file: file, line: line)
}

/// Finite-difference check of a backward pass: perturb-and-evaluate with the *Float* op and a
/// central difference of step `h`; the objective `sum(op(x) * R)` is accumulated in Double. With
/// Float evaluation the tolerance is necessarily loose (default 1e-2 relative to the largest gradient).
func finiteDifferenceCheck(inputs: [Tensor], seed: UInt64 = 7, h: Float = 1e-2, tol: Float = 1e-2,
                           file: StaticString = #filePath, line: UInt = #line,
                           _ op: ([Variable]) -> Variable) {
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let out = op(vars)
    var g = SeededGenerator(seed: seed)
    let R = Tensor.normal(out.shape, using: &g)
    out.backward(seed: R)
    func objective(_ xs: [Tensor]) -> Double {
        let o = op(xs.map { Variable($0) }).value.scalars, r = R.scalars
        var s = 0.0
        for i in 0..<o.count { s += Double(o[i]) * Double(r[i]) }
        return s
    }
    for (n, x) in inputs.enumerated() {
        guard let analytic = vars[n].grad else { XCTFail("input \(n): no gradient", file: file, line: line); continue }
        let a = analytic.scalars
        assertFinite(a, "input \(n): analytic gradient", file: file, line: line)
        let scale = max(1, a.reduce(0) { max($0, abs($1)) })
        for i in 0..<x.count {
            var xp = inputs, xm = inputs
            xp[n].withUnsafeMutableBufferPointer { $0[i] += h }
            xm[n].withUnsafeMutableBufferPointer { $0[i] -= h }
            let numeric = Float((objective(xp) - objective(xm)) / Double(2 * h))
            if !(abs(numeric - a[i]) <= tol * scale) {
                XCTFail("input \(n) element \(i): analytic \(a[i]) vs numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// Runs `body` with the kernels at this CPU's ISA level (`portable` 0) and held at the portable level
/// (`portable` 1), and leaves them at the CPU's level.
func onBothKernelPaths(_ body: (_ portable: Int32) -> Void) {
    for portable: Int32 in [0, 1] {
        engine_use_portable_kernels(portable)
        defer { engine_use_portable_kernels(0) }
        body(portable)
    }
}
