// The attention overloads' former names, which did not say which bias each computes with. Kept as
// deprecated forwarders so code written against them (SAM's layers in other branches) still
// compiles; new code calls the names in AttentionOps.swift and TableBiasAttentionOps.swift.

@available(*, deprecated, renamed: "attention(_:_:_:relativePositionBias:scale:)")
public func attention(_ q: Variable, _ k: Variable, _ v: Variable, relH: Variable, relW: Variable, h: Int, w: Int,
                      scale: Float) -> Variable {
    attention(q, k, v, relativePositionBias: (relH, relW, h, w), scale: scale)
}

@available(*, deprecated, renamed: "attention(packedQKV:relativePositionBias:scale:)")
public func attention(qkv: Variable, relativePosition: (relH: Variable, relW: Variable, h: Int, w: Int)? = nil,
                      scale: Float) -> Variable {
    attention(packedQKV: qkv, relativePositionBias: relativePosition, scale: scale)
}

@available(*, deprecated, renamed: "attention(qkvProjection:heads:relativePositionBias:scale:)")
public func attention(tokens projected: Variable, heads: Int,
                      relativePosition: (relH: Variable, relW: Variable, h: Int, w: Int)? = nil, scale: Float) -> Variable {
    attention(qkvProjection: projected, heads: heads, relativePositionBias: relativePosition, scale: scale)
}

@available(*, deprecated, renamed: "attention(packedQKV:tableBias:indices:scale:)")
public func attention(qkv: Variable, biasTable table: Variable, indices: [Int], scale: Float) -> Variable {
    attention(packedQKV: qkv, tableBias: table, indices: indices, scale: scale)
}
